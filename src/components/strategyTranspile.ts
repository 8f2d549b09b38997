/**
 * Strategy source as the editor holds it (TypeScript or JavaScript, an ES module whose default
 * export is the definition) → the JavaScript module the backtest worker loads
 * (./strategySource.ts), with sucrase, in the page. Lines are kept: line L of the output is line
 * L of the source, so an error the worker reports at a line points at the editor's line.
 *
 * The worker loads the module from a Blob URL, which cannot import anything. So imports are
 * turned into a lookup (sucrase's "imports" transform) that knows one module, "qw", giving
 * `defineStrategy` (the worker checks the definition anyway); any other import, or another name
 * from "qw", is a problem reported at its line before anything runs.
 *
 * @example
 * const t = transpileStrategy(editorText);
 * if (t.ok) await engine.backtest({ …, strategy: info.name, source: t.code });
 * else t.problems;                              // [{line: 3, column: 12, message: "Unexpected token", severity: "error"}]
 */
// the CommonJS build: Framework's bundle of the ESM entry breaks (see ./sucraseBrowser.d.ts)
import sucrase from "sucrase/dist/index.js";

/** The module strategy code may import from: `import { defineStrategy } from "qw"`. */
export const STRATEGY_MODULE = "qw";
/** What "qw" gives. */
export const STRATEGY_MODULE_EXPORTS: readonly string[] = ["defineStrategy"];

/** A problem at a place in the source: 1-based line and column. */
export interface SourceProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly severity: "error" | "warning";
}

export type TranspileResult =
  | { readonly ok: true; readonly code: string; readonly problems: readonly SourceProblem[] }
  | { readonly ok: false; readonly problems: readonly SourceProblem[] };

// All on line 1 and without a newline, so that the source's lines keep their numbers. The
// module object of "qw" is frozen: strategy code cannot change what the next run sees.
const QW = `Object.freeze({ __esModule: true, defineStrategy: (d) => d, default: Object.freeze({ defineStrategy: (d) => d }) })`;
const HEADER = `const exports = {}; const require = (name) => { if (name === ${JSON.stringify(STRATEGY_MODULE)}) return ${QW}; ` +
  `throw new Error("strategy code can import only from \\"${STRATEGY_MODULE}\\", not " + JSON.stringify(name)); };`;
const FOOTER = "\n;export default exports.default;\n";

/**
 * Transpiles strategy source (TypeScript types removed, imports resolved as above) to the module
 * text the worker runs. Not ok, with the problems, when the source does not parse, imports what
 * the worker cannot give, or has no default export.
 */
export function transpileStrategy(source: string): TranspileResult {
  let code: string;
  try {
    code = sucrase.transform(source, { transforms: ["typescript", "imports"], disableESTransforms: true }).code;
  } catch (error) {
    const e = error as { message?: string; loc?: { line: number; column: number } };
    const message = String(e.message ?? error).replace(/\s*\(\d+:\d+\)\s*$/, "");
    return { ok: false, problems: [{ line: e.loc?.line ?? 1, column: e.loc?.column ?? 1, message: `syntax: ${message}`, severity: "error" }] };
  }
  const problems = importProblems(code);
  if (!/^\s*exports\.\s*default\s*=/m.test(code) && !/[;}]\s*exports\.\s*default\s*=/.test(code)) {
    problems.push({
      line: Math.max(1, source.split("\n").length - (source.endsWith("\n") ? 1 : 0)), column: 1, severity: "error",
      message: "no default export: the module must end with export default { name, params, init, onBar } (or defineStrategy({ … }))",
    });
  }
  if (problems.some((p) => p.severity === "error")) return { ok: false, problems };
  return { ok: true, code: HEADER + code + FOOTER, problems };
}

/** Imports of other modules, and names taken from "qw" that it does not give, each at its line. */
function importProblems(code: string): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const aliases = new Set<string>();
  const lines = code.split("\n");
  lines.forEach((text, i) => {
    for (const match of text.matchAll(/(?:var|const|let)\s+([\w$]+)\s*=\s*(?:[\w$]+\()?require\((['"])(.*?)\2\)/g)) {
      const [, alias, , name] = match;
      if (name === STRATEGY_MODULE) aliases.add(alias!);
      else {
        problems.push({
          line: i + 1, column: match.index + 1, severity: "error",
          message: `cannot import "${name}": strategy code runs on its own in the backtest worker; import only { ${STRATEGY_MODULE_EXPORTS.join(", ")} } from "${STRATEGY_MODULE}" — indicators, history and orders come from ctx`,
        });
      }
    }
  });
  if (aliases.size === 0) return problems;
  const allowed = new Set([...STRATEGY_MODULE_EXPORTS, "default"]);
  lines.forEach((text, i) => {
    for (const alias of aliases) {
      for (const match of text.matchAll(new RegExp(`\\b${alias.replace(/\$/g, "\\$")}\\.([\\w$]+)`, "g"))) {
        if (allowed.has(match[1]!)) continue;
        problems.push({
          line: i + 1, column: match.index + 1, severity: "error",
          message: `"${match[1]}" is not in "${STRATEGY_MODULE}": it gives only ${STRATEGY_MODULE_EXPORTS.join(", ")}; bind indicators in init with ctx (ctx.sma(20), ctx.rsi(14), …)`,
        });
      }
    }
  });
  return problems;
}
