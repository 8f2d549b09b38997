/**
 * The shapes of the hub's documents, read out of a Y.Doc as plain data and written back into
 * one with the smallest change (so a restore merges with what collaborators type meanwhile and
 * their cursors stay put):
 * - strategy: Y.Text "source", Y.Map "params" (name → number | string | boolean), Y.Text "notes";
 * - notebook: Y.Array "cells" of Y.Map { id: string, kind: "markdown" | "sql" | "js" | "strategy",
 *   source: Y.Text, name?: string }.
 * Anything else a writer put in a document is reported as a problem, never thrown.
 */
import * as Y from "yjs";
import type { DocKind } from "./docNames.js";
import { CELL_ID, CELL_KINDS, type CellKind, type NotebookCell } from "./notebookMarkdown.js";

export type ParamValue = number | string | boolean;

export interface StrategyContent {
  readonly kind: "strategy";
  readonly source: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly notes: string;
}

export interface NotebookContent {
  readonly kind: "notebook";
  readonly cells: readonly NotebookCell[];
  /** Cells left out because they are not of the expected shape. */
  readonly problems: readonly string[];
}

export type DocContent = StrategyContent | NotebookContent;

const isParam = (v: unknown): v is ParamValue => typeof v === "number" || typeof v === "string" || typeof v === "boolean";

/** A shared type of `doc` by name, or undefined when a writer defined it as another type. */
function shared<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function readCell(item: unknown, index: number, problems: string[]): NotebookCell | undefined {
  if (!(item instanceof Y.Map)) {
    problems.push(`cell ${index + 1} is not a map`);
    return undefined;
  }
  const id = item.get("id");
  const kind = item.get("kind");
  const source = item.get("source");
  const name = item.get("name");
  if (typeof id !== "string" || !CELL_ID.test(id)) {
    problems.push(`cell ${index + 1} has no valid id`);
    return undefined;
  }
  if (typeof kind !== "string" || !(CELL_KINDS as readonly string[]).includes(kind)) {
    problems.push(`cell ${id} has an unknown kind ${JSON.stringify(kind)}`);
    return undefined;
  }
  const text = source instanceof Y.Text ? source.toString() : typeof source === "string" ? source : undefined;
  if (text === undefined) {
    problems.push(`cell ${id} has no source text`);
    return undefined;
  }
  return { id, kind: kind as CellKind, source: text, ...(typeof name === "string" && name !== "" ? { name } : {}) };
}

/** The plain content of `doc`, a document of `kind`. */
export function readContent(doc: Y.Doc, kind: DocKind): DocContent {
  if (kind === "strategy") {
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of shared(() => doc.getMap("params"))?.entries() ?? []) if (isParam(v)) params[k] = v;
    return {
      kind,
      source: shared(() => doc.getText("source"))?.toString() ?? "",
      params,
      notes: shared(() => doc.getText("notes"))?.toString() ?? "",
    };
  }
  const problems: string[] = [];
  const array = shared(() => doc.getArray<unknown>("cells"));
  if (!array) return { kind, cells: [], problems: ['"cells" is not an array'] };
  const cells: NotebookCell[] = [];
  const seen = new Set<string>();
  array.toArray().forEach((item, i) => {
    const cell = readCell(item, i, problems);
    if (!cell) return;
    if (seen.has(cell.id)) {
      problems.push(`cell ${cell.id} appears twice; the second is left out`);
      return;
    }
    seen.add(cell.id);
    cells.push(cell);
  });
  return { kind, cells, problems };
}

/** Turns `text` into `target` by deleting and inserting only the part that differs. */
export function setText(text: Y.Text, target: string): void {
  const current = text.toString();
  if (current === target) return;
  let start = 0;
  const max = Math.min(current.length, target.length);
  while (start < max && current.charCodeAt(start) === target.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && current.charCodeAt(current.length - 1 - end) === target.charCodeAt(target.length - 1 - end)) end++;
  // never split a surrogate pair
  if (start > 0 && /[\uD800-\uDBFF]/.test(current[start - 1]!)) start--;
  if (end > 0 && /[\uDC00-\uDFFF]/.test(current[current.length - end]!)) end--;
  const removed = current.length - start - end;
  if (removed > 0) text.delete(start, removed);
  const inserted = target.slice(start, target.length - end);
  if (inserted) text.insert(start, inserted);
}

function newCell(cell: NotebookCell): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set("id", cell.id);
  map.set("kind", cell.kind);
  map.set("source", new Y.Text(cell.source));
  if (cell.name) map.set("name", cell.name);
  return map;
}

function updateCell(map: Y.Map<unknown>, cell: NotebookCell): void {
  if (map.get("kind") !== cell.kind) map.set("kind", cell.kind);
  const source = map.get("source");
  if (source instanceof Y.Text) setText(source, cell.source);
  else map.set("source", new Y.Text(cell.source));
  if ((cell.name ?? undefined) !== (map.get("name") ?? undefined)) {
    if (cell.name) map.set("name", cell.name);
    else map.delete("name");
  }
}

function writeNotebook(doc: Y.Doc, cells: readonly NotebookCell[]): void {
  const array = doc.getArray<unknown>("cells");
  const targetIds = new Set(cells.map((c) => c.id));
  // drop what the target does not have (malformed cells included), last first so indices hold
  const items = array.toArray();
  for (let i = items.length - 1; i >= 0; i--) {
    const id = items[i] instanceof Y.Map ? (items[i] as Y.Map<unknown>).get("id") : undefined;
    const duplicate = typeof id === "string" && items.slice(0, i).some((x) => x instanceof Y.Map && x.get("id") === id);
    if (typeof id !== "string" || !targetIds.has(id) || duplicate) array.delete(i, 1);
  }
  const kept = array.toArray() as Y.Map<unknown>[];
  const keptOrder = kept.map((m) => m.get("id") as string);
  const targetOrder = cells.map((c) => c.id).filter((id) => keptOrder.includes(id));
  if (keptOrder.join("\u0000") !== targetOrder.join("\u0000")) {
    // reordered: rebuild (a move is a delete and an insert in Yjs anyway)
    array.delete(0, array.length);
    array.insert(0, cells.map(newCell));
    return;
  }
  // same order: edit the kept cells in place and insert the missing ones where they belong
  let at = 0;
  for (const cell of cells) {
    const current = array.get(at) as Y.Map<unknown> | undefined;
    if (current && current.get("id") === cell.id) updateCell(current, cell);
    else array.insert(at, [newCell(cell)]);
    at++;
  }
}

/**
 * Makes `doc` hold `content`, changing only what differs. Call inside a transaction so the
 * change is one update.
 */
export function writeContent(doc: Y.Doc, content: DocContent): void {
  if (content.kind === "strategy") {
    setText(doc.getText("source"), content.source);
    setText(doc.getText("notes"), content.notes);
    const params = doc.getMap<unknown>("params");
    for (const key of [...params.keys()]) if (!(key in content.params)) params.delete(key);
    for (const [key, value] of Object.entries(content.params)) if (params.get(key) !== value) params.set(key, value);
    return;
  }
  writeNotebook(doc, content.cells);
}
