/**
 * The three research notes (src/research/*.md) in the real built site, in Debian's Chromium with
 * every request outside 127.0.0.1 refused. Each note renders without an error cell, draws its
 * charts, and shows numbers that equal the same computation done here in Node on the same data:
 * a correlation and a volatility of the universe (directly on the Parquet read with readBars), a
 * grid cell, a cost rung and a period of the robustness study (runBacktest), and the blocked
 * orders of the risk note (runBacktest with the same risk config). A dropped CSV file becomes the
 * universe note's data; a bad one shows its problems and leaves the note as it was.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { barsBetween, type BarSeries } from "../../engine/bars.ts";
import { syntheticMarket, type SyntheticOptions } from "../../engine/data/synthetic.ts";
import { YEAR_MS } from "../../engine/metrics/inferPeriodsPerYear.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { riskRules, type RiskConfig } from "../../engine/risk/riskConfig.ts";
import { smaCrossover } from "../../strategies/index.ts";
import { writeSyntheticCsv } from "../../data-loaders/synthetic.ts";
import { BUILD_TIMEOUT_MS, ROOT, openBuiltSite, type OpenedSite } from "../helpers/builtSite.ts";

let opened: OpenedSite | undefined;
let dataDir = "";
let hourly: Record<string, BarSeries> = {};
let daily: Record<string, BarSeries> = {};
const pageErrors: string[] = [];
const SYMBOLS = ["SYN-A", "SYN-B", "SYN-C", "SYN-D"];

beforeAll(async () => {
  opened = await openBuiltSite("qw-research-", "/research/universe");
  const dailyFile = opened.site.files.find((f) => /^\/_file\/data\/sample-1d\.[0-9a-f]+\.parquet$/.test(f));
  if (!dailyFile) throw new Error("the build did not emit _file/data/sample-1d.*.parquet");
  for (const symbol of SYMBOLS) {
    hourly[symbol] = await readBars(opened.site.sampleParquet, { symbol });
    daily[symbol] = await readBars(join(opened.site.dir, dailyFile), { symbol });
  }
  dataDir = await mkdtemp(join(tmpdir(), "qw-research-data-"));
  await mkdir(join(ROOT, "test-output"), { recursive: true });
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await opened?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Opens another note in the same browser (its own page, errors collected). */
async function openNote(path: string): Promise<Page> {
  const page = await opened!.browser.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${opened!.server.origin}${path}`);
  return page;
}

// ---- the same numbers, computed directly in Node ----

/** Log returns close to close, keyed by the bar time of the later close. */
function logReturns(time: ArrayLike<number>, close: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 1; i < close.length; i++) out.set(time[i]!, Math.log(close[i]! / close[i - 1]!));
  return out;
}

/** Pearson's r of two return series over the times both have. */
function pearson(a: Map<number, number>, b: Map<number, number>): { rho: number; n: number } {
  const pairs = [...a].filter(([t]) => b.has(t)).map(([t, x]) => [x, b.get(t)!] as const);
  const n = pairs.length;
  const mx = pairs.reduce((s, [x]) => s + x, 0) / n, my = pairs.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (const [x, y] of pairs) { sxy += (x - mx) * (y - my); sxx += (x - mx) ** 2; syy += (y - my) ** 2; }
  return { rho: sxy / Math.sqrt(sxx * syy), n };
}

/** Annualised volatility: sample std of the log returns × √(bars per year), bars per year as the engine infers them. */
function annualVolatility(s: { time: ArrayLike<number>; close: ArrayLike<number> }): number {
  const r = [...logReturns(s.time, s.close).values()];
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
  const n = s.time.length;
  return sd * Math.sqrt((n - 1) / ((s.time[n - 1]! - s.time[0]!) / YEAR_MS));
}

/** Daily closes of hourly bars: the last close of each UTC day (what resampling to 1d gives). */
function dailyCloses(s: BarSeries): { time: number[]; close: number[] } {
  const byDay = new Map<number, number>();
  for (let i = 0; i < s.length; i++) byDay.set(Math.floor(s.time[i]! / 86_400_000) * 86_400_000, s.close[i]!);
  return { time: [...byDay.keys()], close: [...byDay.values()] };
}

const relativelyClose = (got: number, want: number, tolerance = 1e-12) => Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want));

async function correlationCell(page: Page, x: string, y: string): Promise<{ rho: number; n: number }> {
  const cell = page.locator(`[data-testid=correlation] rect[data-x='${x}'][data-y='${y}']`);
  return { rho: Number(await cell.getAttribute("data-value")), n: Number(await cell.getAttribute("data-n")) };
}

async function summaryValue(page: Page, symbol: string, column: string): Promise<number> {
  const row = page.locator("[data-testid=universe-summary] tbody tr").filter({ has: page.locator(`td[data-column=symbol][data-value='${symbol}']`) });
  return Number(await row.locator(`td[data-column=${column}]`).getAttribute("data-value"));
}

async function noErrorCells(page: Page): Promise<void> {
  expect(await page.locator(".observablehq--error").allInnerTexts()).toEqual([]);
}

describe("the research notes in Chromium (built site, network off)", () => {
  it("Returns and volatility: the summary, distributions, rolling volatility, correlations and cumulative returns of the hourly sample", async () => {
    const page = opened!.page;
    await page.locator("[data-testid=correlation] rect[data-value]").nth(15).waitFor({ timeout: 90_000 });
    await noErrorCells(page);
    // the sidebar lists the three notes
    expect(await page.locator("#observablehq-sidebar a[href='./universe'], #observablehq-sidebar a[href='./robustness'], #observablehq-sidebar a[href='./risk-rules']").count()).toBe(3);
    expect(await page.locator("[data-testid=universe-summary] tbody tr").count()).toBe(4);
    expect(await page.locator("[data-testid=histograms] .qw-histogram svg").count()).toBe(4);
    for (const id of ["rolling-vol", "correlation", "cumulative"]) expect(await page.locator(`[data-testid=${id}] svg`).count()).toBeGreaterThanOrEqual(1);

    // the correlation of SYN-A and SYN-B: DuckDB SQL in the page, a direct Pearson over the Parquet here
    const a = hourly["SYN-A"]!, b = hourly["SYN-B"]!;
    const ref = pearson(logReturns(a.time, a.close), logReturns(b.time, b.close));
    const shown = await correlationCell(page, "SYN-A", "SYN-B");
    expect(shown.n).toBe(ref.n);
    expect(relativelyClose(shown.rho, ref.rho), `${shown.rho} vs ${ref.rho}`).toBe(true);
    // the annualised volatility of SYN-A: Arquero in the page
    expect(relativelyClose(await summaryValue(page, "SYN-A", "annVol"), annualVolatility(a))).toBe(true);
    // the prose quotes the computed numbers
    const vols = SYMBOLS.map((symbol) => [symbol, annualVolatility(hourly[symbol]!)] as const).sort((x, y) => y[1] - x[1]);
    expect(await page.locator("#observablehq-main").innerText()).toContain(`The most volatile is ${vols[0]![0]} at ${(vols[0]![1] * 100).toFixed(1)} % a year`);
    await page.screenshot({ path: join(ROOT, "test-output", "research-universe.png"), fullPage: true });

    // daily bars: resampled by DuckDB in the data worker; the same correlation from the last close of each UTC day
    await page.getByTestId("timeframe").selectOption("1d");
    await expect.poll(async () => summaryValue(page, "SYN-A", "bars"), { timeout: 30_000 }).toBe(366);
    const da = dailyCloses(a), db = dailyCloses(b);
    const dref = pearson(logReturns(da.time, da.close), logReturns(db.time, db.close));
    await expect.poll(async () => (await correlationCell(page, "SYN-A", "SYN-B")).n, { timeout: 30_000 }).toBe(dref.n);
    expect(relativelyClose((await correlationCell(page, "SYN-A", "SYN-B")).rho, dref.rho)).toBe(true);
    expect(relativelyClose(await summaryValue(page, "SYN-A", "annVol"), annualVolatility(da))).toBe(true);

    // the rolling window is a reactive input
    await page.getByTestId("vol-window").fill("90");
    await expect.poll(() => page.locator("[data-testid=rolling-vol]").innerText(), { timeout: 30_000 }).toContain("90-day volatility");
    await noErrorCells(page);
  });

  it("Returns and volatility: a dropped CSV becomes the data; a bad one shows its problems and the note stays", async () => {
    const page = opened!.page;
    const options: SyntheticOptions = { seed: 7, symbols: ["AAA", "BBB", "CCC"], timeframe: "1d", start: Date.UTC(2020, 0, 1), bars: 500, correlation: 0.8 };
    const file = join(dataDir, "three.csv");
    await writeSyntheticCsv(file, options);
    await page.getByTestId("file-input").setInputFiles(file);
    await expect.poll(() => page.locator("[data-testid=universe-summary] td[data-column=symbol]").allInnerTexts(), { timeout: 60_000 }).toEqual(["AAA", "BBB", "CCC"]);
    const [aaa, , ccc] = syntheticMarket(options);
    const ref = pearson(logReturns(aaa!.time, aaa!.close), logReturns(ccc!.time, ccc!.close));
    await expect.poll(async () => (await correlationCell(page, "AAA", "CCC")).n, { timeout: 30_000 }).toBe(499);
    expect(relativelyClose((await correlationCell(page, "AAA", "CCC")).rho, ref.rho)).toBe(true);
    expect(relativelyClose(await summaryValue(page, "CCC", "annVol"), annualVolatility(ccc!))).toBe(true);
    expect(await page.getByTestId("summary").innerText()).toContain("three.csv");

    // a file with a bad row: its problems are listed, and the note keeps the last good data
    const bad = ["symbol,time,open,high,low,close,volume", "X,2024-01-01,10,11,9,10.5,100", "X,2024-01-02,10.5,11,10,oops,100", "X,2024-01-03,10,11,9,10,100"].join("\n");
    await page.getByTestId("file-input").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await expect.poll(() => page.getByTestId("validation").innerText(), { timeout: 30_000 }).toMatch(/✗ 1 error/);
    expect(await page.getByTestId("validation").innerText()).toContain('close is "oops" at row 3 of bad.csv');
    expect(await page.getByTestId("dataset-kept").innerText()).toBe("The note below still shows three.csv.");
    expect(await page.locator("[data-testid=universe-summary] td[data-column=symbol]").allInnerTexts()).toEqual(["AAA", "BBB", "CCC"]);
    await noErrorCells(page);
  });

  it("Strategy robustness: the grid, the cost ladder and the periods are runBacktest's numbers, and the verdict follows from them", async () => {
    const page = await openNote("/research/robustness");
    await expect.poll(() => page.getByTestId("verdict").getAttribute("data-tone"), { timeout: 180_000 }).toMatch(/^(good|mixed|poor)$/);
    await noErrorCells(page);
    expect(await page.getByTestId("study-status").innerText()).toBe("done");
    const bars = daily["SYN-A"]!;
    const run = (params: Record<string, number>, extra: Partial<Parameters<typeof runBacktest>[0]> = {}) =>
      runBacktest({ bars, strategy: smaCrossover, params, cash: 100_000, commission: 0.001, fill: { fillOnClose: false }, ...extra });

    // the grid: 5 × 5 values around the defaults; each cell's Sharpe is a lone runBacktest's, to the last digit
    const cells = page.locator("[data-testid=heatmap] rect[data-run]");
    expect(await cells.count()).toBe(25);
    const shown = await cells.evaluateAll((rects) => rects.map((r) => ({ fast: Number(r.getAttribute("data-x")), slow: Number(r.getAttribute("data-y")), value: r.getAttribute("data-value")!, error: r.getAttribute("data-error") })));
    let positive = 0, valid = 0;
    for (const c of shown) {
      if (c.fast >= c.slow) {
        expect(c.error).toMatch(/fast \(\d+\) must be shorter than slow/);
        continue;
      }
      const ref = run({ fast: c.fast, slow: c.slow });
      expect([c.fast, c.slow, c.value]).toEqual([c.fast, c.slow, String(ref.metrics.sharpe)]);
      valid++;
      if (ref.metrics.sharpe > 0) positive++;
    }
    // the verdict's share of the grid is the share computed here
    expect(await page.getByTestId("verdict").innerText()).toContain(`Across the grid, ${((positive / valid) * 100).toFixed(0)} % of ${valid} parameter sets have a positive Sharpe`);
    expect(await page.locator("[data-testid=grid-table] tbody tr").count()).toBe(valid);

    // a rung of the cost ladder: 50 bps of commission, and 50 bps of slippage
    const commission = await page.locator("[data-testid=cost-curve] circle[data-kind=commission][data-bps='50']").getAttribute("data-value");
    expect(commission).toBe(String(run({ fast: 10, slow: 30 }, { commission: 0.005 }).metrics.sharpe));
    expect(await page.locator("[data-testid=cost-curve] circle").count()).toBe(16);

    // a period alone: 2019, starting flat with fresh indicators
    const y2019 = run({ fast: 10, slow: 30 }, { bars: barsBetween(bars, Date.UTC(2019, 0, 1), Date.UTC(2020, 0, 1)) });
    expect(await page.locator("[data-testid=period-bars] rect[data-period='2019']").getAttribute("data-value")).toBe(String(y2019.metrics.totalReturn));
    expect(await page.locator("[data-testid=period-table] tbody tr").count()).toBe(10);

    // a click on a cell opens that run in full
    await page.locator("[data-testid=heatmap] rect[data-x='10'][data-y='30']").click();
    await expect.poll(() => page.locator("[data-testid=run-detail] td[data-metric=sharpe]").getAttribute("data-value"), { timeout: 30_000 })
      .toBe(String(run({ fast: 10, slow: 30 }).metrics.sharpe));
    await page.screenshot({ path: join(ROOT, "test-output", "research-robustness.png"), fullPage: true });

    // a bad value is refused with a message; the study shown stays
    await page.getByTestId("axis-x-values").fill("5, abc");
    await page.getByTestId("study-run").click();
    expect(await page.getByTestId("study-error").innerText()).toContain('values of fast: "abc" is not a number');
    expect(await cells.count()).toBe(25);
    await page.close();
  });

  it("Risk rules: the blocked orders, by code and on the charts, are runBacktest's with the same config", async () => {
    const page = await openNote("/research/risk-rules");
    await expect.poll(() => page.getByTestId("risk-status").innerText(), { timeout: 90_000 }).toMatch(/^done/);
    await noErrorCells(page);
    const bars = hourly["SYN-A"]!;
    const run = (risk?: RiskConfig) => runBacktest({ bars, strategy: smaCrossover, params: {}, cash: 100_000, commission: 0.001, fill: { fillOnClose: false }, risk: risk ? riskRules(risk) : undefined });
    const byCode = async () => Object.fromEntries(await page.locator("[data-testid=blocked-by-code] tbody tr").evaluateAll((rows) =>
      rows.map((r) => [r.querySelector("[data-column=code]")!.getAttribute("data-value"), Number(r.querySelector("[data-column=orders]")!.getAttribute("data-value"))])));
    const counts = (risk: RiskConfig) => {
      const out: Record<string, number> = {};
      for (const r of run(risk).rejections) if (r.source === "risk") out[r.code] = (out[r.code] ?? 0) + 1;
      return out;
    };

    const config = JSON.parse(await page.getByTestId("rules-config").innerText()) as RiskConfig;
    expect(config).toEqual({ maxOrderNotional: 110000, maxOrdersPerDay: 2, dailyLossStop: 0.025, drawdown: { haltAt: 0.2, resumeBelow: 0.1 } });
    const want = counts(config);
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(2);
    expect(await byCode()).toEqual(want);
    const total = Object.values(want).reduce((a, b) => a + b, 0);
    expect(await page.getByTestId("blocked-chart").getAttribute("data-markers")).toBe(String(total));
    expect(await page.locator("[data-testid=blocked-chart] svg path[data-code]").count()).toBe(total);
    expect(await page.locator("[data-testid=equity-overlay] svg").count()).toBeGreaterThanOrEqual(2);
    // the metrics side by side are those of the two runs
    const withRules = run(config), without = run();
    expect(await page.locator("[data-testid=compare-metrics] td[data-run='1'][data-metric=totalReturn]").getAttribute("data-value")).toBe(String(without.metrics.totalReturn));
    expect(await page.locator("[data-testid=compare-metrics] td[data-run='2'][data-metric=totalReturn]").getAttribute("data-value")).toBe(String(withRules.metrics.totalReturn));
    await page.screenshot({ path: join(ROOT, "test-output", "research-risk-rules.png"), fullPage: true });

    // bad JSON and an unknown key get a clear message; the runs shown stay
    await page.getByTestId("rules-json").fill("{oops");
    expect(await page.getByTestId("rules-error").innerText()).toMatch(/^more rules: not valid JSON/);
    await page.getByTestId("risk-run").click();
    await page.getByTestId("rules-json").fill('{"maxOrderNotionl": 5}');
    expect(await page.getByTestId("rules-error").innerText()).toMatch(/unknown key "maxOrderNotionl"/);
    expect(await byCode()).toEqual(want);

    // another config: one order a day and a price band
    await page.getByTestId("rules-json").fill('{"priceBand": 0.05}');
    await page.getByTestId("rule-maxOrdersPerDay").fill("1");
    await page.getByTestId("risk-run").click();
    const next = { ...config, maxOrdersPerDay: 1, priceBand: 0.05 };
    const wantNext = counts(next);
    await expect.poll(byCode, { timeout: 60_000 }).toEqual(wantNext);
    expect(wantNext).not.toEqual(want);
    await noErrorCells(page);
    await page.close();
  });

  it("made no request outside 127.0.0.1 and no page error", () => {
    expect(opened!.browser.blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
