/**
 * What a notebook's JavaScript cell defines and reads, found with acorn, and the function the
 * reactive runtime calls for it (./notebookRuntime.ts). Pure: no DOM, no runtime.
 *
 * A cell is an expression (`Plot.lineY(rows)`, `1 + 2;`: its value is shown) or a program of
 * statements whose top-level declarations (`const`, `let`, `var`, `function`, `class`,
 * destructuring included) define names the other cells can read. The free identifiers a cell
 * uses (not declared in it, not JavaScript's own globals) are its reads: the runtime re-runs the
 * cell when one of them changes. The scope rules follow Observable Framework's
 * (src/javascript/references.ts, ISC), so a cell behaves here as on the published page.
 *
 * @example
 * analyzeCell("const total = prices.numRows() * k;")
 * // { ok: true, expression: false, defines: ["total"], reads: ["k", "prices"], … }
 * analyzeCell("const x = ;")
 * // { ok: false, error: { line: 1, column: 11, message: "Unexpected token" } }
 */
import { Parser, tokTypes, type Node, type Options, type Program } from "acorn";
import { ancestor } from "acorn-walk";

/** A problem at a place in the cell: 1-based line and column. */
export interface CellProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type CellAnalysis =
  | {
    readonly ok: true;
    /** The cell is one expression; its value is what it shows. */
    readonly expression: boolean;
    /** Names declared at the cell's top level, in order. */
    readonly defines: readonly string[];
    /** Free identifiers the cell uses (sorted): its inputs. `display` is not among them (every cell has its own). */
    readonly reads: readonly string[];
    /** The source to put after the function header (see cellFunction). */
    readonly body: string;
  }
  | { readonly ok: false; readonly error: CellProblem };

/** Identifiers the browser gives every cell; a cell reading them does not depend on another cell. */
export const JS_GLOBALS: ReadonlySet<string> = new Set([
  "Array", "ArrayBuffer", "atob", "AbortController", "AggregateError", "BigInt", "BigInt64Array", "BigUint64Array", "Blob", "Boolean", "btoa",
  "cancelAnimationFrame", "clearInterval", "clearTimeout", "console", "crypto", "CustomEvent", "DataView", "Date", "decodeURI",
  "decodeURIComponent", "devicePixelRatio", "document", "DOMParser", "encodeURI", "encodeURIComponent", "Error", "escape", "eval", "EvalError",
  "Event", "EventTarget", "fetch", "File", "FileList", "FileReader", "Float32Array", "Float64Array", "FormData", "Function", "globalThis", "Headers",
  "history", "HTMLElement", "Image", "ImageData", "Infinity", "Int16Array", "Int32Array", "Int8Array", "Intl", "isFinite", "isNaN", "JSON",
  "localStorage", "location", "Map", "Math", "MessageChannel", "NaN", "navigator", "Node", "Number", "Object", "parseFloat", "parseInt",
  "performance", "Path2D", "Promise", "Proxy", "queueMicrotask", "RangeError", "ReferenceError", "Reflect", "RegExp",
  "requestAnimationFrame", "Request", "Response", "Set", "setInterval", "setTimeout", "sessionStorage", "String", "structuredClone", "Symbol",
  "SyntaxError", "TextDecoder", "TextEncoder", "TypeError", "Uint16Array", "Uint32Array", "Uint8Array", "Uint8ClampedArray", "undefined",
  "unescape", "URIError", "URL", "URLSearchParams", "WeakMap", "WeakRef", "WeakSet", "WebSocket", "window", "Worker", "arguments",
]);

/** Each cell's own display(value), as on a Framework page; never an input from another cell. */
export const DISPLAY = "display";

const OPTIONS: Options = { ecmaVersion: "latest", sourceType: "module", locations: true };

type AnyNode = Node & Record<string, any>;

function problemOf(error: unknown): CellProblem {
  const e = error as { message?: string; loc?: { line: number; column: number } };
  const message = String(e.message ?? error).replace(/\s*\(\d+:\d+\)\s*$/, "");
  return { line: e.loc?.line ?? 1, column: (e.loc?.column ?? 0) + 1, message };
}

function at(node: AnyNode, message: string): CellProblem {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1, message };
}

/** The cell as one expression, when all of it is one (a named function or class is a declaration instead). */
function maybeExpression(source: string): AnyNode | undefined {
  // acorn's public API has no "parse one expression to the end": its (protected) parser does
  const ParserClass = Parser as unknown as new (options: Options, input: string, start: number) => { nextToken(): void; parseExpression(): AnyNode; type: unknown };
  const parser = new ParserClass(OPTIONS, source, 0);
  try {
    parser.nextToken();
    const node = parser.parseExpression();
    if (parser.type !== tokTypes.eof) return undefined;
    if ((node.type === "ClassExpression" || node.type === "FunctionExpression") && node.id) return undefined;
    return node;
  } catch {
    return undefined;
  }
}

const isScope = (n: AnyNode) => n.type === "FunctionExpression" || n.type === "FunctionDeclaration" || n.type === "ArrowFunctionExpression" || n.type === "Program";
const isBlockScope = (n: AnyNode) => n.type === "BlockStatement" || n.type === "SwitchStatement" || n.type === "ForInStatement"
  || n.type === "ForOfStatement" || n.type === "ForStatement" || n.type === "StaticBlock" || isScope(n);

/** The identifiers of a binding pattern. */
function patternNames(node: AnyNode, out: AnyNode[] = []): AnyNode[] {
  switch (node.type) {
    case "Identifier": out.push(node); break;
    case "ObjectPattern": for (const p of node.properties) patternNames(p.type === "Property" ? p.value : p, out); break;
    case "ArrayPattern": for (const e of node.elements) if (e) patternNames(e, out); break;
    case "RestElement": patternNames(node.argument, out); break;
    case "AssignmentPattern": patternNames(node.left, out); break;
  }
  return out;
}

/** Identifier nodes that refer to nothing declared in the cell (Framework's findReferences, trimmed). */
function freeReferences(root: AnyNode): AnyNode[] {
  const locals = new Map<AnyNode, Set<string>>();
  const declare = (scope: AnyNode | undefined, name: string) => {
    if (!scope) return;
    const set = locals.get(scope);
    if (set) set.add(name);
    else locals.set(scope, new Set([name]));
  };
  const nearest = (parents: AnyNode[], from: number, test: (n: AnyNode) => boolean) => {
    for (let i = from; i >= 0; i--) if (test(parents[i]!)) return parents[i];
    return undefined;
  };
  const declareFunction = (node: AnyNode) => {
    for (const p of node.params) for (const id of patternNames(p)) declare(node, id.name);
    if (node.id) declare(node, node.id.name);
    if (node.type !== "ArrowFunctionExpression") declare(node, "arguments");
  };
  ancestor(root as Node, {
    VariableDeclaration(node: AnyNode, _state: unknown, parents: AnyNode[]) {
      const scope = nearest(parents, parents.length - 1, node.kind === "var" ? isScope : isBlockScope);
      for (const d of node.declarations) for (const id of patternNames(d.id)) declare(scope, id.name);
    },
    FunctionDeclaration(node: AnyNode, _state: unknown, parents: AnyNode[]) {
      if (node.id) declare(nearest(parents, parents.length - 2, isScope), node.id.name);
      declareFunction(node);
    },
    FunctionExpression: declareFunction,
    ArrowFunctionExpression: declareFunction,
    ClassDeclaration(node: AnyNode, _state: unknown, parents: AnyNode[]) {
      if (node.id) declare(nearest(parents, parents.length - 2, isScope), node.id.name);
    },
    ClassExpression(node: AnyNode) {
      if (node.id) declare(node, node.id.name);
    },
    CatchClause(node: AnyNode) {
      if (node.param) for (const id of patternNames(node.param)) declare(node, id.name);
    },
  } as never);
  const references: AnyNode[] = [];
  const identifier = (node: AnyNode, _state: unknown, parents: AnyNode[]) => {
    for (let i = parents.length - 2; i >= 0; i--) if (locals.get(parents[i]!)?.has(node.name)) return;
    references.push(node);
  };
  ancestor(root as Node, {
    Pattern(node: AnyNode, state: unknown, parents: AnyNode[]) {
      if (node.type === "Identifier") identifier(node, state, parents);
    },
    Identifier: identifier,
  } as never);
  return references;
}

/** Assignments to a name the cell does not declare: to another cell's value, or a new global. */
function externalAssignment(root: AnyNode, free: Set<AnyNode>): CellProblem | undefined {
  let found: CellProblem | undefined;
  const check = (target: AnyNode) => {
    for (const id of target.type === "Identifier" ? [target] : patternNames(target)) {
      if (!found && free.has(id)) {
        found = at(id, `${id.name} = … assigns to "${id.name}", which this cell does not declare: declare it here (const ${id.name} = …) or change it in the cell that defines it`);
      }
    }
  };
  ancestor(root as Node, {
    AssignmentExpression: (node: AnyNode) => check(node.left),
    UpdateExpression: (node: AnyNode) => check(node.argument),
    ForInStatement: (node: AnyNode) => { if (node.left.type !== "VariableDeclaration") check(node.left); },
    ForOfStatement: (node: AnyNode) => { if (node.left.type !== "VariableDeclaration") check(node.left); },
  } as never);
  return found;
}

/** Analyses a JavaScript cell's source. Never throws: a problem comes back with its line. */
export function analyzeCell(source: string): CellAnalysis {
  let expression = maybeExpression(source);
  let program: AnyNode | undefined;
  if (!expression) {
    try {
      program = Parser.parse(source, OPTIONS) as Program as unknown as AnyNode;
    } catch (error) {
      return { ok: false, error: problemOf(error) };
    }
    const statements = program.body as AnyNode[];
    // `expr;` alone shows its value too: a trailing semicolon should not hide the result
    if (statements.length === 1 && statements[0]!.type === "ExpressionStatement") expression = statements[0]!.expression;
  }
  const root = expression ?? program!;
  for (const statement of (program?.body ?? []) as AnyNode[]) {
    if (statement.type === "ImportDeclaration" || statement.type === "ImportExpression") {
      return { ok: false, error: at(statement, "a cell cannot import modules: Plot, aq, the engine's API and the helpers are already defined (see the list above the cells)") };
    }
    if (statement.type.startsWith("Export")) {
      return { ok: false, error: at(statement, "a cell cannot export: its top-level declarations (const x = …) are what the other cells see") };
    }
  }
  let dynamicImport: AnyNode | undefined;
  ancestor(root as Node, { ImportExpression: (node: AnyNode) => { dynamicImport ??= node; } } as never);
  if (dynamicImport) return { ok: false, error: at(dynamicImport, "a cell cannot import modules: everything it may use is already defined") };

  const defines: string[] = [];
  if (!expression) {
    const seen = new Set<string>();
    for (const statement of program!.body as AnyNode[]) {
      const ids = statement.type === "VariableDeclaration" ? statement.declarations.flatMap((d: AnyNode) => patternNames(d.id))
        : (statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") && statement.id ? [statement.id] : [];
      for (const id of ids as AnyNode[]) {
        if (JS_GLOBALS.has(id.name) || id.name === DISPLAY) return { ok: false, error: at(id, `"${id.name}" cannot be redefined: it is the browser's or the notebook's own; pick another name`) };
        if (!seen.has(id.name)) defines.push(id.name);
        seen.add(id.name);
      }
    }
  }
  const free = freeReferences(root);
  const problem = externalAssignment(root, new Set(free));
  if (problem) return { ok: false, error: problem };
  const reads = [...new Set(free.map((n) => n.name as string))].filter((n) => !JS_GLOBALS.has(n) && n !== DISPLAY).sort();

  let body: string;
  if (expression) {
    // up to the expression's end: drops a trailing `;` (and comments after it), keeps the lines
    body = `return (\n${source.slice(0, expression.end)}\n);`;
  } else {
    body = `\n${source}\nreturn {${defines.join(", ")}};`;
  }
  return { ok: true, expression: !!expression, defines, reads, body };
}

/** The source URL a cell's code runs under, so that a stack trace names the cell. */
export const cellUrl = (id: string) => `qw-notebook-cell-${id.replace(/[^A-Za-z0-9_-]/g, "_")}.js`;

/**
 * The cell as the text of an async function taking `display` then its reads, to evaluate with an
 * indirect eval. Line 2 of the text is line 1 of the cell, whatever its kind, so that an error's
 * line in the stack minus one is the cell's line (see errorLine).
 */
export function cellFunction(id: string, analysis: Extract<CellAnalysis, { ok: true }>): string {
  const params = [DISPLAY, ...analysis.reads].join(", ");
  const [head, ...rest] = analysis.body.split("\n");
  return `(async function (${params}) { "use strict"; ${head}\n${rest.join("\n")}\n})\n//# sourceURL=${cellUrl(id)}`;
}

/**
 * The cell's line and column where `error` was thrown, from its stack (V8 and SpiderMonkey name
 * the sourceURL), or undefined when the error did not come from the cell's own code.
 */
export function errorLine(id: string, error: unknown): { line: number; column: number } | undefined {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const url = cellUrl(id).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${url}:(\\d+):(\\d+)`).exec(stack);
  if (!m) return undefined;
  const line = Number(m[1]) - 1;
  return line >= 1 ? { line, column: Number(m[2]) } : undefined;
}

/** The variable an SQL cell's first line names (`-- name: prices`), if it names one. */
export function sqlNameComment(source: string): string | undefined {
  const m = /^\s*--\s*name\s*:\s*([A-Za-z_$][\w$]*)\s*$/m.exec(source.split("\n").find((l) => l.trim() !== "") ?? "");
  return m?.[1];
}
