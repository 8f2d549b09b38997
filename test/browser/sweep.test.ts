/**
 * The Sweep page (src/sweep.md) in the real built site, in Debian's Chromium with every request
 * outside 127.0.0.1 refused: a 3 × 3 grid of sma-crossover on the sample runs over several
 * workers, its heatmap cells hold the metrics runBacktest gives in Node for their params,
 * clicking a cell opens that run; a choice parameter × a numeric one over two symbols puts the
 * choices on an axis, each cell again equal to Node; a long sweep can be canceled.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import type { BarSeries } from "../../engine/bars.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { bollingerMeanReversion, grid, smaCrossover } from "../../strategies/index.ts";
import { type Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, type OpenedSite } from "../helpers/builtSite.js";
import { type StaticServer } from "../helpers/serveStatic.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

let opened: OpenedSite | undefined;
let tmp = "";
let site = "";
let server: StaticServer;
let browser: Browser;
let page: Page;
let bars: BarSeries;
let pageErrors: string[] = [];

beforeAll(async () => {
  opened = await openBuiltSite("qw-sweep-", "/sweep");
  ({ tmp, server, browser, page, pageErrors } = opened);
  site = opened.site.dir;
  bars = await readBars(opened.site.sampleParquet, { symbol: "SYN-A" });
  await page.locator("[data-testid=symbol-SYN-A]").waitFor({ state: "attached", timeout: 60_000 });
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
});

/** Ticks exactly `names` in the page's symbol picker. */
async function pickSymbols(names: readonly string[]) {
  await page.getByTestId("symbol-all").check();
  await page.getByTestId("symbol-all").uncheck();
  for (const name of names) await page.getByTestId(`symbol-${name}`).check();
  expect(await page.getByTestId("symbols").getAttribute("data-selected")).toBe(names.join(","));
}

async function setAxis(key: "x" | "y", param: string, from: number, to: number, step: number) {
  await page.getByTestId(`sweep-${key}-param`).selectOption(param);
  await page.getByTestId(`sweep-${key}-from`).fill(String(from));
  await page.getByTestId(`sweep-${key}-to`).fill(String(to));
  await page.getByTestId(`sweep-${key}-step`).fill(String(step));
}

describe("the sweep page in Chromium (built site, network off)", () => {
  it("is in the sidebar, with axes defaulting from the strategy's schema", async () => {
    expect(await page.locator("#observablehq-sidebar a[href$='sweep']").count()).toBe(1);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await page.getByTestId("strategy").selectOption("sma-crossover");
    expect(await page.getByTestId("sweep-x-param").inputValue()).toBe("fast");
    expect(await page.getByTestId("sweep-y-param").inputValue()).toBe("slow");
    expect(await page.getByTestId("param-fast").isDisabled()).toBe(true); // swept: its value comes from the axis
  });

  it("runs a 3 × 3 grid over several workers; each cell is runBacktest's metric in Node; a click opens the run", async () => {
    await pickSymbols(["SYN-A"]);
    await page.getByTestId("sweep-mode").selectOption("grid");
    await setAxis("x", "fast", 5, 15, 5);
    await setAxis("y", "slow", 20, 40, 10);
    await page.getByTestId("sweep-workers").fill("3");
    await page.getByTestId("sweep-metric").selectOption("sharpe");
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 60_000 }).toMatch(/^9 runs in [\d,]+ ms on 3 workers$/);

    const cells = page.locator("[data-testid=heatmap] rect[data-run]");
    expect(await cells.count()).toBe(9);
    expect(await page.getByTestId("heatmap").getAttribute("data-kind")).toBe("grid");
    const shown = await cells.evaluateAll((rects) => rects.map((r) => ({ x: Number(r.getAttribute("data-x")), y: Number(r.getAttribute("data-y")), value: r.getAttribute("data-value")! })));
    expect(shown.map((c) => `${c.x}/${c.y}`).sort()).toEqual(["10/20", "10/30", "10/40", "15/20", "15/30", "15/40", "5/20", "5/30", "5/40"]);
    // every cell equals a lone runBacktest of its params in Node (deterministic engine), to the last digit
    for (const c of shown) {
      const ref = runBacktest({ bars, strategy: smaCrossover, params: { fast: c.x, slow: c.y }, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
      expect([c.x, c.y, c.value]).toEqual([c.x, c.y, String(ref.metrics.sharpe)]);
    }
    // the values are written in the cells of a small grid, with a legend
    expect(await page.locator("[data-testid=heatmap] text").count()).toBeGreaterThanOrEqual(9);
    expect(await page.locator("[data-testid=heatmap] svg").count()).toBeGreaterThanOrEqual(2);

    // switching the metric redraws without rerunning
    await page.getByTestId("sweep-metric").selectOption("totalReturn");
    const cell = page.locator("[data-testid=heatmap] rect[data-x='10'][data-y='30']");
    const ref = runBacktest({ bars, strategy: smaCrossover, params: { fast: 10, slow: 30 }, cash: 100_000, commission: 0.001 });
    expect(await cell.getAttribute("data-value")).toBe(String(ref.metrics.totalReturn));

    await cell.click();
    await expect.poll(() => page.locator("[data-testid=run-detail] [data-testid=result-summary]").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId("result-summary").innerText()).toMatch(/fast=10 slow=30/);
    const metrics = await page.locator("[data-testid=run-detail] td[data-metric]").evaluateAll((tds) =>
      Object.fromEntries(tds.map((td) => [td.getAttribute("data-metric")!, td.getAttribute("data-value")!])));
    expect(metrics.totalReturn).toBe(String(ref.metrics.totalReturn));
    expect(metrics.sharpe).toBe(String(ref.metrics.sharpe));
    expect(metrics.numberOfTrades).toBe(String(ref.metrics.numberOfTrades));
    expect(await page.locator("[data-testid=run-detail] [data-testid=equity-chart] svg").count()).toBe(2);

    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "sweep-numeric.png"), fullPage: true });
  });

  it("sweeps a choice parameter × a numeric one over two symbols: the choices are an axis, each cell is Node's", async () => {
    const b = await readBars(opened!.site.sampleParquet, { symbol: "SYN-B" });
    await pickSymbols(["SYN-A", "SYN-B"]);
    await page.getByTestId("strategy").selectOption("grid");
    await page.getByTestId("sweep-mode").selectOption("grid");
    await page.getByTestId("sweep-x-param").selectOption("risk_mode");
    // a choice offers its values to tick instead of a range
    expect(await page.getByTestId("sweep-x-from").isVisible()).toBe(false);
    expect(await page.locator("[data-testid=sweep-x-values] input").evaluateAll((boxes) => boxes.map((b) => [(b as HTMLInputElement).value, (b as HTMLInputElement).checked])))
      .toEqual([["fixed", true], ["percent", true]]);
    expect(await page.getByTestId("param-risk_mode").isDisabled()).toBe(true);
    await setAxis("y", "levels", 2, 6, 2);
    await page.getByTestId("sweep-metric").selectOption("finalEquity");
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 60_000 }).toMatch(/^6 runs in /);

    expect(await page.getByTestId("heatmap").getAttribute("data-kind")).toBe("grid");
    const cells = await page.locator("[data-testid=heatmap] rect[data-run]").evaluateAll((rects) =>
      rects.map((r) => ({ x: r.getAttribute("data-x")!, y: Number(r.getAttribute("data-y")), value: r.getAttribute("data-value")! })));
    expect(cells.map((c) => `${c.x}/${c.y}`).sort()).toEqual(["fixed/2", "fixed/4", "fixed/6", "percent/2", "percent/4", "percent/6"]);
    // the x axis is labelled with the choices, in the schema's order
    const ticks = await page.locator("[data-testid=heatmap] svg [aria-label='x-axis tick label'] text").allTextContents();
    expect(ticks).toEqual(["fixed", "percent"]);
    const values = new Set<string>();
    for (const c of cells) {
      const ref = runBacktest({ bars: [bars, b], strategy: grid, params: { risk_mode: c.x, levels: c.y }, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
      expect(ref.error).toBeUndefined();
      expect([c.x, c.y, c.value]).toEqual([c.x, c.y, String(ref.metrics.finalEquity)]);
      values.add(c.value);
    }
    expect(values.size).toBe(6); // the choice matters: no two cells alike
    // a cell opens its two-symbol run, split by symbol too
    const cell = cells.find((c) => c.x === "percent" && c.y === 4)!;
    await page.locator("[data-testid=heatmap] rect[data-x='percent'][data-y='4']").click();
    await expect.poll(() => page.locator("[data-testid=run-detail] [data-testid=result-summary]").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator("[data-testid=run-detail] [data-testid=result-summary]").innerText()).toMatch(/risk_mode=percent .* on SYN-A, SYN-B/);
    expect(await page.locator("[data-testid=run-detail] td[data-metric=finalEquity]").getAttribute("data-value")).toBe(cell.value);
    expect(await page.locator("[data-testid=run-detail] [data-testid=per-symbol] tbody tr").count()).toBe(2);
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "sweep.png"), fullPage: true });

    // a choice left with no value ticked is a clear error
    await page.getByTestId("sweep-x-value-fixed").uncheck();
    await page.getByTestId("sweep-x-value-percent").uncheck();
    await page.getByTestId("sweep-run").click();
    await expect(page.getByTestId("sweep-error").innerText()).resolves.toMatch(/tick at least one value of "risk_mode"/);
    await page.getByTestId("sweep-x-value-percent").check();
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 60_000 }).toMatch(/^3 runs in /);
    expect(await page.getByTestId("heatmap").getAttribute("data-kind")).toBe("grid");
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await pickSymbols(["SYN-A"]);
  });

  it("sweeps a true/false parameter alone: true and false on the axis, each equal to Node", async () => {
    await pickSymbols(["SYN-A"]);
    await page.getByTestId("strategy").selectOption("bollinger-mean-reversion");
    await page.getByTestId("sweep-x-param").selectOption("allowShort");
    await page.getByTestId("sweep-y-param").selectOption("");
    expect(await page.locator("[data-testid=sweep-x-values] input").evaluateAll((boxes) => boxes.map((b) => [(b as HTMLInputElement).value, (b as HTMLInputElement).checked])))
      .toEqual([["true", true], ["false", true]]);
    await page.getByTestId("sweep-metric").selectOption("totalReturn");
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 60_000 }).toMatch(/^2 runs in /);
    expect(await page.getByTestId("heatmap").getAttribute("data-kind")).toBe("line");
    const dots = await page.locator("[data-testid=heatmap] circle[data-run]").evaluateAll((cs) => cs.map((c) => [c.getAttribute("data-x")!, c.getAttribute("data-value")!]));
    expect(dots.map(([x]) => x)).toEqual(["false", "true"]);
    for (const [x, value] of dots) {
      const ref = runBacktest({ bars, strategy: bollingerMeanReversion, params: { allowShort: x === "true" }, cash: 100_000, commission: 0.001 });
      expect([x, value]).toEqual([x, String(ref.metrics.totalReturn)]);
    }
    expect(dots[0]![1]).not.toBe(dots[1]![1]);
    await page.getByTestId("strategy").selectOption("sma-crossover");
  });

  it("shows an out-of-range axis as a clear error", async () => {
    await setAxis("x", "fast", 1, 10, 1);
    await page.getByTestId("sweep-run").click();
    await expect(page.getByTestId("sweep-error").innerText()).resolves.toMatch(/value 1 of parameter "fast" of "sma-crossover" is outside its range \[2, 200\]/);
  });

  it("cancels a long random search mid-way, then runs again", async () => {
    await page.getByTestId("sweep-mode").selectOption("random");
    await setAxis("x", "fast", 2, 40, 1);
    await setAxis("y", "slow", 41, 200, 1);
    await page.getByTestId("sweep-count").fill("2000");
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 30_000 }).toMatch(/^[1-9][\d,]* \/ 2,000 runs$/);
    expect(await page.getByTestId("sweep-cancel").isEnabled()).toBe(true);
    await page.getByTestId("sweep-cancel").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText()).toBe("canceled");
    expect(await page.getByTestId("sweep-run").isEnabled()).toBe(true);

    await page.getByTestId("sweep-count").fill("12");
    await page.getByTestId("sweep-run").click();
    await expect.poll(() => page.getByTestId("sweep-status").innerText(), { timeout: 60_000 }).toMatch(/^12 runs in/);
    expect(await page.getByTestId("heatmap").getAttribute("data-kind")).toBe("scatter");
    expect(await page.locator("[data-testid=heatmap] circle[data-run]").count()).toBe(12);
  });

  it("made no request outside 127.0.0.1 and no page error", () => {
    expect(browser.blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
