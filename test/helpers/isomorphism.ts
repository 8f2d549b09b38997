/**
 * A dependency-free checker that keeps `engine/` isomorphic: the same files must load in the
 * browser (through Observable Framework, from `src/engine -> ../engine`) and in Node.
 *
 * It works on source text: comments (and, for the globals check, string contents) are blanked
 * out first, keeping every newline so reported line numbers stay exact. It is a lint, not a
 * parser; see `findHostGlobals` for the one heuristic it relies on.
 */
import { builtinModules } from "node:module";
import { posix } from "node:path";

export type IsomorphismRule =
  | "NODE_BUILTIN" // import of node:* or a Node built-in name
  | "OUTSIDE_ENGINE" // relative/absolute/URL specifier that leaves engine/
  | "NODE_ONLY_FOLDER" // core file importing engine/node, engine/live or engine/hub
  | "PACKAGE" // bare package import not in the allow-list
  | "HOST_GLOBAL" // document, window, process, Buffer, require, __dirname, ...
  | "NOT_JS_SPECIFIER"; // relative specifier not ending in .js (pitfall P12)

export interface Violation {
  /** Path relative to the repository root, e.g. "engine/risk/types.ts". */
  file: string;
  line: number;
  rule: IsomorphismRule;
  detail: string;
}

export interface ImportSite {
  specifier: string;
  line: number;
  kind: "static" | "dynamic" | "require";
}

/** Folders of engine/ that are Node-only and so exempt from the isomorphism rules. */
export const NODE_ONLY_FOLDERS = ["node", "live", "hub"] as const;

/** Host globals the core may not touch. `process`, `require` etc. are Node; the rest are DOM. */
export const HOST_GLOBALS = [
  "document", "window", "localStorage", "sessionStorage", "navigator",
  "process", "Buffer", "require", "__dirname", "__filename", "global", "setImmediate",
] as const;

const NODE_BUILTINS: ReadonlySet<string> = new Set(
  builtinModules.filter((name) => !name.startsWith("_")).map((name) => name.split("/")[0]!),
);

const REGEX_PREFIX_KEYWORDS = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
  "else", "yield", "await",
]);

/**
 * Blanks comments (always) and the contents of string, template and regex literals (when
 * `blankLiterals`), replacing characters with spaces and keeping newlines. Quotes stay, so an
 * import specifier is still found in the comments-only form.
 */
export function blankSource(source: string, blankLiterals: boolean): string {
  const out = source.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Each entry is the brace depth at which a template literal's `${` was opened.
  const templateStack: number[] = [];
  let braceDepth = 0;
  let i = 0;
  const n = source.length;

  const previousSignificant = (): { char: string; word: string } => {
    let j = i - 1;
    while (j >= 0 && /\s/.test(out[j]!)) j--;
    if (j < 0) return { char: "", word: "" };
    let k = j;
    while (k >= 0 && /[\w$]/.test(out[k]!)) k--;
    return { char: out[j]!, word: source.slice(k + 1, j + 1) };
  };

  const scanTemplate = () => {
    // i is just past a backtick or a closing `}` of a substitution.
    const start = i;
    while (i < n) {
      const c = source[i];
      if (c === "\\") { i += 2; continue; }
      if (c === "`") {
        if (blankLiterals) blank(start, i);
        i++;
        return;
      }
      if (c === "$" && source[i + 1] === "{") {
        if (blankLiterals) blank(start, i);
        templateStack.push(braceDepth);
        braceDepth++;
        i += 2;
        return;
      }
      i++;
    }
    if (blankLiterals) blank(start, n);
  };

  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = ++i;
      while (i < n && source[i] !== c && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
      if (blankLiterals) blank(start, Math.min(i, n));
      i++;
    } else if (c === "`") {
      i++;
      scanTemplate();
    } else if (c === "{") {
      braceDepth++;
      i++;
    } else if (c === "}") {
      braceDepth--;
      i++;
      if (templateStack.length > 0 && braceDepth === templateStack[templateStack.length - 1]) {
        templateStack.pop();
        scanTemplate();
      }
    } else if (c === "/") {
      const prev = previousSignificant();
      const startsRegex =
        prev.char === "" ||
        "(,=:[!&|?{};+-*%<>~^".includes(prev.char) ||
        (prev.word !== "" && REGEX_PREFIX_KEYWORDS.has(prev.word));
      if (!startsRegex) { i++; continue; }
      const start = ++i;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const r = source[i];
        if (r === "\\") { i += 2; continue; }
        if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      if (blankLiterals) blank(start, Math.min(i, n));
      i++;
    } else {
      i++;
    }
  }
  return out.join("");
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** Every import/export-from, side-effect import, dynamic import and require with a literal specifier. */
export function findImports(source: string): ImportSite[] {
  // Keywords are matched where literals are blanked (so `"import fs from 'fs'"` in a string is
  // ignored); the specifier is then read at the same offsets from the comments-only text.
  const code = blankSource(source, true);
  const withLiterals = blankSource(source, false);
  const sites: ImportSite[] = [];
  const patterns: Array<[RegExp, ImportSite["kind"]]> = [
    // `from "x"` directly followed by a string only occurs in import/export declarations.
    [/(?<![\w$.])from\s*(["'])( *)\1/g, "static"],
    [/(?<![\w$.])import\s*(["'])( *)\1/g, "static"],
    [/(?<![\w$.])import\s*\(\s*(["'`])( *)\1/g, "dynamic"],
    [/(?<![\w$.])require\s*\(\s*(["'`])( *)\1/g, "require"],
  ];
  for (const [pattern, kind] of patterns) {
    for (const match of code.matchAll(pattern)) {
      const end = match.index + match[0].length - 1;
      const start = end - match[2]!.length;
      sites.push({ specifier: withLiterals.slice(start, end), line: lineAt(code, start), kind });
    }
  }
  return sites.sort((a, b) => a.line - b.line);
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || NODE_BUILTINS.has(specifier.split("/")[0]!);
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Whether a name is declared, imported or taken as a parameter anywhere in the file. */
function isBoundLocally(code: string, name: string): boolean {
  const N = name.replace(/\$/g, "\\$");
  return [
    new RegExp(`\\b(?:const|let|var|function|class|interface|type|enum|namespace)\\s+${N}\\b`),
    new RegExp(`\\b(?:const|let|var)\\s*[{[][^=;]*(?<![\\w$])${N}(?![\\w$])`),
    new RegExp(`(?<![\\w$])(?:import|as)\\s+${N}(?![\\w$])`),
    new RegExp(`[(,]\\s*(?:\\.\\.\\.)?${N}\\s*\\??\\s*:(?!:)`), // typed parameter
    new RegExp(`\\(\\s*${N}\\s*\\)\\s*=>`), // (name) => ...
    new RegExp(`(?<![\\w$.])${N}\\s*=>`), // name => ...
    new RegExp(`\\bcatch\\s*\\(\\s*${N}\\s*\\)`),
    new RegExp(`[({][^(){}]*(?<![\\w$.])${N}(?![\\w$])[^(){}]*}\\s*\\??\\s*:`), // ({ name }: T)
  ].some((pattern) => pattern.test(code));
}

/**
 * Free references to host globals. An occurrence counts unless it is a member access
 * (`x.window`), a key or typed member/parameter (`window: 3`), or the file binds the name itself
 * (`const window = []`, a parameter `window: number`). `globalThis.process` is always reported.
 */
export function findHostGlobals(source: string): Array<{ name: string; line: number }> {
  const code = blankSource(source, true);
  const found: Array<{ name: string; line: number }> = [];
  for (const name of HOST_GLOBALS) {
    const N = name.replace(/\$/g, "\\$");
    for (const match of code.matchAll(new RegExp(`globalThis\\s*\\??\\.\\s*${N}(?![\\w$])`, "g"))) {
      found.push({ name: `globalThis.${name}`, line: lineAt(code, match.index) });
    }
    if (isBoundLocally(code, name)) continue;
    const occurrence = new RegExp(`(?<![\\w$])${N}(?![\\w$])`, "g");
    for (const match of code.matchAll(occurrence)) {
      const before = code.slice(0, match.index).trimEnd();
      if (before.endsWith(".") || before.endsWith("#")) continue;
      const after = code.slice(match.index + name.length);
      if (/^\s*\??\s*:(?!:)/.test(after)) continue;
      found.push({ name, line: lineAt(code, match.index) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

export interface IsomorphismOptions {
  /** Bare packages the core may import. The core engine depends on none. */
  allowPackages?: readonly string[];
}

/**
 * Violations of the isomorphism rules in one core engine file.
 * @param engineRelPath the file's path relative to `engine/`, e.g. "risk/types.ts"
 */
export function checkIsomorphic(
  engineRelPath: string,
  source: string,
  options: IsomorphismOptions = {},
): Violation[] {
  const allow = new Set(options.allowPackages ?? []);
  const file = `engine/${engineRelPath}`;
  const violations: Violation[] = [];
  for (const { specifier, line, kind } of findImports(source)) {
    const what = `${kind} import of "${specifier}"`;
    if (specifier.startsWith(".") || specifier.startsWith("/")) {
      const target = posix.normalize(posix.join("engine", posix.dirname(engineRelPath), specifier));
      if (specifier.startsWith("/") || !target.startsWith("engine/")) {
        violations.push({ file, line, rule: "OUTSIDE_ENGINE", detail: `${what} resolves to ${target}, outside engine/` });
      } else if (NODE_ONLY_FOLDERS.some((folder) => target.startsWith(`engine/${folder}/`))) {
        violations.push({ file, line, rule: "NODE_ONLY_FOLDER", detail: `${what} reaches Node-only ${target}` });
      }
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !specifier.startsWith("node:")) {
      violations.push({ file, line, rule: "OUTSIDE_ENGINE", detail: `${what}: URL specifiers are not allowed` });
    } else if (isNodeBuiltin(specifier)) {
      violations.push({ file, line, rule: "NODE_BUILTIN", detail: `${what}: Node built-ins belong in engine/node, engine/live or engine/hub` });
    } else if (!allow.has(packageName(specifier))) {
      violations.push({ file, line, rule: "PACKAGE", detail: `${what}: the core engine imports no packages (allow-list: ${[...allow].join(", ") || "empty"})` });
    }
  }
  for (const { name, line } of findHostGlobals(source)) {
    violations.push({ file, line, rule: "HOST_GLOBAL", detail: `uses host global \`${name}\`` });
  }
  return violations.sort((a, b) => a.line - b.line);
}

/** Relative specifiers that do not end in `.js` (a `.ts` specifier 404s in the built site, P12). */
export function checkJsSpecifiers(engineRelPath: string, source: string): Violation[] {
  const file = `engine/${engineRelPath}`;
  return findImports(source)
    .filter(({ specifier }) => specifier.startsWith(".") && !specifier.endsWith(".js"))
    .map(({ specifier, line }) => ({
      file, line, rule: "NOT_JS_SPECIFIER" as const,
      detail: `"${specifier}" must end in .js (write "./x.js" for x.ts)`,
    }));
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} ${v.rule} ${v.detail}`).join("\n");
}
