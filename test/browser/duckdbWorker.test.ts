/**
 * The engine worker in the real built site, in Debian's Chromium with every request outside
 * 127.0.0.1 refused: DuckDB-wasm and parquet-wasm start from the site's own files, Parquet and
 * CSV turn into the same BarSeries as readBars gives in Node, bad rows are named, and resampling
 * matches the same SQL run in Node.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromIPC } from "apache-arrow";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resampleSql } from "../../engine/data/resampleSql.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { type Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, type OpenedSite } from "../helpers/builtSite.js";
import { type StaticServer } from "../helpers/serveStatic.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOUR = 3_600_000;

let opened: OpenedSite | undefined;
let site = "";
let server: StaticServer;
let browser: Browser;
let page: Page;
let parquetPath = "";
let pageErrors: string[] = [];

/** Columns of a BarSeries as plain arrays (what page.evaluate can hand back). */
interface Columns {
  symbol: string;
  timeframe: string;
  length: number;
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
  typed: boolean;
}

/** Files of the built site under `dir`, relative to the site. */
async function siteFiles(dir = site): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(site.length));
}

/**
 * Runs `body` (the text of an async function body seeing `engine`, `arg` and `columns`) in the
 * page, with a second engine (window.__engine) started once. Passed as a string: vitest would
 * rewrite an import() written here into a helper the page does not have.
 */
async function inEngine<T>(body: string, arg?: unknown): Promise<T> {
  return page.evaluate(`(async () => {
    window.__engine ??= (async () => {
      const href = document.querySelector('link[rel="modulepreload"][href*="engineClient"]').href;
      const engine = (await import(href)).openEngine();
      await engine.init();
      return engine;
    })();
    const engine = await window.__engine;
    const columns = (s) => ({
      symbol: s.symbol, timeframe: s.timeframe, length: s.length,
      time: Array.from(s.time), open: Array.from(s.open), high: Array.from(s.high), low: Array.from(s.low),
      close: Array.from(s.close), volume: Array.from(s.volume),
      typed: ["time", "open", "high", "low", "close", "volume"].every((k) => s[k] instanceof Float64Array && s[k].length === s.length),
    });
    const arg = ${JSON.stringify(arg ?? null)};
    ${body}
  })()`) as Promise<T>;
}

const plain = (s: { time: ArrayLike<number>; open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number>; volume: ArrayLike<number> }) => ({
  time: Array.from(s.time), open: Array.from(s.open), high: Array.from(s.high), low: Array.from(s.low),
  close: Array.from(s.close), volume: Array.from(s.volume),
});
const ohlcv = (c: Columns) => ({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });

beforeAll(async () => {
  opened = await openBuiltSite("qw-site-", "/data");
  ({ server, browser, page, pageErrors } = opened);
  site = opened.site.dir;
  parquetPath = opened.site.sampleParquet.slice(site.length);
  await page.getByTestId("bars-table").waitFor({ timeout: 60_000 });
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
});

describe("the engine worker in Chromium (built site, network off)", () => {
  it("starts the worker and DuckDB (eh build), and the data page shows the sample", async () => {
    await expect(page.getByTestId("engine-status").innerText()).resolves.toMatch(/^Engine ready: DuckDB v1\.4\.3 \(eh build\)/);
    await expect(page.getByTestId("validation").innerText()).resolves.toMatch(/^✓ [\d,]+ rows checked: no errors/);
    expect(await page.locator("[data-testid=bars-table] tbody tr").count()).toBe(10);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "data-page.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("loads every DuckDB and parquet-wasm file from the site itself, and nothing from anywhere else", async () => {
    const files = await siteFiles();
    const wanted = [
      /^\/_node\/@duckdb\/duckdb-wasm@1\.32\.0\/dist\/duckdb-browser-eh\.worker\.[0-9a-f]+\.js$/,
      /^\/_node\/@duckdb\/duckdb-wasm@1\.32\.0\/dist\/duckdb-eh\.wasm$/,
      /^\/_node\/parquet-wasm@[^/]+\/esm\/parquet_wasm_bg\.wasm$/,
      /^\/_import\/components\/engine\.worker\.[0-9a-f]+\.js$/,
    ];
    for (const pattern of wanted) {
      const file = files.find((f) => pattern.test(f));
      expect(file, `the built site has a file matching ${pattern}`).toBeDefined();
      expect(server.log, `the browser fetched ${file} from the site`).toContain(`200 ${file}`);
    }
    // only the eh build is referenced: the mvp and coi wasm files (35-39 MB each) stay out of the site
    expect(files.filter((f) => /duckdb-(mvp|coi)\.wasm$/.test(f))).toEqual([]);
    expect(browser.blocked, "requests that tried to leave 127.0.0.1").toEqual([]);
    expect(browser.requests.filter((url) => !url.startsWith(`${server.origin}/`))).toEqual([]);
    expect(server.log.filter((line) => !line.startsWith("200 ") && !line.endsWith("/favicon.ico"))).toEqual([]);
  });

  it("turns a Parquet file into the same BarSeries as readBars in Node, with Float64Array columns", async () => {
    const c = await inEngine<Columns>(`await engine.loadUrl("pq", arg); const t = await engine.table("pq"); return columns(await engine.bars("pq", t.symbols[0]));`, `.${parquetPath}`);
    const node = await readBars(join(site, parquetPath), { symbol: c.symbol });
    expect(c.typed).toBe(true);
    expect(node.length).toBeGreaterThan(1000);
    expect([c.length, c.timeframe]).toEqual([node.length, "1h"]);
    expect([c.time[0], c.close[0], c.time[c.length - 1], c.close[c.length - 1]])
      .toEqual([node.time[0], node.close[0], node.time[node.length - 1], node.close[node.length - 1]]);
    expect(ohlcv(c)).toEqual(plain(node));
  });

  it("reads a CSV (ISO dates, epoch ms and µs) to the same bars as readBars in Node", async () => {
    const csv = [
      "time,open,high,low,close,volume",
      "2024-03-01,10,11,9,10.5,100",
      "2024-03-01T01:00:00Z,10.5,12,10,11.25,200",
      String(Date.UTC(2024, 2, 1, 2)) + ",11.25,11.5,10.75,11,0",
      "",
      String(Date.UTC(2024, 2, 1, 3) * 1000) + ",11,11.1,10.9,11.05,50.5",
    ].join("\r\n");
    const c = await inEngine<Columns>(
      `await engine.loadFile("good", new File([arg], "good.csv")); const r = await engine.validate("good"); if (!r.ok || r.notices[0]?.code !== "ZERO_VOLUME" || r.notices[0].row !== 4) throw new Error(JSON.stringify(r)); return columns(await engine.bars("good"));`,
      csv);
    const dir = await mkdtemp(join(tmpdir(), "qw-csv-"));
    try {
      await writeFile(join(dir, "good.csv"), csv);
      const node = await readBars(join(dir, "good.csv"));
      expect(c.symbol).toBe("good");
      expect(c.length).toBe(4);
      expect(ohlcv(c)).toEqual(plain(node));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads a generic CSV through a column mapping to the same bars as readBars in Node", async () => {
    const csv = [
      "Stamp;First;Top;Bottom;Last;Shares;Ticker",
      "2024-03-01;10.5;11;10.25;10.75;1200;ACME",
      "2024-03-04;10.75;11.5;10.5;11.25;900;ACME",
      "2024-03-05;11.25;11.75;10.75;11;1500;ACME",
    ].join("\n");
    const columns = { time: "stamp", open: "First", high: "Top", low: "Bottom", close: "Last", volume: "Shares", symbol: "Ticker" };
    const c = await inEngine<Columns & { unmapped: string; missing: string }>(`
      const file = new File([arg.csv], "quotes.csv");
      const unmapped = await engine.loadFile("unmapped", file).then(() => "no error", (e) => e.message);
      const missing = await engine.loadFile("missing", file, { columns: { ...arg.columns, close: "Settle" } }).then(() => "no error", (e) => e.message);
      await engine.loadFile("mapped", file, { columns: arg.columns });
      return { ...columns(await engine.bars("mapped")), unmapped, missing };`, { csv, columns });
    const dir = await mkdtemp(join(tmpdir(), "qw-csv-"));
    try {
      await writeFile(join(dir, "quotes.csv"), csv);
      const node = await readBars(join(dir, "quotes.csv"), { columns });
      expect([c.symbol, c.length, c.timeframe]).toEqual([node.symbol, 3, node.timeframe]);
      expect(ohlcv(c)).toEqual(plain(node));
      expect(c.unmapped).toMatch(/^quotes\.csv: cannot tell the layout from the header at row 1/);
      expect(c.missing).toMatch(/^quotes\.csv: the header at row 1 has no "Settle" column \(mapped to close\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows a dropped CSV's bad rows on the page, each named by its line", async () => {
    const csv = [
      "time,open,high,low,close,volume",
      "2024-01-01T00:00:00Z,1,2,0.5,1.5,10",
      "2024-01-01T01:00:00Z,1.5,2,1,1.75,10",
      "2024-01-01T02:00:00Z,1.75,2,1.5,oops,10",
      "2024-01-01T03:00:00Z,1.8,2,1.5,1.9",
      "2024-01-01T04:00:00Z,1.9,1.95,1.7,2.5,10",
    ].join("\n");
    await page.getByTestId("file-input").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    const report = page.getByTestId("validation");
    await expect.poll(() => report.innerText(), { timeout: 20_000 }).toContain("✗ 3 errors in 5 rows");
    const rows = await page.locator("[data-testid=validation] tbody tr").allInnerTexts();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^4\tclose\tBAD_NUMBER\toops\tclose is "oops" at row 4 of bad\.csv/);
    expect(rows[1]).toMatch(/^5\t—\tFIELD_COUNT\t5\trow 5 of bad\.csv has 5 fields but the header \(row 1\) names 6/);
    expect(rows[2]).toMatch(/^6\thigh\tINCONSISTENT_HIGH\t1\.95\thigh \(1\.95\) is below the bar's open, close or low/);
    await expect(page.getByTestId("summary").innerText()).resolves.toContain("bad.csv");
    expect(await page.getByTestId("bars-table").count()).toBe(0);
    await page.screenshot({ path: join(ROOT, "test-output", "data-page-errors.png"), fullPage: true });
  });

  it("refuses bars() of a table with bad rows, naming the first", async () => {
    const message = await inEngine<string>(
      `await engine.loadFile("bad", new File([arg], "bad.csv")); try { await engine.bars("bad"); return "no error"; } catch (e) { return e.message; }`,
      "time,open,high,low,close\n2024-01-01,1,1,1,1\n2024-01-02,1,1,1,x\n");
    expect(message).toMatch(/^bad has 1 row\(s\) that did not load; the first: close is "x" at row 3 of bad\.csv/);
  });

  it("answers an unknown table, a bad file and an SQL error with clear messages", async () => {
    const messages = await inEngine<string[]>(`
      const out = [];
      for (const f of [() => engine.bars("nope"), () => engine.query("SELEC 1"), () => engine.loadFile("x", new File(["hello,world\\n1,2\\n"], "x.csv")),
                       () => engine.loadFile("bad name", new File(["a"], "a.csv"))]) {
        try { await f(); out.push("no error"); } catch (e) { out.push(e.message); }
      }
      return out;`);
    expect(messages[0]).toMatch(/^unknown table "nope"; loaded tables: /);
    expect(messages[1]).toMatch(/^the query failed: Parser Error: syntax error at or near "SELEC"/);
    expect(messages[2]).toMatch(/^x\.csv: cannot tell the layout from the header at row 1 \("hello,world"\)/);
    expect(messages[3]).toMatch(/^"bad name" is not a usable table name/);
  });

  it("returns query results as Arrow IPC bytes", async () => {
    const bytes = await inEngine<number[]>(
      `await engine.loadUrl("q", arg); const b = await engine.query("SELECT first(symbol) AS symbol, count(*)::INTEGER AS n, max(close) AS hi FROM q WHERE symbol = (SELECT min(symbol) FROM q)"); return b instanceof Uint8Array ? Array.from(b) : [];`,
      `.${parquetPath}`);
    const table = tableFromIPC(new Uint8Array(bytes));
    const row = table.get(0)!.toJSON();
    const node = await readBars(join(site, parquetPath), { symbol: String(row.symbol) });
    expect(row).toEqual({ symbol: node.symbol, n: node.length, hi: Math.max(...node.close) });
  });

  it("resamples in the browser to the same bars as resampleSql in Node", async () => {
    const c = await inEngine<Columns>(
      `await engine.loadUrl("r1h", arg); await engine.resample("r1h", "4h", "r4h"); const t = await engine.table("r4h"); return columns(await engine.bars("r4h", t.symbols[0]));`,
      `.${parquetPath}`);
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
      const node = await readBars(join(site, parquetPath), { symbol: c.symbol });
      await db.run("CREATE TABLE src (symbol VARCHAR, time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)");
      const appender = await db.createAppender("src");
      for (let i = 0; i < node.length; i++) {
        appender.appendVarchar(node.symbol);
        for (const k of ["time", "open", "high", "low", "close", "volume"] as const) appender.appendDouble(node[k][i]!);
        appender.endRow();
      }
      appender.closeSync();
      const rows = (await db.runAndReadAll(resampleSql({ source: "src", timeframe: "4h" }))).getRowObjects();
      const col = (k: string) => rows.map((r) => Number(r[k]));
      expect(c.length).toBe(rows.length);
      expect(c.length).toBeGreaterThan(100);
      expect(c.timeframe).toBe("4h");
      expect(ohlcv(c)).toEqual({ time: col("time"), open: col("open"), high: col("high"), low: col("low"), close: col("close"), volume: col("volume") });
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  });

  it("keeps the built site small: one DuckDB wasm", async () => {
    let bytes = 0;
    for (const f of await siteFiles()) bytes += (await stat(join(site, f))).size;
    expect(bytes / 1e6).toBeLessThan(60);
  });
});
