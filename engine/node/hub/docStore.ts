/**
 * The documents on disk: per document a snapshot (its whole state, replaced atomically) and an
 * update log (every change since, each fsync'd before the hub applies or forwards it). Loading
 * is snapshot + log replayed in order; Yjs updates are idempotent, so a crash between writing a
 * snapshot and emptying the log only means some updates are applied twice, harmlessly.
 *
 * Layout: `<dir>/<kind>/<id>.snapshot` and `<dir>/<kind>/<id>.log`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicFile.js";
import { DOC_KINDS, parseDocName, type DocName } from "./docNames.js";
import { frameRecord, readRecords, UpdateLog } from "./updateLog.js";

/** What loading a document found. */
export interface LoadedDoc {
  /** The snapshot (if any) then the log's records, to apply in order. */
  readonly updates: readonly Uint8Array[];
  /** Set when a torn tail was dropped from the log. */
  readonly recovered?: { readonly droppedBytes: number; readonly droppedTo?: string };
}

export class DocStore {
  private readonly logs = new Map<string, UpdateLog>();

  constructor(readonly dir: string, private readonly now: () => number = Date.now) {}

  private paths(doc: DocName) {
    const base = join(this.dir, doc.kind, doc.id);
    return { snapshot: `${base}.snapshot`, log: `${base}.log` };
  }

  /** Whether anything of `doc` is on disk. */
  has(doc: DocName): boolean {
    const p = this.paths(doc);
    return existsSync(p.snapshot) || existsSync(p.log);
  }

  /** The documents on disk. */
  list(): DocName[] {
    const out: DocName[] = [];
    for (const kind of DOC_KINDS) {
      const folder = join(this.dir, kind);
      if (!existsSync(folder)) continue;
      const ids = new Set(readdirSync(folder).map((f) => /^(.+)\.(?:snapshot|log)$/.exec(f)?.[1]).filter((x): x is string => !!x));
      for (const id of [...ids].sort()) {
        const parsed = parseDocName(`${kind}/${id}`);
        if (parsed.ok) out.push(parsed.doc);
      }
    }
    return out;
  }

  /**
   * Reads `doc` and opens its log for appends. Throws when the snapshot is damaged: serving the
   * document without it would let the next compaction overwrite what it held.
   */
  open(doc: DocName): LoadedDoc {
    this.closeDoc(doc);
    const p = this.paths(doc);
    const updates: Uint8Array[] = [];
    if (existsSync(p.snapshot)) {
      const bytes = readFileSync(p.snapshot);
      const { records, end } = readRecords(bytes);
      if (records.length !== 1 || end !== bytes.length) {
        throw new Error(`${p.snapshot} is damaged (${bytes.length} bytes, ${records.length} good records); move it aside to start the document from its log only`);
      }
      updates.push(records[0]!);
    }
    const { log, contents } = UpdateLog.open(p.log, this.now);
    this.logs.set(doc.name, log);
    updates.push(...contents.records);
    return {
      updates,
      ...(contents.droppedBytes > 0 ? { recovered: { droppedBytes: contents.droppedBytes, ...(contents.droppedTo ? { droppedTo: contents.droppedTo } : {}) } } : {}),
    };
  }

  private logOf(doc: DocName): UpdateLog {
    const log = this.logs.get(doc.name);
    if (!log) throw new Error(`${doc.name} is not open in the store`);
    return log;
  }

  /** Appends an update to `doc`'s log; durable when this returns. */
  append(doc: DocName, update: Uint8Array): void {
    this.logOf(doc).append(update);
  }

  /** Bytes in `doc`'s log since its last snapshot. */
  logBytes(doc: DocName): number {
    return this.logs.get(doc.name)?.bytes ?? 0;
  }

  /** Replaces `doc`'s snapshot with `state` (its whole state) and empties its log. */
  compact(doc: DocName, state: Uint8Array): void {
    const log = this.logOf(doc);
    writeFileAtomic(this.paths(doc).snapshot, frameRecord(state));
    log.truncate();
  }

  /** Closes `doc`'s log (a later open() reads it again). */
  closeDoc(doc: DocName): void {
    this.logs.get(doc.name)?.close();
    this.logs.delete(doc.name);
  }

  close(): void {
    for (const log of this.logs.values()) log.close();
    this.logs.clear();
  }
}
