/**
 * Whole-file writes that a crash cannot leave half done: readers (Framework's preview, the
 * hub after a restart) see the old file or the new one, never a mix.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Makes a directory's entries (a created or renamed file) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: a hidden temporary file beside it (a dot name, so
 * Framework does not take it for a page), fsync, rename over `path`, fsync the folder.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, data, { flush: true });
  renameSync(tmp, path);
  fsyncDir(dir);
}
