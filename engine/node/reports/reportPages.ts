/**
 * The report pages of the site, for observablehq.config.ts's `dynamicPaths`: one /reports/<id>
 * per spec in src/reports/specs/.
 *
 * It also keeps Framework's loader cache honest. `observable build` takes any cached loader output
 * as it is, however old (it loads with useStale), and preview reruns a loader only when the loader
 * file itself is newer; so a report cached before the engine, a strategy, the report code or the
 * specs changed would be served as it was. reportPages hashes those sources and, when the hash
 * differs from the one recorded beside the cache, deletes the cached report files so that this
 * build runs their loaders again. (A build running at that very moment may miss a file between
 * finding and copying it: a window of microseconds, and only when the sources just changed.)
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from "node:fs";
import { join, relative, sep } from "node:path";
import { PROJECT_ROOT, REPORT_ID, reportPage, specsDir } from "./reportPaths.js";

/** What a report's numbers depend on, relative to the project root (folders taken whole, *.ts and *.json). */
export const REPORT_SOURCES: readonly string[] = ["engine", "strategies", "src/reports", "package.json"];
/** Parts of those folders no report runs (Node services changed often): left out of the hash. */
const IGNORED: readonly string[] = ["engine/live/", "engine/node/live/", "engine/node/hub/", "engine/node/cli/", "src/reports/components/"];

/** sha256 over the report sources: each file's path, a NUL, its bytes, a NUL, in path order. */
export function reportSourcesHash(root: string): string {
  const files: string[] = [];
  for (const source of REPORT_SOURCES) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    if (source.endsWith(".json")) {
      files.push(source);
      continue;
    }
    for (const e of readdirSync(path, { recursive: true, withFileTypes: true }) as Dirent[]) {
      if (!e.isFile() || !/\.(ts|json)$/.test(e.name)) continue;
      const rel = relative(root, join(e.parentPath, e.name)).split(sep).join("/");
      if (!IGNORED.some((prefix) => rel.startsWith(prefix))) files.push(rel);
    }
  }
  const hash = createHash("sha256");
  for (const file of files.sort()) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update("\0");
  return hash.digest("hex");
}

/**
 * Deletes Framework's cached report outputs (src/.observablehq/cache/reports/*.json) when the
 * report sources changed since they were recorded; returns whether it did.
 */
export function refreshReportCache(root: string = PROJECT_ROOT): boolean {
  const cache = join(root, "src", ".observablehq", "cache", "reports");
  const stamp = join(cache, ".sources");
  const hash = reportSourcesHash(root);
  const recorded = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
  if (recorded === hash) return false;
  if (existsSync(cache)) {
    for (const name of readdirSync(cache)) if (name.endsWith(".json")) rmSync(join(cache, name), { force: true });
  }
  mkdirSync(cache, { recursive: true });
  writeFileSync(stamp, hash);
  return true;
}

/**
 * The site paths of the report pages, "/reports/<id>", one per spec file named by a report id, in
 * id order; refreshes the loader cache first (refreshReportCache).
 *
 * @example
 * // observablehq.config.ts
 * import { reportPages } from "./engine/node/reports/reportPages.ts";
 * export default { …, dynamicPaths: () => reportPages() };
 */
export function reportPages(root: string = PROJECT_ROOT): string[] {
  refreshReportCache(root);
  const dir = specsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json") && REPORT_ID.test(name.slice(0, -5)))
    .map((name) => reportPage(name.slice(0, -5)))
    .sort();
}
