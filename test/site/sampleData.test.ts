import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { quotedString } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticMarket } from "../../engine/data/synthetic.js";
import { syntheticSample } from "../../engine/data/syntheticSamples.js";
import { readBars } from "../../engine/node/readBars.js";
import { withDuckDB } from "../../engine/node/withDuckDB.js";
import { launchChromium } from "../helpers/chromium.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUILD_TIMEOUT_MS = 240_000;

/** Built file for `data/<name>`: Framework writes it as _file/data/<stem>.<hash>.<ext>. */
function builtFile(out: string, name: string): string {
  const dot = name.indexOf(".");
  const [stem, ext] = [name.slice(0, dot), name.slice(dot + 1)];
  const dir = join(out, "_file", "data");
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${stem}.`) && f.endsWith(`.${ext}`) && f.split(".").length === 3) : [];
  expect(found, `${name} in ${dir}`).toHaveLength(1);
  return join(dir, found[0]!);
}

describe("the site ships the synthetic sample data", () => {
  let out = "";
  let log = "";

  beforeAll(async () => {
    // its own output folder: other tests build the site in parallel (observablehq.config.ts reads QW_SITE_OUT)
    out = mkdtempSync(join(tmpdir(), "qw-site-samples-"));
    const { stdout, stderr } = await promisify(execFile)("npm", ["run", "build"], {
      cwd: ROOT, env: { ...process.env, QW_SITE_OUT: out, OBSERVABLE_TELEMETRY_DISABLE: "true" },
      timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
    });
    log = `${stdout}\n${stderr}`;
  }, BUILD_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it.each([
    ["sample-1h.parquet", "1h", 8784],
    ["sample-1d.parquet", "1d", 3653],
    ["sample-1m.parquet", "1m", 7200],
  ] as const)("builds %s with SYN-A..SYN-D, %s bars, %i bars each, equal to the generator's numbers", async (name, timeframe, bars) => {
    const file = builtFile(out, name);
    const counts = await withDuckDB(async (db) =>
      (await db.runAndReadAll(`SELECT symbol, count(*) FROM read_parquet(${quotedString(file)}) GROUP BY symbol ORDER BY symbol`))
        .getRows().map(([s, n]) => [String(s), Number(n)]));
    expect(counts).toEqual(["SYN-A", "SYN-B", "SYN-C", "SYN-D"].map((s) => [s, bars]));

    const b = await readBars(file, { symbol: "SYN-B" });
    expect(b.timeframe).toBe(timeframe);
    const expected = syntheticMarket(syntheticSample(name.replace(".parquet", "")).options)[1]!;
    for (const col of ["time", "open", "high", "low", "close", "volume"] as const) {
      expect(Array.from(b[col]), col).toEqual(Array.from(expected[col]));
    }
  });

  it("marks every Parquet file as synthetic in its key-value metadata, with its seed", async () => {
    const meta = await withDuckDB(async (db) =>
      (await db.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata(${quotedString(builtFile(out, "sample-1h.parquet"))})`))
        .getRows().map(([k, v]) => [String(k), String(v)]));
    const kv = Object.fromEntries(meta);
    expect(kv).toMatchObject({ synthetic: "true", seed: "42", symbols: "SYN-A,SYN-B,SYN-C,SYN-D", timeframe: "1h" });
    expect(kv.description).toMatch(/^Synthetic market data \(not real prices\), seed 42/);
  });

  it("builds the daily sample as CSV too, with a header and one row per symbol and day", () => {
    const lines = readFileSync(builtFile(out, "sample-1d.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("symbol,time,open,high,low,close,volume");
    expect(lines).toHaveLength(1 + 4 * 3653);
    expect(lines[1]).toMatch(/^SYN-A,2015-01-01,\d+(\.\d{1,2})?,/);
  });

  it("ships the generator to the browser as a module that gives the same bits as in Node", async () => {
    const dir = join(out, "_import", "engine", "data");
    const built = readdirSync(dir).find((f) => /^synthetic\.[0-9a-f]+\.js$/.test(f));
    expect(built, `engine/data/synthetic in ${dir}`).toBeDefined();
    const browserModule = (await import(pathToFileURL(join(dir, built!)).href)) as typeof import("../../engine/data/synthetic.js");
    const options = syntheticSample("sample-1m").options;
    const inBrowserBuild = browserModule.syntheticMarket(options);
    const inNode = syntheticMarket(options);
    for (let i = 0; i < inNode.length; i++) {
      for (const col of ["time", "open", "high", "low", "close", "volume"] as const) {
        expect(Buffer.from(inBrowserBuild[i]![col].buffer).equals(Buffer.from(inNode[i]![col].buffer)), `${inNode[i]!.symbol}.${col}`).toBe(true);
      }
    }
  });

  it("renders the samples page without an Observable error, linking the files and fetching nothing external", () => {
    const page = join(out, "samples.html");
    expect(existsSync(page), `samples.html missing; build output:\n${log.slice(-3000)}`).toBe(true);
    const html = readFileSync(page, "utf8");
    expect(html).not.toContain("observablehq--error");
    for (const name of ["sample-1h.parquet", "sample-1d.parquet", "sample-1m.parquet", "sample-1d.csv"]) {
      const [stem, ext] = name.split(".");
      // registered as a FileAttachment that points at the built file
      expect(html).toMatch(new RegExp(`registerFile\\("\\./data/${stem}\\.${ext}", \\{[^}]*"path":"\\./_file/data/${stem}\\.[0-9a-f]+\\.${ext}"`));
    }
    // script/link/img sources and import specifiers that leave the site
    const external = [
      ...html.matchAll(/<(?:script|link|img)\b[^>]*?\s(?:src|href)\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi),
      ...html.matchAll(/\b(?:import|from)\s*\(?\s*["'`]((?:https?:)?\/\/[^"'`]+)/g),
    ].map((m) => m[1]);
    expect(external).toEqual([]);
  });

  it("shows the samples table in Chromium, with working download links, and generates the same bits there", async () => {
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
    const server = createServer((req, res) => {
      let path = join(out, decodeURIComponent(new URL(req.url!, "http://x").pathname));
      if (existsSync(`${path}.html`)) path = `${path}.html`;
      if (!existsSync(path) || statSync(path).isDirectory()) return res.writeHead(404).end();
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const browser = await launchChromium();
    try {
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${origin}/samples`);
      await page.waitForSelector("table tbody tr:nth-child(3)", { timeout: 20_000 });
      const rows = await page.$$eval("table tbody tr", (trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent)));
      expect(rows.map((r) => r.slice(0, 4))).toEqual([
        ["sample-1h (1h)", "SYN-A, SYN-B, SYN-C, SYN-D", "8,784", "35,136"],
        ["sample-1d (1d)", "SYN-A, SYN-B, SYN-C, SYN-D", "3,653", "14,612"],
        ["sample-1m (1m)", "SYN-A, SYN-B, SYN-C, SYN-D", "7,200", "28,800"],
      ]);
      const hrefs = await page.$$eval("table a", (as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(hrefs).toHaveLength(4);
      for (const href of hrefs) expect((await page.request.get(href)).status(), href).toBe(200);

      // the generator, run by the page's own module in the browser, gives the bytes Node gives
      const options = syntheticSample("sample-1m").options;
      const moduleUrl = `${origin}/_import/engine/data/${readdirSync(join(out, "_import", "engine", "data")).find((f) => /^synthetic\.[0-9a-f]+\.js$/.test(f))}`;
      // a string, so that vitest does not rewrite the import() inside it
      const closes = await page.evaluate(`import(${JSON.stringify(moduleUrl)})
        .then((m) => m.syntheticMarket(${JSON.stringify(options)}).map((s) => Array.from(s.close)))`) as number[][];
      expect(closes).toEqual(syntheticMarket(options).map((s) => Array.from(s.close)));
      expect(errors).toEqual([]);
      expect(browser.blocked).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});
