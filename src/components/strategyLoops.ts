/**
 * The loops of strategy source (for, for…of/in, while, do…while), with their lines: when the
 * backtest watchdog stops a run that made no progress, these are where the strategy most likely
 * spun (the worker is stopped from outside, so it cannot say where it was). Parsed with the
 * editor's own JavaScript/TypeScript grammar (Lezer), so strings and comments are no loops.
 *
 * @example
 * loopsIn("onBar(ctx, s) {\n  for (;;) {}\n}")   // [{line: 2, column: 3, head: "for (;;)"}]
 */
import { javascriptLanguage } from "@codemirror/lang-javascript";

/** A loop: where it starts (1-based line and column) and its head, shortened ("while (x > 0)"). */
export interface LoopSite {
  readonly line: number;
  readonly column: number;
  readonly head: string;
}

const LOOPS = new Set(["ForStatement", "WhileStatement", "DoStatement"]);
const parser = javascriptLanguage.parser.configure({ dialect: "ts" });

/** Every loop of `source`, in the order they appear. */
export function loopsIn(source: string): LoopSite[] {
  const sites: LoopSite[] = [];
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
  parser.parse(source).iterate({
    enter(node) {
      if (!LOOPS.has(node.name)) return;
      let line = lineStarts.length;
      while (lineStarts[line - 1]! > node.from) line--;
      const text = source.slice(node.from, node.to);
      // the head: up to the body's brace ("for (;;)"), or "do … while (…)" for a do loop
      const head = node.name === "DoStatement"
        ? `do … ${/while\s*\([^\n]*\)/.exec(text)?.[0] ?? "while (…)"}`
        : text.split(/\{|\n/)[0]!.trim();
      sites.push({ line, column: node.from - lineStarts[line - 1]! + 1, head: head.length > 60 ? `${head.slice(0, 57)}…` : head });
    },
  });
  return sites;
}
