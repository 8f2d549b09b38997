/**
 * One notebook document, `notebook/<slug>`, as the notebook page opens it: a Y.Doc whose root is
 * `doc.getArray("cells")`, each cell a Y.Map { id, kind: "markdown" | "sql" | "js" | "strategy",
 * source: Y.Text, name? } (the hub's shape, engine/node/hub/docContent.ts). It is kept in this
 * browser's IndexedDB (it opens and takes edits offline) and synced with the hub when there is a
 * token (sent as the "bearer.<token>" WebSocket subprotocol, so it is not in any URL). And the
 * cell operations: add, delete, move (Yjs has no move: a copy goes in, the original goes out).
 *
 * @example
 * const nb = openNotebookDoc("btc-returns", { hubUrl: "ws://127.0.0.1:1234", token, user });
 * await nb.ready;
 * addCell(nb.cells, "sql", { source: "select 1" });   // named sql1, sql2… by default
 * moveCell(nb.cells, 0, 1);
 */
import { IndexeddbPersistence } from "y-indexeddb";
import { Awareness } from "y-protocols/awareness";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { BEARER_PROTOCOL_PREFIX } from "../engine/node/hub/hubProtocol.js";
import { CELL_ID, CELL_KINDS, isCellName, type CellKind } from "../engine/node/hub/notebookMarkdown.js";
import type { CollabSettings, CollabUser } from "./strategyDoc.js";

export type { CellKind };
export { CELL_KINDS, isCellName };

/** A cell of the document, read out of its Y.Map. */
export interface NotebookCellRef {
  readonly id: string;
  readonly kind: CellKind;
  readonly text: Y.Text;
  readonly map: Y.Map<unknown>;
}

export interface NotebookDoc {
  readonly slug: string;
  /** "notebook/<slug>": the hub's document name. */
  readonly room: string;
  readonly doc: Y.Doc;
  readonly cells: Y.Array<Y.Map<unknown>>;
  /** Presence (names, colours, cursors): the provider's, or a local one without a hub. */
  readonly awareness: Awareness;
  /** Undefined without a token (or without a hub URL): this browser only. */
  readonly provider: WebsocketProvider | undefined;
  /**
   * Resolves once the local copy is loaded and, with a hub, the first sync is done or has taken
   * longer than `syncWaitMs` (offline). True when the hub's copy was received.
   */
  readonly ready: Promise<boolean>;
  setUser(user: CollabUser): void;
  destroy(): void;
}

export interface OpenNotebookOptions {
  /** How long `ready` waits for the hub. Default 3000 ms. */
  readonly syncWaitMs?: number;
}

/** A lighter shade of `color` for remote selections. */
const light = (color: string) => (/^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color);

/** Opens `notebook/<slug>`: the local copy at once, the hub when a URL and a token are set. */
export function openNotebookDoc(slug: string, settings: CollabSettings, options: OpenNotebookOptions = {}): NotebookDoc {
  const room = `notebook/${slug}`;
  const doc = new Y.Doc();
  const local = new IndexeddbPersistence(`qw-${room}`, doc);
  const provider = settings.hubUrl && settings.token
    ? new WebsocketProvider(settings.hubUrl.replace(/\/+$/, ""), room, doc, {
      protocols: [`${BEARER_PROTOCOL_PREFIX}${settings.token}`],
      maxBackoffTime: 2500,
    })
    : undefined;
  const awareness = provider?.awareness ?? new Awareness(doc);
  const setUser = (user: CollabUser) => awareness.setLocalStateField("user", { name: user.name, color: user.color, colorLight: light(user.color) });
  setUser(settings.user);

  const ready = (async () => {
    await local.whenSynced;
    if (!provider) return false;
    if (provider.synced) return true;
    return new Promise<boolean>((resolve) => {
      const done = (synced: boolean) => { provider.off("sync", onSync); clearTimeout(timer); resolve(synced); };
      const onSync = (synced: boolean) => { if (synced) done(true); };
      const timer = setTimeout(() => done(false), options.syncWaitMs ?? 3000);
      provider.on("sync", onSync);
    });
  })();

  return {
    slug, room, doc, awareness, provider, ready, setUser,
    cells: doc.getArray<Y.Map<unknown>>("cells"),
    destroy() {
      provider?.destroy();
      if (!provider) awareness.destroy();
      void local.destroy();
      doc.destroy();
    },
  };
}

/** A fresh cell id (CELL_ID-safe). */
export function newCellId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `c${[...bytes].map((b) => b.toString(36).padStart(2, "0")).join("")}`;
}

/** The cell in `map`, or undefined when it is not of the notebook's shape (another writer's). */
export function cellOf(map: unknown): NotebookCellRef | undefined {
  if (!(map instanceof Y.Map)) return undefined;
  const id = map.get("id");
  const kind = map.get("kind");
  const text = map.get("source");
  if (typeof id !== "string" || !CELL_ID.test(id)) return undefined;
  if (typeof kind !== "string" || !(CELL_KINDS as readonly string[]).includes(kind)) return undefined;
  if (!(text instanceof Y.Text)) return undefined;
  return { id, kind: kind as CellKind, text, map };
}

/** The first free `sqlN` name among the cells. */
export function nextSqlName(cells: Y.Array<Y.Map<unknown>>): string {
  const taken = new Set(cells.toArray().map((m) => m.get("name")));
  let n = 1;
  while (taken.has(`sql${n}`)) n++;
  return `sql${n}`;
}

function cellMap(id: string, kind: CellKind, source: string, name?: string): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set("id", id);
  map.set("kind", kind);
  map.set("source", new Y.Text(source));
  if (name) map.set("name", name);
  return map;
}

/** Adds a cell at `options.at` (default: the end); an SQL cell gets the next free sqlN name. Returns its id. */
export function addCell(cells: Y.Array<Y.Map<unknown>>, kind: CellKind, options: { at?: number; source?: string; name?: string } = {}): string {
  const id = newCellId();
  const name = options.name ?? (kind === "sql" ? nextSqlName(cells) : undefined);
  const at = Math.max(0, Math.min(options.at ?? cells.length, cells.length));
  cells.insert(at, [cellMap(id, kind, options.source ?? "", name)]);
  return id;
}

/** The index of the cell `id`, or -1. */
export function indexOfCell(cells: Y.Array<Y.Map<unknown>>, id: string): number {
  return cells.toArray().findIndex((m) => m.get("id") === id);
}

export function deleteCell(cells: Y.Array<Y.Map<unknown>>, id: string): void {
  const i = indexOfCell(cells, id);
  if (i >= 0) cells.delete(i, 1);
}

/**
 * Moves the cell `id` by `delta` places, in one transaction: a copy (same id, kind, name and text)
 * goes in at the new place and the original goes out. An edit someone makes to the original at
 * that very moment is lost with it; the views keep the cell's output (same id).
 */
export function moveCell(cells: Y.Array<Y.Map<unknown>>, id: string, delta: number): void {
  const from = indexOfCell(cells, id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= cells.length || delta === 0) return;
  const cell = cellOf(cells.get(from));
  if (!cell) return;
  const name = cell.map.get("name");
  const copy = cellMap(cell.id, cell.kind, cell.text.toString(), typeof name === "string" ? name : undefined);
  const run = () => {
    cells.delete(from, 1);
    cells.insert(to, [copy]);
  };
  if (cells.doc) cells.doc.transact(run);
  else run();
}

/**
 * Drops the later copies of a cell that appears twice (two people moved it at once: each put a
 * copy in). Every client keeps the first, so they all agree. Returns how many were dropped.
 */
export function dropDuplicateCells(cells: Y.Array<Y.Map<unknown>>): number {
  const seen = new Set<string>();
  const extra: number[] = [];
  cells.toArray().forEach((m, i) => {
    const id = m.get("id");
    if (typeof id !== "string") return;
    if (seen.has(id)) extra.push(i);
    seen.add(id);
  });
  if (extra.length === 0) return 0;
  const run = () => { for (const i of extra.reverse()) cells.delete(i, 1); };
  if (cells.doc) cells.doc.transact(run);
  else run();
  return extra.length;
}
