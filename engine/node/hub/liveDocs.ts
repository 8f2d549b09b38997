/**
 * The hub's open documents: @y/websocket-server's shared docs (it syncs them with clients and
 * keeps them in its module state), loaded from and made durable in the DocStore.
 *
 * Durability comes first: a client's update is appended to the document's log and fsync'd
 * (receive()) before it is handed to the server code that applies and broadcasts it, and a
 * change made by the hub itself (a restore) is made on a copy, stored, then applied
 * (change()). So nothing another client has seen, or the sender could take as accepted, is
 * missing after a SIGKILL. Logs are compacted into a snapshot when they grow, when the document
 * has been idle for a while, when its last client leaves and when the hub stops.
 *
 * The server library keeps one set of documents per process, so one LiveDocs (one hub) may be
 * active in a process at a time.
 */
import { docs, getYDoc, setPersistence, type WSSharedDoc } from "@y/websocket-server/utils";
import * as Y from "yjs";
import type { DocName } from "./docNames.js";
import type { DocStore } from "./docStore.js";
import { isEmptyUpdate } from "./yjsFrames.js";

/** The origin of the updates that load a document from disk (not a change). */
const LOADING = Symbol("loading");

export interface LiveDocsOptions {
  readonly store: DocStore;
  /** Called after every change to a loaded document (not for loading it). */
  readonly onChange?: (doc: DocName, ydoc: Y.Doc) => void;
  /** Called when a document leaves memory (its last client left, or the hub stops), before it is destroyed. */
  readonly onUnload?: (doc: DocName, ydoc: Y.Doc) => void;
  /** Called when loading dropped a torn tail from a document's log. */
  readonly onRecovered?: (doc: DocName, recovered: { droppedBytes: number; droppedTo?: string }) => void;
  /** Called when stored updates could not be applied while loading (they are skipped). */
  readonly onUnreadable?: (doc: DocName, count: number) => void;
  /** Compact a log that has grown past this many bytes. Default 4 MiB. */
  readonly compactBytes?: number;
  /** Compact a document idle for this long. Default 30 s. */
  readonly idleCompactMs?: number;
}

let active: LiveDocs | undefined;

export class LiveDocs {
  private readonly names = new Map<string, DocName>();
  private readonly idle = new Map<string, NodeJS.Timeout>();
  private readonly compactBytes: number;
  private readonly idleCompactMs: number;
  private closed = false;

  constructor(private readonly options: LiveDocsOptions) {
    if (active) throw new Error("a hub is already running in this process (@y/websocket-server keeps its documents in module state)");
    active = this;
    this.compactBytes = options.compactBytes ?? 4 * 1024 * 1024;
    this.idleCompactMs = options.idleCompactMs ?? 30_000;
    setPersistence({
      provider: null,
      bindState: (name: string, ydoc: WSSharedDoc) => this.bind(name, ydoc),
      // the library calls this when a document's last client leaves; after close() the hub has done it
      writeState: async (name: string, ydoc: WSSharedDoc) => {
        if (!this.closed) this.unload(name, ydoc);
      },
    });
  }

  /** Loads `doc` into `ydoc` from the store, synchronously: the first sync message already has it all. */
  private bind(name: string, ydoc: WSSharedDoc): void {
    const doc = this.names.get(name);
    if (!doc) throw new Error(`${name} was not opened through LiveDocs`);
    const loaded = this.options.store.open(doc);
    let unreadable = 0;
    ydoc.transact(() => {
      for (const update of loaded.updates) {
        // one update Yjs cannot apply must not keep the rest of the document from loading
        try {
          Y.applyUpdate(ydoc, update);
        } catch {
          unreadable++;
        }
      }
    }, LOADING);
    if (loaded.recovered) this.options.onRecovered?.(doc, loaded.recovered);
    if (unreadable > 0) this.options.onUnreadable?.(doc, unreadable);
    ydoc.on("update", (_update: Uint8Array, origin: unknown) => {
      if (origin === LOADING || this.closed) return;
      this.afterChange(doc, ydoc);
      this.options.onChange?.(doc, ydoc);
    });
  }

  private afterChange(doc: DocName, ydoc: Y.Doc): void {
    if (this.options.store.logBytes(doc) > this.compactBytes) this.compactNow(doc, ydoc);
    clearTimeout(this.idle.get(doc.name));
    const timer = setTimeout(() => {
      this.idle.delete(doc.name);
      const live = docs.get(doc.name);
      if (live && this.options.store.logBytes(doc) > 0) this.compactNow(doc, live);
    }, this.idleCompactMs);
    timer.unref();
    this.idle.set(doc.name, timer);
  }

  private compactNow(doc: DocName, ydoc: Y.Doc): void {
    this.options.store.compact(doc, Y.encodeStateAsUpdate(ydoc));
  }

  /** The last client left: compact, let the owner flush, release the log. */
  private unload(name: string, ydoc: Y.Doc): void {
    const doc = this.names.get(name);
    if (!doc) return;
    clearTimeout(this.idle.get(name));
    this.idle.delete(name);
    if (this.options.store.logBytes(doc) > 0) this.compactNow(doc, ydoc);
    this.options.onUnload?.(doc, ydoc);
    this.options.store.closeDoc(doc);
  }

  /** `doc` in memory, loaded from disk if it was not. Throws when it cannot be loaded (a damaged snapshot). */
  open(doc: DocName): WSSharedDoc {
    if (this.closed) throw new Error("the hub is stopping");
    this.names.set(doc.name, doc);
    return getYDoc(doc.name, true);
  }

  /** Whether `doc` exists: in memory or on disk. */
  exists(doc: DocName): boolean {
    return docs.has(doc.name) || this.options.store.has(doc);
  }

  /** Whether `doc` is in memory now, and its client connections. */
  loaded(doc: DocName): { loaded: boolean; connections: number } {
    const live = docs.get(doc.name);
    return { loaded: !!live, connections: live?.conns.size ?? 0 };
  }

  /**
   * Makes a client's update durable before it is applied: appends what it adds to the document
   * (the update less what the document already has) to the log. Returns the bytes stored (0: it
   * added nothing). Throws when the store fails; the update must then not be applied.
   */
  receive(doc: DocName, update: Uint8Array): number {
    const ydoc = this.open(doc);
    const fresh = Y.diffUpdate(update, Y.encodeStateVector(ydoc));
    if (isEmptyUpdate(fresh)) return 0;
    this.options.store.append(doc, fresh);
    return fresh.byteLength;
  }

  /**
   * A change made by the hub (e.g. a restore): `mutate` runs on a copy of the document, the
   * resulting update is stored, then applied to the live document (which broadcasts it). Returns
   * the update's size in bytes (0: nothing changed).
   */
  change(doc: DocName, mutate: (copy: Y.Doc) => void, origin: unknown = "hub"): number {
    const ydoc = this.open(doc);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(ydoc));
    const updates: Uint8Array[] = [];
    copy.on("update", (u: Uint8Array) => updates.push(u));
    copy.transact(() => mutate(copy));
    copy.destroy();
    if (updates.length === 0) return 0;
    const update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    this.options.store.append(doc, update);
    Y.applyUpdate(ydoc, update, origin);
    return update.byteLength;
  }

  /** Compacts `doc`'s log into its snapshot now (if it is in memory and has a log). */
  compact(doc: DocName): void {
    const live = docs.get(doc.name);
    if (live && this.options.store.logBytes(doc) > 0) this.compactNow(doc, live);
  }

  /** Compacts and unloads every document, and frees the server library for another hub. */
  close(): void {
    if (this.closed) return;
    for (const [name, ydoc] of [...docs]) {
      this.unload(name, ydoc);
      docs.delete(name);
      ydoc.destroy();
    }
    this.closed = true;
    for (const t of this.idle.values()) clearTimeout(t);
    this.idle.clear();
    setPersistence(null);
    this.options.store.close();
    if (active === this) active = undefined;
  }
}
