/** Builds the site into a folder of its own (QW_SITE_OUT), so test files can build in parallel. */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { launchChromium, type Browser } from "./chromium.ts";
import { serveStatic, type StaticServer } from "./serveStatic.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BUILD_TIMEOUT_MS = 240_000;

export interface BuiltSite {
  readonly dir: string;
  /** Every file of the build, as site paths ("/_file/data/…"). */
  readonly files: readonly string[];
  /** Absolute path of the built-in hourly sample the pages load by default. */
  readonly sampleParquet: string;
}

/** Runs `observable build` into `dir` and finds what the browser tests need in it. */
export async function buildSite(dir: string): Promise<BuiltSite> {
  try {
    await promisify(execFile)(join(ROOT, "node_modules", ".bin", "observable"), ["build"], {
      cwd: ROOT, env: { ...process.env, QW_SITE_OUT: dir, OBSERVABLE_TELEMETRY_DISABLE: "true" },
      timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`observable build failed:\n${(e.stdout ?? "").slice(-3000)}\n${(e.stderr ?? "").slice(-3000)}`);
  }
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length));
  const sample = files.find((f) => /^\/_file\/data\/sample-1h\.[0-9a-f]+\.parquet$/.test(f));
  if (!sample) throw new Error("the build did not emit _file/data/sample-1h.*.parquet (src/data/sample-1h.parquet.ts)");
  return { dir, files, sampleParquet: join(dir, sample) };
}

/** A built site served on 127.0.0.1 with Chromium open on one of its pages. */
export interface OpenedSite {
  /** The test's own temporary folder (the site is built into `site/` inside it). */
  readonly tmp: string;
  readonly site: BuiltSite;
  readonly server: StaticServer;
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught errors of the page, as they happen. */
  readonly pageErrors: string[];
  /** Closes Chromium and the server and deletes the folder. */
  close(): Promise<void>;
}

/** Builds the site into a fresh folder, serves it, and opens Chromium at `path` ("/workbench"). */
export async function openBuiltSite(prefix: string, path: string): Promise<OpenedSite> {
  const tmp = await mkdtemp(join(tmpdir(), prefix));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    const site = await buildSite(join(tmp, "site"));
    server = await serveStatic(site.dir);
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.origin}${path}`);
    return { tmp, site, server, browser, page, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
