/**
 * Two texts side by side with their differences (./lineDiff.ts): kept lines plain, changed lines
 * tinted with the changed part of each marked, deleted lines on the left only, inserted ones on
 * the right only, long unchanged stretches folded (a click unfolds one). A pure function of the
 * texts and options; plain DOM.
 *
 * @example
 * display(diffView(oldSource, newSource, { labels: ["A · version 1", "B · current"] }));
 */
import { el } from "./dataView.js";
import { diffLines, diffStats, foldUnchanged, sideBySide, type DiffRow, type DiffSide } from "./lineDiff.js";

export interface DiffViewOptions {
  /** Column titles of the two sides. */
  readonly labels?: readonly [string, string];
  /** Unchanged lines kept around each change. Default 3. */
  readonly context?: number;
}

/** `text` with the part that differs from `other` (between their common prefix and suffix) in a <mark>. */
function marked(text: string, other: string): (Node | string)[] {
  let start = 0;
  while (start < text.length && start < other.length && text[start] === other[start]) start++;
  let end = 0;
  while (end < text.length - start && end < other.length - start && text[text.length - 1 - end] === other[other.length - 1 - end]) end++;
  const middle = text.slice(start, text.length - end);
  return middle ? [text.slice(0, start), el("mark", {}, middle), text.slice(text.length - end)] : [text];
}

function cells(side: "a" | "b", line: DiffSide | undefined, content: (Node | string)[]): HTMLElement[] {
  return [
    el("td", { class: "qw-diff-num", "data-side": side, ...(line ? { "data-line": String(line.line) } : {}) }, line ? String(line.line) : ""),
    el("td", { class: "qw-diff-text", "data-side": side }, ...content),
  ];
}

function rowElement(row: DiffRow, unfold: (row: DiffRow, tr: HTMLElement) => void): HTMLElement {
  if (row.kind === "fold") {
    const tr = el("tr", { class: "qw-diff-fold", "data-kind": "fold", title: "Show these lines" },
      el("td", { colspan: "4" }, `⋯ ${row.count} unchanged line${row.count === 1 ? "" : "s"} (${row.fromA}–${row.fromA + row.count - 1} | ${row.fromB}–${row.fromB + row.count - 1})`));
    tr.addEventListener("click", () => unfold(row, tr));
    return tr;
  }
  const left = "left" in row ? row.left : undefined;
  const right = "right" in row ? row.right : undefined;
  const changed = row.kind === "changed";
  return el("tr", { class: `qw-diff-${row.kind}`, "data-kind": row.kind },
    ...cells("a", left, left ? (changed ? marked(left.text, right!.text) : [left.text]) : []),
    ...cells("b", right, right ? (changed ? marked(right.text, left!.text) : [right.text]) : []));
}

/**
 * The side-by-side table (`data-testid="diff"`), with a one-line summary above it; the element
 * carries the counts in data-deleted, data-inserted and data-same (lines).
 */
export function diffView(a: string, b: string, options: DiffViewOptions = {}): HTMLElement {
  const ops = diffLines(a, b);
  const stats = diffStats(ops);
  const all = sideBySide(ops);
  const rows = foldUnchanged(all, options.context ?? 3);
  const body = el("tbody");
  const unfold = (fold: DiffRow, tr: HTMLElement) => {
    if (fold.kind !== "fold") return;
    const start = all.findIndex((r) => r.kind === "same" && r.left.line === fold.fromA);
    tr.replaceWith(...all.slice(start, start + fold.count).map((r) => rowElement(r, unfold)));
  };
  body.append(...rows.map((r) => rowElement(r, unfold)));
  const [la, lb] = options.labels ?? ["A", "B"];
  const summary = stats.deleted === 0 && stats.inserted === 0
    ? "The two sources are the same."
    : `${stats.deleted} line${stats.deleted === 1 ? "" : "s"} removed, ${stats.inserted} added, ${stats.same} unchanged.`;
  return el("div", { class: "qw-diff-wrap", "data-testid": "diff", "data-deleted": String(stats.deleted), "data-inserted": String(stats.inserted), "data-same": String(stats.same) },
    el("p", { class: "qw-hint", "data-testid": "diff-summary" }, summary),
    el("div", { class: "qw-diff-scroll" },
      el("table", { class: "qw-diff" },
        el("colgroup", {}, el("col", { class: "qw-diff-numcol" }), el("col"), el("col", { class: "qw-diff-numcol" }), el("col")),
        el("thead", {}, el("tr", {}, el("th", { colspan: "2" }, la), el("th", { colspan: "2" }, lb))),
        body)));
}
