/**
 * Where in the editor's source a message of the backtest worker points: the line it names, or
 * else the line a person would look at (the parameter it names, the default export). Pure.
 *
 * @example
 * problemOf(source, "onBar threw at bar 12: boom (line 14, column 11 of the strategy code)")
 * // {line: 14, column: 11, message: "onBar threw at bar 12: boom", severity: "error"}
 */
import type { SourceProblem } from "./strategyTranspile.js";

/**
 * The position a message names: ./strategySource.ts appends "(line L, column C)" to load errors
 * and "(line L, column C of the strategy code)" to what a callback throws. On line 1 the column
 * counts the transpiler's header (./strategyTranspile.ts), so it is not trusted there.
 */
export function problemAt(message: string): { line: number; column: number } | undefined {
  const all = [...message.matchAll(/\(line (\d+), column (\d+)(?: of the strategy code)?\)/g)];
  const last = all[all.length - 1];
  if (!last) return undefined;
  const line = Number(last[1]), column = Number(last[2]);
  return { line, column: line === 1 ? 1 : column };
}

/** The first line (1-based) matching `pattern`, from line `from` on. */
function lineOf(lines: readonly string[], pattern: RegExp, from = 1): number | undefined {
  for (let i = from - 1; i < lines.length; i++) if (pattern.test(lines[i]!)) return i + 1;
  return undefined;
}

/**
 * The message as a problem at its place in `source`: the named line; else, for a message about
 * parameter "x", the line declaring x in `params`; else the default export's line; else line 1.
 * The position suffix is dropped from the message (the diagnostic shows the line).
 */
export function problemOf(source: string, message: string, severity: SourceProblem["severity"] = "error"): SourceProblem {
  const text = message.replace(/\s*\(line \d+, column \d+(?: of the strategy code)?\)/g, "");
  const at = problemAt(message);
  if (at) return { ...at, message: text, severity };
  const lines = source.split("\n");
  const param = /parameter "([\w$]+)"/.exec(message)?.[1];
  const paramsLine = lineOf(lines, /\bparams\s*:/) ?? 1;
  const line = (param ? lineOf(lines, new RegExp(`(^|[{,\\s])["']?${param.replace(/\$/g, "\\$")}["']?\\s*:`), paramsLine) : undefined)
    ?? lineOf(lines, /\bexport\s+default\b/) ?? 1;
  const column = (lines[line - 1] ?? "").search(/\S/) + 1;
  return { line, column: Math.max(1, column), message: text, severity };
}
