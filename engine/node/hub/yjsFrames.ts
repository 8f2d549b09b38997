/**
 * Reads (and, for awareness, rewrites) the frames a y-websocket client sends, before the Yjs
 * server code sees them: the server library swallows a malformed frame with a console.error, so a
 * client sending garbage would stay connected; here it is recognised and the connection closed.
 * Also the seam for roles: an update is told apart from a sync request or a presence change.
 * The lib0 variable-length encoding is re-implemented (a dozen lines) rather than importing lib0,
 * which the project does not depend on directly.
 */
import * as Y from "yjs";
import { MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SAVE, MESSAGE_SYNC } from "./hubProtocol.js";

const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** One awareness entry: a client's presence state (null when it left). */
export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: unknown;
}

export type Frame =
  | { readonly type: "sync-request" }
  /** Sync step 2 or an update: content the sender wants applied. */
  | { readonly type: "update"; readonly update: Uint8Array }
  | { readonly type: "awareness"; readonly entries: readonly AwarenessEntry[] }
  | { readonly type: "save" }
  /** Well-formed but of no use to the server (auth, query-awareness): dropped. */
  | { readonly type: "ignored" }
  | { readonly type: "garbage"; readonly reason: string };

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.pos === this.bytes.length;
  }
  uint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new RangeError("unexpected end of frame");
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 53) throw new RangeError("integer too large");
    }
  }
  bytesField(): Uint8Array {
    const n = this.uint();
    if (this.pos + n > this.bytes.length) throw new RangeError("length beyond the frame");
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

function readStateVector(bytes: Uint8Array): void {
  const r = new Reader(bytes);
  const n = r.uint();
  for (let i = 0; i < n; i++) {
    r.uint();
    r.uint();
  }
  if (!r.done) throw new RangeError("trailing bytes after the state vector");
}

function readAwareness(bytes: Uint8Array): AwarenessEntry[] {
  const r = new Reader(bytes);
  const n = r.uint();
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = r.uint();
    const clock = r.uint();
    const state: unknown = JSON.parse(utf8.decode(r.bytesField()));
    entries.push({ clientId, clock, state });
  }
  if (!r.done) throw new RangeError("trailing bytes after the awareness update");
  return entries;
}

/** Classifies one binary frame from a client; never throws. */
export function readFrame(bytes: Uint8Array): Frame {
  try {
    const r = new Reader(bytes);
    const type = r.uint();
    if (type === MESSAGE_SYNC) {
      const step = r.uint();
      const payload = r.bytesField();
      if (!r.done) return { type: "garbage", reason: "trailing bytes after a sync message" };
      if (step === SYNC_STEP1) {
        readStateVector(payload);
        return { type: "sync-request" };
      }
      if (step === SYNC_STEP2 || step === SYNC_UPDATE) {
        // decodeUpdate walks every struct: a corrupt update throws here instead of inside the doc
        Y.decodeUpdate(payload);
        return { type: "update", update: payload };
      }
      return { type: "garbage", reason: `unknown sync step ${step}` };
    }
    if (type === MESSAGE_AWARENESS) {
      const payload = r.bytesField();
      if (!r.done) return { type: "garbage", reason: "trailing bytes after an awareness message" };
      return { type: "awareness", entries: readAwareness(payload) };
    }
    if (type === MESSAGE_SAVE) return r.done ? { type: "save" } : { type: "garbage", reason: "a save message has no payload" };
    if (type === MESSAGE_AUTH || type === MESSAGE_QUERY_AWARENESS) return { type: "ignored" };
    return { type: "garbage", reason: `unknown message type ${type}` };
  } catch (error) {
    return { type: "garbage", reason: error instanceof Error ? error.message : String(error) };
  }
}

class Writer {
  private readonly parts: number[] = [];
  uint(value: number): this {
    let v = value;
    while (v > 0x7f) {
      this.parts.push(0x80 | (v % 128));
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.uint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** An awareness message (type 1) carrying `entries`, as y-protocols encodes it. */
export function writeAwareness(entries: readonly AwarenessEntry[]): Uint8Array {
  const inner = new Writer().uint(entries.length);
  for (const e of entries) inner.uint(e.clientId).uint(e.clock).bytes(utf8Encoder.encode(JSON.stringify(e.state)));
  return new Writer().uint(MESSAGE_AWARENESS).bytes(inner.toBytes()).toBytes();
}

/** True when an update carries nothing (no structs, no deletions): `[0, 0]` in Yjs' v1 encoding. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
