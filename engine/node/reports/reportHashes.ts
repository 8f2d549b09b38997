/**
 * The hashes a report is pinned to: of its data, its strategy code, the engine and its parameters.
 * Each is a sha256 in lowercase hex, computed from bytes anyone can recompute.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { BarSeries } from "../../bars.js";
import { canonicalJson } from "./canonicalJson.js";

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/**
 * The bars a run saw, independent of the file format they came in: for each series in order, its
 * symbol in UTF-8 and a newline, then the columns time, open, high, low, close, volume as
 * little-endian float64.
 *
 * @example
 * barsSha256([synA]); // "5f3c…"
 */
export function barsSha256(series: readonly BarSeries[]): string {
  const hash = createHash("sha256");
  for (const s of series) {
    hash.update(`${s.symbol}\n`, "utf8");
    for (const column of [s.time, s.open, s.high, s.low, s.close, s.volume]) {
      const bytes = new DataView(new ArrayBuffer(column.length * 8));
      for (let i = 0; i < column.length; i++) bytes.setFloat64(i * 8, column[i]!, true);
      hash.update(new Uint8Array(bytes.buffer));
    }
  }
  return hash.digest("hex");
}

/** Folders of engine/ left out of the engine version: Node-only services that no backtest runs. */
export const ENGINE_VERSION_EXCLUDES: readonly string[] = ["node", "live"];

/**
 * The engine a report was computed with: package.json's version, "+", and the first 12 hex of the
 * sha256 over engine/**\/*.ts (without ENGINE_VERSION_EXCLUDES), each file as its path relative to
 * engine/ with "/", a NUL, its contents and a NUL, in path order. No git needed.
 *
 * @example
 * engineVersion("/work/main"); // "0.1.0+3b9f0c2d41aa"
 */
export function engineVersion(root: string): string {
  const engine = join(root, "engine");
  const files = (readdirSync(engine, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(engine, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((path) => !ENGINE_VERSION_EXCLUDES.some((folder) => path.startsWith(`${folder}/`)))
    .sort();
  const hash = createHash("sha256");
  for (const path of files) hash.update(`${path}\0`).update(readFileSync(join(engine, path))).update("\0");
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  return `${version}+${hash.digest("hex").slice(0, 12)}`;
}

/** The hash of a resolved parameter set: sha256 of its canonical JSON. */
export const paramsSha256 = (params: Readonly<Record<string, unknown>>): string => sha256Hex(canonicalJson(params));
