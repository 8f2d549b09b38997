/**
 * The Backtest page's session runs and candlestick chart, in the real built site in Chromium
 * with the network off: two runs with different parameters both land in the Runs list; ticking
 * both overlays two equity lines and shows their metrics side by side, each equal to
 * runBacktest's in Node; the candlestick chart marks exactly the entries and exits in its window.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest, type BacktestResult } from "../../engine/backtest.ts";
import type { BarSeries } from "../../engine/bars.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { smaCrossover } from "../../strategies/index.ts";
import { type Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, ROOT, type OpenedSite } from "../helpers/builtSite.js";
import { type StaticServer } from "../helpers/serveStatic.ts";

let opened: OpenedSite | undefined;
let tmp = "";
let server: StaticServer;
let browser: Browser;
let page: Page;
let bars: BarSeries;
let pageErrors: string[] = [];
const RUNS = [{ fast: 10, slow: 30 }, { fast: 5, slow: 20 }] as const;
const refs: BacktestResult[] = [];

beforeAll(async () => {
  opened = await openBuiltSite("qw-compare-", "/workbench");
  ({ tmp, server, browser, page, pageErrors } = opened);
  bars = await readBars(opened.site.sampleParquet, { symbol: "SYN-A" });
  for (const params of RUNS) refs.push(runBacktest({ bars, strategy: smaCrossover, params, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } }));
  await page.locator("[data-testid=symbol-SYN-A]").waitFor({ state: "attached", timeout: 60_000 });
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
});

/** The entries and exits of `trades` (of SYN-A) whose times fall in the chart's window. */
async function expectedMarks(trades: BacktestResult["trades"]) {
  const chart = page.getByTestId("candlestick");
  const from = Number(await chart.getAttribute("data-from"));
  const to = Number(await chart.getAttribute("data-to"));
  expect(to).toBeGreaterThan(from);
  return {
    entries: trades.filter((t) => t.entryTimeMs >= from && t.entryTimeMs <= to).length,
    exits: trades.filter((t) => t.exitTimeMs >= from && t.exitTimeMs <= to).length,
  };
}
const drawnMarks = async () => ({
  entries: await page.locator("[data-testid=candlestick] g.qw-entry > *").count(),
  exits: await page.locator("[data-testid=candlestick] g.qw-exit > *").count(),
});

describe("session runs, comparison and candlesticks on the Backtest page (built site, network off)", () => {
  it("keeps both runs of different parameters in the Runs list", async () => {
    // the sample's first symbol is ticked by default
    expect(await page.getByTestId("symbols").getAttribute("data-selected")).toBe("SYN-A");
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("cash").fill("100000");
    await page.getByTestId("commission").fill("0.001");
    for (const [k, params] of RUNS.entries()) {
      await page.getByTestId("param-fast").fill(String(params.fast));
      await page.getByTestId("param-slow").fill(String(params.slow));
      await page.getByTestId("run").click();
      await expect.poll(() => page.locator("[data-testid=runs] tbody tr").count(), { timeout: 30_000 }).toBe(k + 1);
      await expect.poll(() => page.getByTestId("run-status").innerText()).toMatch(/^done in/);
    }
    const labels = await page.locator("[data-testid=runs] tbody td.qw-run-label").allInnerTexts();
    expect(labels).toEqual(refs.map((r) => `sma-crossover ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ")} · SYN-A`));
    expect(labels[0]).toMatch(/fast=10 slow=30/);
    expect(labels[1]).toMatch(/fast=5 slow=20/);
    expect(await page.getByTestId("compare").innerText()).toMatch(/Tick two or more runs/);
  });

  it("ticking both shows two equity lines and their metrics side by side, equal to runBacktest's", async () => {
    await page.getByTestId("run-check-1").check();
    await page.getByTestId("run-check-2").check();
    expect(await page.locator("[data-testid=compare-chart] g.qw-equity path").count()).toBe(2);
    expect(await page.locator("[data-testid=compare-metrics] thead th[data-run]").count()).toBe(2);
    const cells = await page.locator("[data-testid=compare-metrics] td[data-metric]").evaluateAll((tds) =>
      tds.map((c) => [c.getAttribute("data-run")!, c.getAttribute("data-metric")!, c.getAttribute("data-value")!] as const));
    expect(cells.length).toBeGreaterThan(20);
    for (const [run, key, value] of cells) {
      const ref = refs[Number(run) - 1]!;
      expect([run, key, value]).toEqual([run, key, String(ref.metrics[key as keyof typeof ref.metrics])]);
    }
    expect(refs[0]!.metrics.finalEquity).not.toBe(refs[1]!.metrics.finalEquity);
    // unticking one leaves a single run: no comparison
    await page.getByTestId("run-check-2").uncheck();
    expect(await page.getByTestId("compare-chart").count()).toBe(0);
    await page.getByTestId("run-check-2").check();
    expect(await page.locator("[data-testid=compare-chart] g.qw-equity path").count()).toBe(2);
  });

  it("the candlestick chart marks exactly the entries and exits of the trades in its window", async () => {
    const last = refs[1]!; // the page shows the latest run
    const chart = page.getByTestId("candlestick");
    await chart.waitFor({ timeout: 20_000 });
    expect(await chart.getAttribute("data-candles")).toBe(String(Math.min(200, bars.length)));
    expect(Number(await chart.getAttribute("data-to"))).toBe(bars.time[bars.length - 1]);
    let want = await expectedMarks(last.trades);
    expect(await drawnMarks()).toEqual(want);
    expect([await chart.getAttribute("data-entries"), await chart.getAttribute("data-exits")]).toEqual([String(want.entries), String(want.exits)]);
    expect(await page.locator("[data-testid=candlestick] g.qw-body > *").count()).toBe(200);

    // a click on a trade row shows the bars around that trade: its own entry and exit included
    const k = Math.floor(Math.min(200, last.trades.length) / 2);
    await page.locator("[data-testid=trades] tbody tr").nth(k).click();
    const trade = last.trades[k]!;
    await expect.poll(async () => Number(await page.getByTestId("candlestick").getAttribute("data-from"))).toBeLessThanOrEqual(trade.entryTimeMs);
    expect(Number(await page.getByTestId("candlestick").getAttribute("data-to"))).toBeGreaterThanOrEqual(trade.exitTimeMs);
    want = await expectedMarks(last.trades);
    expect(want.entries).toBeGreaterThan(0);
    expect(want.exits).toBeGreaterThan(0);
    expect(await drawnMarks()).toEqual(want);
    const titles = await page.locator("[data-testid=candlestick] g.qw-entry title").allTextContents();
    expect(titles.some((t) => t.startsWith(`Trade #${k + 1} · ${trade.direction} entry`) && t.includes("net PnL"))).toBe(true);

    // a longer window is capped and still marks exactly its trades
    await page.getByTestId("candles-last").fill("800");
    await page.getByTestId("candles-last").dispatchEvent("change");
    await expect.poll(() => page.getByTestId("candlestick").getAttribute("data-candles")).toBe(String(Math.min(800, bars.length)));
    expect(await drawnMarks()).toEqual(await expectedMarks(last.trades));
    await page.getByTestId("candles-last").fill("200");
    await page.getByTestId("candles-last").dispatchEvent("change");

    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "workbench-compare.png"), fullPage: true });
    await page.getByTestId("candles-slot").screenshot({ path: join(ROOT, "test-output", "workbench-candles.png") });
  });

  it("clears the runs", async () => {
    await page.getByTestId("runs-clear").click();
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(0);
    expect(await page.getByTestId("compare-chart").count()).toBe(0);
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.filter((url) => !url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
