/**
 * A notebook's cells on the page, kept in step with the shared document: a view per cell
 * (./notebookCellView.ts) in the document's order, added, removed and reordered as anyone edits
 * the cell list; and the bar that adds cells. A moved cell keeps its view (and output): only its
 * editor is bound to the copy. Plain DOM.
 *
 * @example
 * const view = notebookView({ doc, runtime, engine, ready, readOnly: false, width: () => 900 });
 * display(view.element);
 */
import { el } from "./dataView.js";
import type { Engine } from "./engineClient.js";
import { cellView, type CellView } from "./notebookCellView.js";
import { addCell, cellOf, deleteCell, dropDuplicateCells, moveCell, type CellKind, type NotebookDoc } from "./notebookDoc.js";
import type { NotebookRuntime } from "./notebookRuntime.js";
import { TEMPLATES } from "./strategyTemplates.js";

export interface NotebookViewOptions {
  readonly doc: NotebookDoc;
  readonly runtime: NotebookRuntime;
  readonly engine: Engine;
  readonly ready: Promise<unknown>;
  readonly readOnly: boolean;
  readonly width: () => number;
}

export interface NotebookView {
  readonly element: HTMLElement;
  /** Adds a cell of `kind` at the end (or after the cell `after`), and puts the caret in it. */
  add(kind: CellKind, after?: string): void;
  setReadOnly(readOnly: boolean): void;
  destroy(): void;
}

const ADD: readonly (readonly [CellKind, string])[] = [["markdown", "Markdown"], ["sql", "SQL"], ["js", "JavaScript"], ["strategy", "Strategy"]];

export function notebookView(options: NotebookViewOptions): NotebookView {
  const { doc, runtime } = options;
  let readOnly = options.readOnly;
  const views = new Map<string, CellView>();
  const list = el("div", { class: "qw-nb-cells", "data-testid": "cells" });
  const empty = el("p", { class: "qw-nb-empty qw-status", "data-testid": "cells-empty" }, "No cells yet: add one below.");
  const skipped = el("p", { class: "qw-hint" });
  const addButtons = ADD.map(([kind, label]) => {
    const b = el("button", { type: "button", "data-testid": `add-${kind}` }, `+ ${label}`);
    b.addEventListener("click", () => add(kind));
    return b;
  });
  const addBar = el("div", { class: "qw-nb-add" }, el("span", { class: "qw-label" }, "Add a cell"), ...addButtons);
  const element = el("div", { class: "qw-nb" }, list, empty, skipped, addBar);
  let focusNext: string | undefined;

  const order = () => doc.cells.toArray().map((m) => m.get("id"));
  const label = (id: string) => {
    const i = order().indexOf(id);
    return i >= 0 ? `cell [${i + 1}]` : "a deleted cell";
  };

  function sync(): void {
    if (!readOnly && dropDuplicateCells(doc.cells) > 0) return; // the deletion calls sync again
    const seen = new Set<string>();
    const refs = [];
    let bad = 0;
    for (const map of doc.cells.toArray()) {
      const ref = cellOf(map);
      if (!ref) bad++;
      else if (!seen.has(ref.id)) {
        seen.add(ref.id);
        refs.push(ref);
      }
    }
    for (const [id, view] of views) {
      if (seen.has(id)) continue;
      view.destroy();
      view.element.remove();
      views.delete(id);
    }
    refs.forEach((ref, i) => {
      let view = views.get(ref.id);
      if (view) view.rebind(ref);
      else {
        const id = ref.id;
        view = cellView({
          cell: ref, awareness: doc.awareness, runtime, engine: options.engine, ready: options.ready, label, readOnly, width: options.width,
          onMove: (delta) => moveCell(doc.cells, id, delta),
          onDelete: () => deleteCell(doc.cells, id),
        });
        views.set(ref.id, view);
      }
      // only move nodes that are out of place: moving a focused editor would blur it
      if (list.children[i] !== view.element) list.insertBefore(view.element, list.children[i] ?? null);
      view.setPlace(i, refs.length);
    });
    empty.hidden = refs.length > 0;
    skipped.textContent = bad ? `${bad} cell${bad === 1 ? "" : "s"} of another shape left out (written by another tool).` : "";
    if (focusNext && views.has(focusNext)) {
      views.get(focusNext)!.focus();
      focusNext = undefined;
    }
  }

  function add(kind: CellKind, after?: string): void {
    if (readOnly) return;
    const at = after ? order().indexOf(after) + 1 : undefined;
    const source = kind === "strategy" ? TEMPLATES[0]!.source(`cell-strategy-${doc.cells.length + 1}`) : "";
    focusNext = addCell(doc.cells, kind, { ...(at ? { at } : {}), source });
    sync();
  }

  const observer = () => sync();
  doc.cells.observe(observer);
  sync();

  return {
    element,
    add,
    setReadOnly(value) {
      readOnly = value;
      for (const b of addButtons) b.disabled = value;
      for (const v of views.values()) v.setReadOnly(value);
      sync();
    },
    destroy() {
      doc.cells.unobserve(observer);
      for (const v of views.values()) v.destroy();
      views.clear();
    },
  };
}
