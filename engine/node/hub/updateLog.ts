/**
 * An append-only file of records, each framed as [u32 length][u32 crc32][payload] (little
 * endian), made durable one by one: append() returns only after fdatasync, so whatever the
 * caller does next (apply, broadcast) happens to data already on disk. After a crash the last
 * record may be torn (short, or its checksum wrong); open() detects that, keeps the good prefix,
 * moves the dropped bytes to a `.torn-<time>` file beside the log (never destroyed, only set
 * aside) and truncates, so the next append starts on a clean boundary.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { fsyncDir } from "./atomicFile.js";

const HEADER = 8;
/** A length above this is not a record but damage. */
export const MAX_RECORD = 256 * 1024 * 1024;

/** What open() found: the records, and what it dropped from the tail. */
export interface LogContents {
  readonly records: Uint8Array[];
  /** Bytes dropped from a torn or corrupt tail (0 when the file was clean). */
  readonly droppedBytes: number;
  /** Where the dropped bytes were set aside, if any. */
  readonly droppedTo?: string;
}

/** Frames `payload` as one record. */
export function frameRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, HEADER);
  return out;
}

/** Splits framed bytes into records; `end` is the offset after the last good record. */
export function readRecords(bytes: Uint8Array): { records: Uint8Array[]; end: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const length = buf.readUInt32LE(pos);
    const sum = buf.readUInt32LE(pos + 4);
    if (length > MAX_RECORD || pos + HEADER + length > buf.length) break;
    const payload = buf.subarray(pos + HEADER, pos + HEADER + length);
    if (crc32(payload) !== sum) break;
    // a copy: the caller may keep records after the file buffer is gone
    records.push(new Uint8Array(payload));
    pos += HEADER + length;
  }
  return { records, end: pos };
}

function readWhole(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(size);
  let read = 0;
  while (read < size) {
    const n = readSync(fd, buf, read, size - read, read);
    if (n === 0) break;
    read += n;
  }
  return buf.subarray(0, read);
}

export class UpdateLog {
  private fd: number | undefined;
  private size = 0;

  private constructor(readonly path: string) {}

  /** Opens (creating if needed) the log at `path`, recovering a torn tail. */
  static open(path: string, now: () => number = Date.now): { log: UpdateLog; contents: LogContents } {
    const log = new UpdateLog(path);
    const dir = dirname(path);
    const created = !existsSync(path);
    if (created) mkdirSync(dir, { recursive: true });
    const fd = openSync(path, "a+");
    if (created) fsyncDir(dir);
    const bytes = readWhole(fd);
    const { records, end } = readRecords(bytes);
    let droppedTo: string | undefined;
    if (end < bytes.length) {
      droppedTo = `${path}.torn-${now()}`;
      writeFileSync(droppedTo, bytes.subarray(end), { flush: true });
      ftruncateSync(fd, end);
      fsyncSync(fd);
      fsyncDir(dir);
    }
    log.fd = fd;
    log.size = end;
    return { log, contents: { records, droppedBytes: bytes.length - end, ...(droppedTo ? { droppedTo } : {}) } };
  }

  /** Bytes in the log. */
  get bytes(): number {
    return this.size;
  }

  /** Appends one record; durable when this returns. */
  append(payload: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const framed = frameRecord(payload);
    let written = 0;
    while (written < framed.length) written += writeSync(this.fd, framed, written, framed.length - written);
    fdatasyncSync(this.fd);
    this.size += framed.length;
  }

  /** Empties the log (its records are safe elsewhere, e.g. in a snapshot). */
  truncate(): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.size = 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
