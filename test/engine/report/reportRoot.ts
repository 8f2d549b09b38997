/**
 * A throwaway project root for the publishing tests: the real engine and strategies (symlinked),
 * package.json, and empty src/data and src/reports/specs folders, so specs can be written and
 * built without touching the repository's own.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");

export interface TempRoot {
  readonly dir: string;
  close(): void;
}

export function tempRoot(): TempRoot {
  const dir = mkdtempSync(join(tmpdir(), "qw-reports-"));
  symlinkSync(join(ROOT, "engine"), join(dir, "engine"));
  symlinkSync(join(ROOT, "strategies"), join(dir, "strategies"));
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  mkdirSync(join(dir, "src", "data"), { recursive: true });
  mkdirSync(join(dir, "src", "reports", "specs"), { recursive: true });
  return { dir, close: () => rmSync(dir, { recursive: true, force: true }) };
}
