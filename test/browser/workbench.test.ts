/**
 * The backtest workbench page (src/workbench.md) in the real built site, in Debian's Chromium
 * with every request outside 127.0.0.1 refused: a run in the backtest worker shows the same
 * metrics as runBacktest and the CLI in Node, on one symbol or two together; strategy code typed
 * into the page runs like a built-in, and when it throws mid-run the page names the strategy, the
 * callback and the bar and keeps the result so far; the page answers clicks while a run goes; a
 * bad file names its row; a long run can be canceled and followed by a new one.
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { resampleBars } from "../../data-loaders/resample.ts";
import { riskRules } from "../../engine/risk/riskConfig.ts";
import { runBacktest, type BacktestResult } from "../../engine/backtest.ts";
import { defineStrategy, type AnyStrategy } from "../../engine/strategy/defineStrategy.ts";
import { formatTime } from "../../engine/time.ts";
import { main as cli } from "../../engine/node/cli/backtest.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { writeBarsParquet } from "../../engine/node/writeBars.ts";
import { smaCrossover } from "../../strategies/index.ts";
import { resolveSettings } from "../../engine/node/hub/hubConfig.ts";
import { startHub } from "../../engine/node/hub/hubServer.ts";
import { tempRoot } from "../engine/report/reportRoot.ts";
import { createLogger } from "../../engine/node/live/logger.ts";
import { type Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, type OpenedSite } from "../helpers/builtSite.js";
import { type StaticServer } from "../helpers/serveStatic.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIG = 2_000_000;

let opened: OpenedSite | undefined;
let tmp = "";
let site = "";
let server: StaticServer;
let browser: Browser;
let page: Page;
let parquetPath = "";
let pageErrors: string[] = [];

/** `n` one-minute bars of one seeded synthetic symbol. */
function minuteBars(n: number) {
  return syntheticMarket({ seed: 7, symbols: ["BIG"], timeframe: "1m", bars: n })[0]!;
}

/** Ticks exactly `names` in the page's symbol picker. */
async function pickSymbols(names: readonly string[]) {
  const all = page.getByTestId("symbol-all");
  await all.check();
  await all.uncheck();
  for (const name of names) await page.getByTestId(`symbol-${name}`).check();
  expect(await page.getByTestId("symbols").getAttribute("data-selected")).toBe(names.join(","));
}

/** Strategy code as Node runs it: the same module text, imported from a data: URL. */
async function strategyFromSource(source: string): Promise<AnyStrategy> {
  const module = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { default: Parameters<typeof defineStrategy>[0] };
  return defineStrategy(module.default);
}

/** Every metric the page shows equals `ref`'s, to the last digit. */
async function expectMetrics(ref: BacktestResult) {
  const shown = await shownMetrics();
  expect(Object.keys(shown).length).toBeGreaterThan(10);
  for (const [key, value] of Object.entries(shown)) expect([key, value]).toEqual([key, String(ref.metrics[key as keyof typeof ref.metrics])]);
}

/** A custom strategy that trades every `every` bars, then throws on its `failAt`-th bar (line 12). */
const FLAKY = `export default {
  name: "flaky",
  description: "In and out every few bars, until it throws.",
  params: {
    every: { default: 24, min: 1, max: 1000, integer: true },
    failAt: { default: 3000, min: 1, max: 1000000, integer: true },
  },
  init: () => ({ n: 0 }),
  onBar(ctx, s) {
    s.n++;
    if (s.n % ctx.params.every === 0) ctx.orderTargetPercent(ctx.position > 0 ? 0 : 0.9);
    if (s.n === ctx.params.failAt) throw new Error("boom at bar " + s.n);
  },
};
`;
/** A custom strategy that never returns from its 100th bar: only Cancel ends its run. */
const ENDLESS = `export default {
  name: "endless",
  params: {},
  init: () => ({ n: 0 }),
  onBar(ctx, s) {
    if (++s.n === 100) for (;;) {}
  },
};
`;

/** The metrics the page shows, as `data-metric` → `data-value`. */
async function shownMetrics(): Promise<Record<string, string>> {
  return page.locator("[data-testid=metrics] td[data-metric]").evaluateAll((cells) =>
    Object.fromEntries(cells.map((c) => [c.getAttribute("data-metric")!, c.getAttribute("data-value")!])));
}

beforeAll(async () => {
  opened = await openBuiltSite("qw-workbench-", "/workbench");
  ({ tmp, server, browser, page, pageErrors } = opened);
  site = opened.site.dir;
  parquetPath = opened.site.sampleParquet;
  await page.locator("[data-testid=symbol-SYN-A]").waitFor({ state: "attached", timeout: 60_000 });
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
});

describe("the backtest workbench in Chromium (built site, network off)", () => {
  it("is in the sidebar, with a form generated from the strategy's schema", async () => {
    expect(await page.locator("#observablehq-sidebar a[href$='workbench']").count()).toBe(1);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    const fast = page.getByTestId("param-fast");
    expect(await fast.evaluate((e: HTMLInputElement) => [e.type, e.value, e.min, e.max, e.step])).toEqual(["number", "10", "2", "200", "1"]);
    expect(await page.getByTestId("param-slow").inputValue()).toBe("30");
  });

  it("runs sma-crossover on the sample in the worker and shows the metrics runBacktest and the CLI give in Node", async () => {
    await pickSymbols(["SYN-A"]);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("cash").fill("100000");
    await page.getByTestId("commission").fill("0.001");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
    const shown = await shownMetrics();

    const bars = await readBars(parquetPath, { symbol: "SYN-A" });
    const ref = runBacktest({ bars, strategy: smaCrossover, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
    expect(ref.metrics.numberOfTrades).toBeGreaterThan(5);
    expect(Object.keys(shown).length).toBeGreaterThan(10);
    for (const [key, value] of Object.entries(shown)) expect([key, value]).toEqual([key, String(ref.metrics[key as keyof typeof ref.metrics])]);

    // the CLI on the same bars (one symbol per file: written out as SYN-A's own Parquet)
    const one = join(tmp, "SYN-A.parquet");
    const out = join(tmp, "cli.json");
    await writeBarsParquet(one, bars);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await cli(["--data", one, "--strategy", "sma-crossover", "--cash", "100000", "--commission", "0.001", "--json", out, "--quiet"])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const json = JSON.parse(await readFile(out, "utf8")) as { metrics: Record<string, number>; trades: unknown[] };
    expect(Number(shown.finalEquity)).toBe(json.metrics.finalEquity);
    expect(Number(shown.numberOfTrades)).toBe(json.metrics.numberOfTrades);
    expect(Number(shown.numberOfTrades)).toBe(json.trades.length);
    expect(Number(shown.sharpe)).toBe(json.metrics.sharpe);

    await expect(page.getByTestId("result-summary").getAttribute("data-bars")).resolves.toBe(String(bars.length));
    const rows = await page.locator("[data-testid=trades] tbody tr").count();
    expect(rows).toBe(Math.min(200, ref.trades.length));
    expect(await page.locator("[data-testid=equity-chart] svg").count()).toBe(2);
    // sorting by net PnL puts the worst trade first
    await page.locator("[data-testid=trades] th", { hasText: "Net PnL" }).click();
    const firstPnl = await page.locator("[data-testid=trades] tbody tr:first-child td:nth-child(9)").innerText();
    const worst = Math.min(...ref.trades.slice(0, 200).map((t) => t.netPnl));
    expect(Number(firstPnl.replace(/,/g, ""))).toBeCloseTo(worst, 2);
    // one symbol: no per-symbol table, no symbol selector on the chart
    expect(await page.getByTestId("per-symbol").count()).toBe(0);
    expect(await page.getByTestId("candles-symbol").count()).toBe(0);
  });

  it("shows a parameter error clearly and stays usable", async () => {
    await page.getByTestId("param-fast").fill("50");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText()).toBe("failed");
    await expect(page.getByTestId("run-error").first().innerText()).resolves.toMatch(/fast \(50\) must be shorter than slow \(30\)/);
    await page.getByTestId("param-fast").fill("10");
    expect(await page.getByTestId("run").isEnabled()).toBe(true);
  });

  it("runs two symbols on one timeline: the metrics are runBacktest's in Node on the same two series, and results show per symbol", async () => {
    await pickSymbols(["SYN-A", "SYN-B"]);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("param-fast").fill("10");
    await page.getByTestId("param-slow").fill("30");
    await page.getByTestId("param-allocation").fill("0.5");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);

    const a = await readBars(parquetPath, { symbol: "SYN-A" });
    const b = await readBars(parquetPath, { symbol: "SYN-B" });
    const ref = runBacktest({ bars: [a, b], strategy: smaCrossover, params: { fast: 10, slow: 30, allocation: 0.5 }, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
    expect(ref.symbols).toEqual(["SYN-A", "SYN-B"]);
    await expectMetrics(ref);
    await expect(page.getByTestId("result-summary").innerText()).resolves.toMatch(/on SYN-A, SYN-B · 17,568 bars/);
    await expect(page.getByTestId("result-summary").getAttribute("data-bars")).resolves.toBe(String(a.length + b.length));

    // per symbol: each symbol's closed trades and net PnL, as Node's trades give them
    for (const symbol of ["SYN-A", "SYN-B"]) {
      const mine = ref.trades.filter((t) => t.symbol === symbol);
      expect(mine.length).toBeGreaterThan(5);
      const cell = (key: string) => page.locator(`[data-testid=per-symbol] td[data-symbol='${symbol}'][data-key='${key}']`).getAttribute("data-value");
      expect(await cell("trades")).toBe(String(mine.length));
      expect(Number(await cell("netPnl"))).toBeCloseTo(mine.reduce((s, t) => s + t.netPnl, 0), 6);
    }
    // the trade list names each trade's symbol, in the engine's order
    const listed = await page.locator("[data-testid=trades] tbody tr td:nth-child(2)").allInnerTexts();
    expect(listed).toEqual(ref.trades.slice(0, 200).map((t) => t.symbol));
    expect(new Set(listed)).toEqual(new Set(["SYN-A", "SYN-B"]));

    // the candlestick chart switches between the run's symbols and marks each one's own trades
    const chart = page.getByTestId("candlestick");
    await chart.waitFor({ timeout: 20_000 });
    expect(await page.locator("[data-testid=candles-symbol] option").allInnerTexts()).toEqual(["SYN-A", "SYN-B"]);
    await page.getByTestId("candles-symbol").selectOption("SYN-B");
    await expect.poll(() => page.locator("[data-testid=candlestick] .qw-candles-caption").innerText()).toMatch(/^SYN-B: bars/);
    const from = Number(await chart.getAttribute("data-from")), to = Number(await chart.getAttribute("data-to"));
    expect(to).toBe(b.time[b.length - 1]);
    const bTrades = ref.trades.filter((t) => t.symbol === "SYN-B");
    expect(await chart.getAttribute("data-entries")).toBe(String(bTrades.filter((t) => t.entryTimeMs >= from && t.entryTimeMs <= to).length));
    // a click on a SYN-A trade brings SYN-A back, around that trade
    const k = ref.trades.findIndex((t) => t.symbol === "SYN-A");
    await page.locator("[data-testid=trades] tbody tr").nth(k).click();
    await expect.poll(() => page.locator("[data-testid=candlestick] .qw-candles-caption").innerText()).toMatch(/^SYN-A: bars/);
    expect(await page.getByTestId("candles-symbol").inputValue()).toBe("SYN-A");
    expect(Number(await page.getByTestId("candlestick").getAttribute("data-from"))).toBeLessThanOrEqual(ref.trades[k]!.entryTimeMs);
    await page.getByTestId("candles-symbol").selectOption("SYN-B");
    await expect.poll(() => page.locator("[data-testid=candlestick] .qw-candles-caption").innerText()).toMatch(/^SYN-B: bars/);

    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "workbench.png"), fullPage: true });
  });

  it("runs strategy code that throws mid-run: names the strategy, the callback and the bar, keeps the result so far and the earlier runs; a new run then completes", async () => {
    const runsBefore = await page.locator("[data-testid=runs] tbody tr").count();
    expect(runsBefore).toBeGreaterThanOrEqual(2);
    await pickSymbols(["SYN-A"]);
    await page.getByTestId("strategy").selectOption("(custom)");
    const code = page.getByTestId("strategy-code");
    expect(await code.isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId("code-status").innerText()).toMatch(/^✓ close-above-sma: 2 parameters/); // the example
    await code.fill(FLAKY);
    await code.blur();
    await expect.poll(() => page.getByTestId("code-status").innerText()).toBe("✓ flaky: 2 parameters · In and out every few bars, until it throws.");
    // the form comes from the code's schema
    expect(await page.getByTestId("param-every").inputValue()).toBe("24");
    expect(await page.getByTestId("param-failAt").inputValue()).toBe("3000");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toBe("stopped by an error");

    const bars = await readBars(parquetPath, { symbol: "SYN-A" });
    const flaky = await strategyFromSource(FLAKY);
    const ref = runBacktest({ bars, strategy: flaky, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
    expect(ref.error?.code).toBe("STRATEGY_THREW");
    expect(ref.error?.message).toBe(`strategy "flaky" onBar threw on the SYN-A bar of ${formatTime(bars.time[2999]!)}: boom at bar 3000`);
    expect(ref.trades.length).toBeGreaterThan(20);
    const shownError = await page.getByTestId("run-error").innerText();
    expect(shownError).toContain("The run stopped (STRATEGY_THREW)");
    expect(shownError).toContain(`${ref.error!.message} (line 12, column`); // and where in the code
    // the result so far: up to and including the failing bar
    await expect(page.getByTestId("result-summary").getAttribute("data-bars")).resolves.toBe("3000");
    expect(ref.barsProcessed).toBe(3000);
    await expectMetrics(ref);
    expect(await page.locator("[data-testid=equity-chart] svg").count()).toBe(2);
    expect(await page.locator("[data-testid=trades] tbody tr").count()).toBe(Math.min(200, ref.trades.length));
    // the candlesticks end where the run stopped
    await page.getByTestId("candlestick").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("candlestick").getAttribute("data-to")).toBe(String(bars.time[2999]));
    // the stopped run is not added; the earlier runs are kept
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(runsBefore);
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "workbench-custom.png"), fullPage: true });

    // the same code with failAt beyond the data: the run completes and joins the runs
    await page.getByTestId("param-failAt").fill("1000000");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
    const full = runBacktest({ bars, strategy: flaky, params: { failAt: 1_000_000 }, cash: 100_000, commission: 0.001 });
    expect(full.error).toBeUndefined();
    await expectMetrics(full);
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(runsBefore + 1);
    await expect(page.locator("[data-testid=runs] tbody tr").last().innerText()).resolves.toContain("flaky every=24 failAt=1000000 · SYN-A");
  });

  it("says where a syntax error in the code is, and stays usable", async () => {
    const before = await page.getByTestId("result-summary").innerText();
    const broken = FLAKY.replace("s.n++;", "s.n++ +;");
    await page.getByTestId("strategy-code").fill(broken);
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText()).toBe("failed");
    const shown = await page.getByTestId("run-error").first().innerText();
    expect(shown).toMatch(/^Strategy code: the strategy code does not load: SyntaxError: Unexpected token ';' \(line 10, column \d+\)$/);
    await expect(page.getByTestId("code-status").innerText()).resolves.toMatch(/^✗ the strategy code does not load: SyntaxError/);
    await expect(page.getByTestId("result-summary").innerText()).resolves.toBe(before);
    // a module without a default export says so
    await page.getByTestId("strategy-code").fill("export const strategy = {};\n");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-error").first().innerText()).toMatch(/must end with "export default \{ name, params, init, onBar \}"; its default export is missing/);
    await page.getByTestId("strategy-code").fill(FLAKY);
    await page.getByTestId("strategy-code").blur();
    await expect.poll(() => page.getByTestId("code-status").innerText()).toMatch(/^✓ flaky/);
    expect(await page.getByTestId("run").isEnabled()).toBe(true);
  });

  it("answers clicks while a run goes: another symbol's chart is drawn and the trades sorted before the run ends; Cancel stops it", async () => {
    // a finished two-symbol run on the page, then a run that cannot end by itself
    await pickSymbols(["SYN-A", "SYN-B"]);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
    await page.getByTestId("candlestick").waitFor({ timeout: 20_000 });
    const before = await page.getByTestId("result-summary").innerText();
    await page.getByTestId("strategy").selectOption("(custom)");
    await page.getByTestId("strategy-code").fill(ENDLESS);
    await page.getByTestId("strategy-code").blur();
    await expect.poll(() => page.getByTestId("code-status").innerText()).toMatch(/^✓ endless/);
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText()).toBe("running…");
    expect(await page.getByTestId("cancel").isEnabled()).toBe(true);

    // while the worker spins: switch the chart to SYN-A (bars fetched and drawn) and sort the trades
    const other = (await page.getByTestId("candles-symbol").inputValue()) === "SYN-A" ? "SYN-B" : "SYN-A";
    await page.getByTestId("candles-symbol").selectOption(other);
    await expect.poll(() => page.locator("[data-testid=candlestick] .qw-candles-caption").innerText()).toMatch(new RegExp(`^${other}: bars`));
    await page.locator("[data-testid=trades] th", { hasText: "Net PnL" }).click();
    await expect.poll(() => page.locator("[data-testid=trades] th[aria-sort]").innerText()).toBe("Net PnL");
    // …all handled before the run ended (it never ends by itself)
    expect(await page.getByTestId("run-status").innerText()).toBe("running…");
    expect(await page.getByTestId("cancel").isEnabled()).toBe(true);

    await page.getByTestId("cancel").click();
    await expect.poll(() => page.getByTestId("run-status").innerText()).toBe("canceled");
    await expect(page.getByTestId("result-summary").innerText()).resolves.toBe(before);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
  });

  it("runs on a coarser timeframe resampled by DuckDB and lists the orders the risk rules refused, as runBacktest does in Node", async () => {
    await pickSymbols(["SYN-A"]);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("timeframe").selectOption("4h");
    await page.locator("details.qw-risk summary").click();
    await page.getByTestId("risk").fill(JSON.stringify({ maxOrdersPerDay: 1 }));
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
    const shown = await shownMetrics();
    const bars = await resampleBars(await readBars(parquetPath, { symbol: "SYN-A" }), "4h");
    const ref = runBacktest({ bars, strategy: smaCrossover, cash: 100_000, commission: 0.001, risk: riskRules({ maxOrdersPerDay: 1 }) });
    expect(ref.rejections.length).toBeGreaterThan(0);
    expect(Number(shown.finalEquity)).toBe(ref.metrics.finalEquity);
    expect(Number(shown.numberOfTrades)).toBe(ref.metrics.numberOfTrades);
    await expect(page.getByTestId("result-summary").getAttribute("data-bars")).resolves.toBe(String(bars.length));
    await expect(page.getByTestId("rejections").getAttribute("data-count")).resolves.toBe(String(ref.rejections.length));
    const codes = await page.locator("[data-testid=rejections-by-code] td[data-column=code]").allInnerTexts();
    expect(codes).toEqual([...new Set(ref.rejections.map((r) => r.code))]);
    await page.getByTestId("timeframe").selectOption("");
    await page.getByTestId("risk").fill("");
  });

  it("shows a dropped CSV's bad row by its line, and keeps the page usable", async () => {
    const csv = ["time,open,high,low,close,volume", "2024-01-01T00:00:00Z,1,2,0.5,1.5,10", "2024-01-01T01:00:00Z,1.5,2,1,oops,10",
      "2024-01-01T02:00:00Z,1.75,2,1.5,1.8,10"].join("\n");
    await page.getByTestId("file-input").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    const report = page.getByTestId("validation");
    await expect.poll(() => report.innerText(), { timeout: 20_000 }).toContain("✗ 1 error in 3 rows");
    await expect(page.locator("[data-testid=validation] tbody tr").first().innerText()).resolves.toMatch(/^3\tclose\tBAD_NUMBER\toops\tclose is "oops" at row 3 of bad\.csv/);
    expect(await page.getByTestId("run").isDisabled()).toBe(true);
    // the earlier results stay on the page
    expect(await page.locator("[data-testid=metrics]").count()).toBe(1);
  });

  it("cancels a long run (2,000,000 bars), says so, keeps the earlier results, and then runs again", async () => {
    const file = join(tmp, "big.parquet");
    await writeBarsParquet(file, minuteBars(BIG));
    await page.getByTestId("file-input").setInputFiles(file);
    await expect.poll(() => page.getByTestId("summary").innerText(), { timeout: 60_000 }).toContain("2,000,000 rows");
    expect(await page.getByTestId("run").isEnabled()).toBe(true);
    const before = await page.getByTestId("result-summary").innerText();
    // cancel from inside the page at the first progress report: no race with a fast engine
    await page.evaluate(`window.__canceledAt = new Promise((resolve) => {
      const progress = document.querySelector("[data-testid=progress]");
      const observer = new MutationObserver(() => {
        if (progress.value > 0 && progress.value < 1) {
          observer.disconnect();
          const at = progress.value;
          document.querySelector("[data-testid=cancel]").click();
          resolve(at);
        }
      });
      observer.observe(progress, { attributes: true });
    }); undefined`);
    await page.getByTestId("run").click();
    const at = await page.evaluate("window.__canceledAt") as number;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(1);
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 10_000 }).toBe("canceled");
    await expect(page.getByTestId("result-summary").innerText()).resolves.toBe(before);
    expect(await page.getByTestId("cancel").isDisabled()).toBe(true);

    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 60_000 }).toMatch(/^done in/);
    await expect(page.getByTestId("result-summary").getAttribute("data-bars")).resolves.toBe(String(BIG));
    expect(Number((await shownMetrics()).numberOfTrades)).toBeGreaterThan(1000);
  }, 120_000);

  it("publishes a run through the hub: the report spec is written for the next build", async () => {
    const project = tempRoot();
    const root = project.dir;
    const token = "alice-token-0123456789abcdef";
    const settings = resolveSettings({ env: { QW_HUB_TOKENS: `alice:write:${token}` }, dataDir: join(tmp, "hub-data"), notebooksDir: join(tmp, "notebooks"), port: 0, cwd: tmp });
    const hub = await startHub({ ...settings, reportsRoot: root }, { log: createLogger({ sink: () => {} }) });
    try {
      await page.evaluate(([hubUrl, t]) => localStorage.setItem("qw-collab", JSON.stringify({ hubUrl, token: t, user: { name: "alice", color: "#2563eb" } })), [hub.wsUrl, token]);
      await page.getByTestId("load-sample").click();
      await page.locator("[data-testid=symbol-SYN-A]").waitFor({ timeout: 30_000 });
      await pickSymbols(["SYN-A"]);
      await page.getByTestId("strategy").selectOption("sma-crossover");
      await page.getByTestId("run").click();
      await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 30_000 }).toMatch(/^done in/);
      await page.getByTestId("publish-title").fill("SMA crossover on SYN-A");
      await page.getByTestId("publish").click();
      await expect.poll(() => page.getByTestId("publish-status").innerText(), { timeout: 60_000 }).not.toMatch(/^publishing/);
      expect(await page.getByTestId("publish-status").innerText()).toMatch(/^Published/);
      const path = await page.getByTestId("publish-link").innerText();
      expect(path).toMatch(/^\/reports\/[0-9a-f]{12}$/);
      const spec = JSON.parse(await readFile(join(root, "src", "reports", "specs", `${path.slice("/reports/".length)}.json`), "utf8"));
      expect(spec).toMatchObject({ title: "SMA crossover on SYN-A", dataset: "sample-1h", symbols: ["SYN-A"], strategy: "sma-crossover" });
    } finally {
      await hub.close();
      project.close();
    }
  }, 120_000);

  it("lists on the home page the datasets at hand, links to every page, and the runs made in this browser", async () => {
    const home = await browser.context.newPage();
    try {
      await home.goto(new URL("/", page.url()).href);
      await home.getByTestId("recent-runs").waitFor({ timeout: 30_000 });
      const runs = await home.locator("[data-testid=recent-runs] tbody tr").allInnerTexts();
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.some((r) => r.includes("sma-crossover") && r.includes("SYN-A, SYN-B"))).toBe(true);
      expect(await home.locator("[data-testid=datasets] tbody tr").count()).toBe(3);
      const links = await home.locator("main a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      for (const path of ["./workbench", "./sweep", "./walk-forward", "./research/universe", "./research/robustness", "./research/risk-rules", "./data"]) {
        expect(links).toContain(path);
      }
    } finally {
      await home.close();
    }
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(browser.blocked).toEqual([]);
    // the site's own origin, and the hub the publish test started (another port of 127.0.0.1)
    expect(browser.requests.filter((url) => !url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url) && !/^http:\/\/127\.0\.0\.1:\d+\/api\/reports$/.test(url))).toEqual([]);
    expect(server.log.filter((line) => !line.startsWith("200 ") && !line.endsWith("/favicon.ico"))).toEqual([]);
    expect(server.log.some((line) => /^200 \/_import\/components\/backtest\.worker\.[0-9a-f]+\.js$/.test(line))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
