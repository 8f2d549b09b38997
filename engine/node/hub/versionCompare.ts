/**
 * Two states of a document side by side, as the compare view needs them: for a strategy both
 * sources (the page draws the line diff) with what changed in its parameters and notes; for a
 * notebook, cell by cell (matched by id) whether it was added, removed, changed or kept, and
 * whether the cells were reordered. Pure.
 */
import type { DocContent, NotebookContent, ParamValue, StrategyContent } from "./docContent.js";
import type { CellKind } from "./notebookMarkdown.js";

export interface StrategyComparison {
  readonly kind: "strategy";
  readonly from: StrategyContent;
  readonly to: StrategyContent;
  readonly sourceChanged: boolean;
  readonly notesChanged: boolean;
  /** Parameters whose value differs (absent on one side: undefined there). */
  readonly params: readonly { readonly name: string; readonly from?: ParamValue; readonly to?: ParamValue }[];
}

export type CellStatus = "added" | "removed" | "changed" | "unchanged";

export interface CellComparison {
  readonly id: string;
  readonly status: CellStatus;
  readonly kind: CellKind;
  /** The cell's source in `from` (absent when added) and in `to` (absent when removed). */
  readonly from?: string;
  readonly to?: string;
}

export interface NotebookComparison {
  readonly kind: "notebook";
  /** In `to`'s order, each removed cell after the cell it followed in `from`. */
  readonly cells: readonly CellComparison[];
  /** Whether the cells both sides have are in a different order. */
  readonly reordered: boolean;
  readonly counts: Readonly<Record<CellStatus, number>>;
}

export type Comparison = StrategyComparison | NotebookComparison;

function compareStrategies(from: StrategyContent, to: StrategyContent): StrategyComparison {
  const names = [...new Set([...Object.keys(from.params), ...Object.keys(to.params)])].sort();
  return {
    kind: "strategy", from, to,
    sourceChanged: from.source !== to.source,
    notesChanged: from.notes !== to.notes,
    params: names.filter((n) => from.params[n] !== to.params[n]).map((name) => ({
      name, ...(name in from.params ? { from: from.params[name] } : {}), ...(name in to.params ? { to: to.params[name] } : {}),
    })),
  };
}

function compareNotebooks(from: NotebookContent, to: NotebookContent): NotebookComparison {
  const before = new Map(from.cells.map((c) => [c.id, c]));
  const after = new Map(to.cells.map((c) => [c.id, c]));
  const cells: CellComparison[] = [];
  const removedAfter = new Map<string | undefined, CellComparison[]>();
  let previous: string | undefined;
  for (const c of from.cells) {
    if (!after.has(c.id)) {
      const list = removedAfter.get(previous) ?? [];
      list.push({ id: c.id, status: "removed", kind: c.kind, from: c.source });
      removedAfter.set(previous, list);
    } else previous = c.id;
  }
  cells.push(...(removedAfter.get(undefined) ?? []));
  for (const c of to.cells) {
    const old = before.get(c.id);
    if (!old) cells.push({ id: c.id, status: "added", kind: c.kind, to: c.source });
    else {
      const same = old.source === c.source && old.kind === c.kind && (old.name ?? "") === (c.name ?? "");
      cells.push({ id: c.id, status: same ? "unchanged" : "changed", kind: c.kind, from: old.source, to: c.source });
    }
    cells.push(...(removedAfter.get(c.id) ?? []));
  }
  const common = (list: readonly { id: string }[], other: Map<string, unknown>) => list.filter((c) => other.has(c.id)).map((c) => c.id).join("\u0000");
  const counts: Record<CellStatus, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const c of cells) counts[c.status]++;
  return { kind: "notebook", cells, reordered: common(from.cells, after) !== common(to.cells, before), counts };
}

/** Compares two contents of the same kind of document. */
export function compareContents(from: DocContent, to: DocContent): Comparison {
  if (from.kind === "strategy" && to.kind === "strategy") return compareStrategies(from, to);
  if (from.kind === "notebook" && to.kind === "notebook") return compareNotebooks(from, to);
  throw new Error(`cannot compare a ${from.kind} with a ${to.kind}`);
}
