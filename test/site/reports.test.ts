/**
 * Report pages (src/reports/): a real `observable build` with the network off — every connection
 * its processes (Framework and the tsx data loaders) try outside 127.0.0.1 is refused and logged —
 * runs the report loaders afresh and makes a page per spec in src/reports/specs/. Then Debian's
 * Chromium, with every request outside 127.0.0.1 refused, opens them: the numbers shown are those
 * of `npm run backtest -- --json` (engine/node/cli/backtest.ts) on the same bars and settings, to
 * the last digit, and the pins are the hashes this test computes itself from the data, the strategy
 * file, the engine's sources and the parameters.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BarSeries } from "../../engine/bars.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { syntheticSample } from "../../engine/data/syntheticSamples.ts";
import { main as backtestCli } from "../../engine/node/cli/backtest.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { writeBarsCsv } from "../../engine/node/writeBars.ts";
import { BUILD_TIMEOUT_MS, ROOT, openBuiltSite, type OpenedSite } from "../helpers/builtSite.ts";

const SPECS = join(ROOT, "src", "reports", "specs");
const CACHE = join(ROOT, "src", ".observablehq", "cache", "reports");
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Refuses (and logs) every connection and DNS lookup outside 127.0.0.1, in each Node process it is preloaded into. */
const OFFLINE_GUARD = `
import net from "node:net";
import dns from "node:dns";
import { appendFileSync } from "node:fs";
const local = (h) => h === undefined || h === null || h === "" || h === "127.0.0.1" || h === "localhost" || h === "::1";
const refuse = (what) => appendFileSync(process.env.QW_OFFLINE_LOG, process.pid + " " + what + "\\n");
refuse("guarded " + process.argv.slice(1).join(" "));
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const o = first !== null && typeof first === "object" ? first : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
  if (o.path !== undefined || local(o.host)) return connect.apply(this, args);
  refuse("connect " + o.host + ":" + o.port);
  process.nextTick(() => this.destroy(Object.assign(new Error("network off: " + o.host), { code: "ECONNREFUSED" })));
  return this;
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (local(host)) return lookup.call(this, host, ...rest);
  refuse("lookup " + host);
  process.nextTick(() => rest[rest.length - 1](Object.assign(new Error("network off: " + host), { code: "ENOTFOUND" })));
  return {};
};
const lookupAsync = dns.promises.lookup;
dns.promises.lookup = async function (host, ...rest) {
  if (local(host)) return lookupAsync.call(this, host, ...rest);
  refuse("lookup " + host);
  throw Object.assign(new Error("network off: " + host), { code: "ENOTFOUND" });
};
`;

/** Object keys sorted at every depth: the spec's canonical JSON, written here independently of the code under test. */
const canonical = (value: unknown): string => JSON.stringify(value, (_k, v) =>
  v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);

/** The bars pin: each symbol and a newline, then its six columns as little-endian float64. */
function barsHash(series: readonly BarSeries[]): string {
  const hash = createHash("sha256");
  for (const s of series) {
    hash.update(`${s.symbol}\n`);
    for (const column of [s.time, s.open, s.high, s.low, s.close, s.volume]) hash.update(Buffer.from(Float64Array.from(column).buffer));
  }
  return hash.digest("hex");
}

/** The engine pin: package version + the first 12 hex of the hash over engine/**\/*.ts outside engine/node and engine/live. */
function engineVersionHere(): string {
  const engine = join(ROOT, "engine");
  const files = readdirSync(engine, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(engine, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((p) => !p.startsWith("node/") && !p.startsWith("live/"))
    .sort();
  const hash = createHash("sha256");
  for (const p of files) hash.update(`${p}\0`).update(readFileSync(join(engine, p))).update("\0");
  return `${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}+${hash.digest("hex").slice(0, 12)}`;
}

/** The specs shipped: the SMA crossover on the daily sample and the Donchian breakout on the hourly one. */
function findSpec(strategy: string, dataset: string): { id: string; spec: Record<string, any> } {
  for (const name of readdirSync(SPECS).filter((f) => f.endsWith(".json"))) {
    const spec = JSON.parse(readFileSync(join(SPECS, name), "utf8"));
    if (spec.strategy === strategy && spec.dataset === dataset) return { id: name.slice(0, -5), spec };
  }
  throw new Error(`no spec of ${strategy} on ${dataset} in src/reports/specs`);
}

interface CliResult {
  metrics: Record<string, number | null>;
  trades: unknown[];
  rejections: unknown[];
  equity: { time: number[]; equity: number[] };
}

let opened: OpenedSite | undefined;
let page: Page;
let refused: string[] = [];
/** The processes the guard was loaded into ("PID guarded ARGV"). */
let guarded: string[] = [];
const sma = findSpec("sma-crossover", "sample-1d");
const donchian = findSpec("donchian-breakout", "sample-1h");
let smaBars: BarSeries[];
let smaCli: CliResult;
let donchianCli: CliResult;

/** `npm run backtest -- --json` on SYN-A of `sample`, written to a CSV first, with `args`. */
async function cli(tmp: string, sample: string, args: string[]): Promise<{ result: CliResult; bars: BarSeries }> {
  const csv = join(tmp, `${sample}-SYN-A.csv`);
  await writeBarsCsv(csv, syntheticMarket(syntheticSample(sample).options).find((s) => s.symbol === "SYN-A")!);
  const out = join(tmp, `${sample}.json`);
  expect(await backtestCli(["--data", csv, ...args, "--json", out, "--quiet"])).toBe(0);
  return { result: JSON.parse(readFileSync(out, "utf8")), bars: await readBars(csv, { symbol: "SYN-A" }) };
}

beforeAll(async () => {
  // the report loaders must run in this build, not be served from an earlier one's cache
  for (const id of [sma.id, donchian.id, "catalog"]) rmSync(join(CACHE, `${id}.json`), { force: true });
  const guardDir = join(ROOT, "test-output", `offline-${process.pid}`);
  await mkdir(guardDir, { recursive: true });
  const guard = join(guardDir, "offline.mjs"), log = join(guardDir, "refused.log");
  writeFileSync(guard, OFFLINE_GUARD);
  writeFileSync(log, "");
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, QW_OFFLINE_LOG: process.env.QW_OFFLINE_LOG };
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ""} --import=${guard}`.trim();
  process.env.QW_OFFLINE_LOG = log;
  try {
    opened = await openBuiltSite("qw-reports-", `/reports/${sma.id}`);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  guarded = lines.filter((l) => / guarded /.test(l));
  refused = lines.filter((l) => !/ guarded /.test(l));
  rmSync(guardDir, { recursive: true, force: true });
  page = opened.page;
  const smaRun = await cli(opened.tmp, "sample-1d", ["--strategy", "sma-crossover", "--param", "fast=10", "--param", "slow=30", "--commission", "0.001"]);
  smaCli = smaRun.result;
  smaBars = [smaRun.bars];
  const risk = join(opened.tmp, "risk.json");
  writeFileSync(risk, JSON.stringify(donchian.spec.risk));
  donchianCli = (await cli(opened.tmp, "sample-1h", ["--strategy", "donchian-breakout", "--param", "atrMultiple=3", "--commission", "0.0005", "--risk", risk])).result;
  await page.getByTestId("monte-carlo").waitFor({ timeout: 60_000 });
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await opened?.close();
});

/** The exact value a metrics cell of the page holds (metricsTable writes String(x) in data-value). */
const metric = (key: string) => page.locator(`[data-testid=metrics] [data-metric=${key}]`).getAttribute("data-value");
/** The CLI writes NaN and ±Infinity as null; the page as "NaN" / "Infinity". */
const shown = (x: number | null) => (x === null ? "NaN" : String(x));

describe("npm run build with the network off", () => {
  it("makes a report page, and its data, for every spec", () => {
    expect(refused, "connections the build tried outside 127.0.0.1").toEqual([]);
    // the guard was in the build and in each report loader (tsx runs them as their own processes)
    expect(guarded.some((l) => /observable\S* build/.test(l))).toBe(true);
    for (const loader of ["[run].json.ts --run=" + sma.id, "[run].json.ts --run=" + donchian.id, "catalog.json.ts"]) {
      expect(guarded.some((l) => l.includes(loader)), loader).toBe(true);
    }
    const { files, dir } = opened!.site;
    for (const { id } of [sma, donchian]) {
      expect(files).toContain(`/reports/${id}.html`);
      const data = files.find((f) => new RegExp(`^/_file/reports/${id}\\.[0-9a-f]+\\.json$`).test(f));
      expect(data, `the report data of ${id}`).toBeDefined();
      expect(existsSync(join(CACHE, `${id}.json`)), "the loader ran in this build").toBe(true);
      expect(readFileSync(join(dir, `reports/${id}.html`), "utf8")).not.toContain("observablehq--error");
    }
    expect(files).toContain("/reports/index.html");
  });

  it("pins the report to the hashes of its spec, data, code, parameters and engine", async () => {
    const pin = (key: string) => page.locator(`[data-testid=pins] [data-pin=${key}]`).getAttribute("data-value");
    const specSha = sha256(canonical(sma.spec));
    expect(specSha.slice(0, 12)).toBe(sma.id);
    expect(await pin("specSha256")).toBe(specSha);
    const synA = syntheticMarket(syntheticSample("sample-1d").options).filter((s) => s.symbol === "SYN-A");
    expect(await pin("dataSha256")).toBe(barsHash(synA));
    // the bars the CLI read back from its CSV are the very bars the report ran on
    expect(await pin("barsSha256")).toBe(barsHash(smaBars));
    expect(await pin("codeSha256")).toBe(sha256(readFileSync(join(ROOT, "strategies", "smaCrossover.ts"))));
    expect(await pin("paramsHash")).toBe(sha256('{"allocation":1,"fast":10,"slow":30}'));
    expect(await pin("engineVersion")).toBe(engineVersionHere());
  });
});

describe("a report page in Chromium", () => {
  it("shows the CLI's final equity, Sharpe, trades and max drawdown, to the last digit", async () => {
    expect(await page.getByTestId("report-title").innerText()).toBe(sma.spec.title);
    for (const key of ["finalEquity", "sharpe", "numberOfTrades", "maxDrawdown", "totalReturn", "cagr", "winRate", "expectancy"]) {
      expect(await metric(key), key).toBe(shown(smaCli.metrics[key]!));
    }
    expect(smaCli.trades.length).toBe(smaCli.metrics.numberOfTrades);
    expect(await page.getByTestId("trades").locator("tbody tr").count()).toBe(Math.min(200, smaCli.trades.length));
  });

  it("shows the monthly returns of the CLI's equity curve", async () => {
    const { time, equity } = smaCli.equity;
    // the last equity of each UTC month, from the CLI's columns
    const monthEnd = new Map<string, number>();
    time.forEach((t, i) => monthEnd.set(new Date(t).toISOString().slice(0, 7), equity[i]!));
    const keys = [...monthEnd.keys()];
    for (const month of ["2015-01", "2019-03", "2021-06", "2024-12"]) {
      const k = keys.indexOf(month);
      const start = k === 0 ? 100_000 : monthEnd.get(keys[k - 1]!)!;
      const [y, m] = month.split("-").map(Number);
      const cell = page.locator(`[data-testid=monthly] td[data-year="${y}"][data-month="${m}"]`);
      expect(await cell.getAttribute("data-value"), month).toBe(String(monthEnd.get(month)! / start - 1));
    }
    expect(await page.locator("[data-testid=monthly] td[data-month]").count()).toBe(keys.length);
  });

  it("draws every section, with the robustness checks, and no error", async () => {
    for (const id of ["summary", "equity", "monthly", "rollingSharpe", "trades", "exposure", "settings", "rejections", "costs", "walkForward", "monteCarlo"]) {
      expect(await page.getByTestId(`section-${id}`).count(), id).toBe(1);
    }
    expect(await page.locator("[data-testid=equity-chart] svg").count()).toBe(2);
    expect(await page.locator("[data-testid=rolling-sharpe] svg").count()).toBe(1);
    expect(await page.locator("[data-testid=cost-curve] svg circle").count()).toBe(12); // 6 rungs × commission and slippage
    // the rung at the run's own cost (10 bps of commission) is the run itself
    expect(await page.locator("[data-testid=cost-table] tr[data-bps='10'] [data-column=sharpe_commission]").getAttribute("data-value")).toBe(shown(smaCli.metrics.sharpe!));
    expect(await page.locator("[data-testid=wf-windows] tbody tr").count()).toBe(5);
    expect(await page.locator("[data-testid=monte-carlo] svg").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("[data-testid=mc-percentiles] tbody tr").count()).toBe(3);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    expect(opened!.pageErrors).toEqual([]);
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "report.png"), fullPage: true });
  });

  it("shows the small-sample warnings that apply, with their reasons, and the refused orders", async () => {
    await page.goto(`${opened!.server.origin}/reports/${donchian.id}`);
    await page.getByTestId("monte-carlo").waitFor({ timeout: 60_000 });
    for (const key of ["finalEquity", "sharpe", "numberOfTrades", "maxDrawdown"]) expect(await metric(key), key).toBe(shown(donchianCli.metrics[key]!));
    const summary = page.locator("[data-testid=warnings]").first();
    expect(await summary.locator("li").evaluateAll((items) => items.map((li) => li.getAttribute("data-code")))).toEqual(["FEW_MONTHS", "THIN_COST_MARGIN"]);
    expect(await summary.innerText()).toContain("(12 months < 24)");
    expect(await page.getByTestId("section-monthly").locator("[data-testid=warnings] li").count()).toBe(1);
    expect(await page.getByTestId("section-trades").locator("[data-testid=warnings]").isHidden()).toBe(true);
    expect(await page.getByTestId("rejections").getAttribute("data-count")).toBe(String(donchianCli.rejections.length));
    expect(donchianCli.rejections.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(ROOT, "test-output", "report-warnings.png"), fullPage: false });
  });

  it("lists every report on the index, with its key figures and a link", async () => {
    await page.goto(`${opened!.server.origin}/reports/`);
    await page.getByTestId("catalog").waitFor({ timeout: 30_000 });
    const ids = readdirSync(SPECS).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
    expect(await page.locator("[data-testid=catalog] tbody tr").count()).toBe(ids.length);
    const row = page.locator(`[data-testid=catalog] tr[data-id="${sma.id}"]`);
    expect(await row.locator("[data-metric=sharpe]").getAttribute("data-value")).toBe(shown(smaCli.metrics.sharpe!));
    expect(await page.locator("#observablehq-sidebar a", { hasText: /^Reports$/ }).count()).toBe(1);
    await row.locator("a[data-report]").click();
    await page.waitForURL(`**/reports/${sma.id}`);
    await page.getByTestId("report-title").waitFor();
    await page.goto(`${opened!.server.origin}/reports/`);
    await page.screenshot({ path: join(ROOT, "test-output", "report-index.png"), fullPage: true });
  });

  it("made no request outside 127.0.0.1", () => {
    const { browser, server } = opened!;
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.length).toBeGreaterThan(0);
    expect(browser.requests.filter((url) => !url.startsWith(server.origin))).toEqual([]);
  });
});
