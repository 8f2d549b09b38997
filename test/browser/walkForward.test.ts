/**
 * The Walk-forward page (src/walk-forward.md) in the real built site, in Debian's Chromium with
 * every request outside 127.0.0.1 refused: a rolling walk-forward of sma-crossover on the sample,
 * run over the sweep workers, chooses in every window the set the Node `walkForward` chooses on the
 * same bars and ends on the same stitched out-of-sample equity, to the last digit; bad lengths get
 * a clear message; a long walk-forward can be canceled and keeps the windows it finished.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BarSeries } from "../../engine/bars.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { sweepGrid } from "../../engine/sweep.ts";
import { walkForward } from "../../engine/walkForward.ts";
import type { WalkForwardResult } from "../../engine/walkForwardCombine.ts";
import { planWalkForward } from "../../engine/walkForwardPlan.ts";
import { selectBest } from "../../engine/walkForwardSelect.ts";
import { runWarmedUp } from "../../engine/walkForwardWarmUp.ts";
import { runBacktest } from "../../engine/backtest.ts";
import { smaCrossover } from "../../strategies/index.ts";
import type { Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, ROOT, openBuiltSite, type OpenedSite } from "../helpers/builtSite.ts";

let opened: OpenedSite | undefined;
let browser: Browser;
let page: Page;
let bars: BarSeries;
let pageErrors: string[] = [];

const axes = [{ param: "fast", from: 5, to: 15, step: 5 }, { param: "slow", from: 30, to: 60, step: 30 }];
const spec = { mode: "rolling", inSample: "60d", outOfSample: "30d" } as const;
const settings = { strategy: smaCrossover, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } } as const;
let node: WalkForwardResult;

beforeAll(async () => {
  opened = await openBuiltSite("qw-walk-forward-", "/walk-forward");
  ({ browser, page, pageErrors } = opened);
  bars = await readBars(opened.site.sampleParquet, { symbol: "SYN-A" });
  node = walkForward({ ...settings, bars, paramSets: sweepGrid(smaCrossover.params, axes), metric: "sharpe", windows: spec });
  await page.locator("[data-testid=symbol] option[value='SYN-A']").waitFor({ state: "attached", timeout: 60_000 });
  await page.getByTestId("wf-plan").filter({ hasText: "windows" }).waitFor({ timeout: 30_000 });
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
});

async function setAxis(key: "x" | "y", param: string, from: number, to: number, step: number) {
  await page.getByTestId(`wf-${key}-param`).selectOption(param);
  await page.getByTestId(`wf-${key}-from`).fill(String(from));
  await page.getByTestId(`wf-${key}-to`).fill(String(to));
  await page.getByTestId(`wf-${key}-step`).fill(String(step));
}

async function setUp(inSample: string, outOfSample: string) {
  await page.getByTestId("symbol").selectOption("SYN-A");
  await page.getByTestId("strategy").selectOption("sma-crossover");
  await page.getByTestId("commission").fill("0.001");
  await page.getByTestId("wf-metric").selectOption("sharpe");
  await page.getByTestId("wf-mode").selectOption("rolling");
  await page.getByTestId("wf-in-sample").fill(inSample);
  await page.getByTestId("wf-out-of-sample").fill(outOfSample);
  await page.getByTestId("wf-workers").fill("2");
}

describe("the walk-forward page in Chromium (built site, network off)", () => {
  it("is in the sidebar and plans the windows from the inputs as they are typed", async () => {
    expect(await page.locator("#observablehq-sidebar a[href$='walk-forward']").count()).toBe(1);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await setUp("60d", "30d");
    await setAxis("x", "fast", 5, 15, 5);
    await setAxis("y", "slow", 30, 60, 30);
    const windows = planWalkForward(bars.time, spec);
    expect(windows.length).toBe(11);
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toBe(
      "11 windows (the last cut short by the end of the data) × 6 parameter sets = 66 in-sample runs and 11 out-of-sample runs.");
    expect(await page.getByTestId("param-fast").isDisabled()).toBe(true); // optimised: each window chooses it
  });

  it("says clearly what is wrong with bad lengths, and stays usable", async () => {
    await page.getByTestId("wf-in-sample").fill("3M");
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toMatch(/the in-sample length "3M": months and years have no fixed length; give days instead/);
    await page.getByTestId("wf-in-sample").fill("400d");
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toMatch(/is too short for one window: the in-sample window alone is 400 days/);
    await page.getByTestId("wf-run").click();
    await expect(page.getByTestId("wf-error").innerText()).resolves.toMatch(/^Cannot run: walk-forward: the data \(8784 bars, 2024-01-01 to 2024-12-31T23:00:00.000Z\) is too short/);
    await page.getByTestId("wf-in-sample").fill("60d");
    await page.getByTestId("wf-step").fill("10d");
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toMatch(/the step \(10 days\) is shorter than the out-of-sample window \(30 days\)/);
    await page.getByTestId("wf-step").fill("");
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toMatch(/^11 windows/);
  });

  it("chooses in every window what Node's walkForward chooses, and ends on the same equity to the last digit", async () => {
    expect(await page.getByTestId("wf-hindsight").isChecked()).toBe(true);
    await page.getByTestId("wf-run").click();
    await expect.poll(() => page.getByTestId("wf-status").innerText(), { timeout: 120_000 }).toMatch(/^11 windows, 84 runs in [\d,]+ ms$/);

    const rows = await page.locator("[data-testid=wf-windows] tbody tr").evaluateAll((trs) => trs.map((tr) => ({
      window: Number(tr.getAttribute("data-window")),
      params: tr.getAttribute("data-params"),
      cells: Object.fromEntries([...tr.querySelectorAll("td[data-col]")].map((td) => [td.getAttribute("data-col"), td.getAttribute("data-value")])),
    })));
    expect(rows.length).toBe(11);
    rows.forEach((row, i) => {
      const ref = node.windows[i]!;
      expect(row.window).toBe(i);
      expect(JSON.parse(row.params!)).toEqual(ref.params);
      expect(row.cells["is-metric"]).toBe(String(ref.selection.value));
      expect(row.cells["oos-metric"]).toBe(String(ref.outOfSample!.sharpe));
      expect(row.cells["end-equity"]).toBe(String(ref.endEquity));
      expect(row.cells.efficiency).toBe(String(ref.efficiency));
    });
    // the choice moves from window to window, so the comparison means something
    expect(new Set(rows.map((r) => r.params)).size).toBeGreaterThan(1);

    const summary = page.getByTestId("wf-summary");
    expect(await summary.getAttribute("data-final-equity")).toBe(String(node.metrics.finalEquity));
    const metric = async (scope: string, key: string) => page.locator(`${scope} td[data-metric=${key}]`).getAttribute("data-value");
    expect(await metric("[data-testid=metrics]", "sharpe")).toBe(String(node.metrics.sharpe));
    expect(await metric("[data-testid=metrics]", "numberOfTrades")).toBe(String(node.metrics.numberOfTrades));
    expect(await metric("[data-testid=wf-efficiency]", "efficiency")).toBe(String(node.efficiency.ratio));
    expect(await metric("[data-testid=wf-efficiency]", "metricRatio")).toBe(String(node.efficiency.metric.ratio));

    // the hindsight contrast: the best set on all the data, run over the out-of-sample span
    const sets = sweepGrid(smaCrossover.params, axes);
    const best = selectBest(sets.map((params) => ({ params, metrics: runBacktest({ ...settings, bars, params }).metrics })), "sharpe");
    const first = node.windows[0]!.window, last = node.windows.at(-1)!.window;
    const hindsight = runWarmedUp({ ...settings, bars, params: sets[best.index!] }, { fromMs: first.outOfSample.fromMs, toMs: last.outOfSample.toMs, warmUpFromMs: first.warmUp.fromMs });
    const hindReturn = hindsight.equity.at(-1)! / 100_000 - 1;
    expect(await summary.innerText()).toContain(`hindsight (fast=${sets[best.index!]!.fast} slow=${sets[best.index!]!.slow}, the best Sharpe on all the data): ${hindReturn >= 0 ? "+" : ""}${(hindReturn * 100).toFixed(2)} %`);

    // the charts: the windows timeline (a bar per span) and the stitched equity with its contrasts and drawdown
    expect(await page.locator("[data-testid=wf-timeline] svg rect").count()).toBeGreaterThanOrEqual(22);
    expect(await page.locator("[data-testid=wf-equity-chart] svg").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("[data-testid=wf-equity-chart]").innerText()).toMatch(/Walk-forward \(out of sample\)[\s\S]*Buy and hold[\s\S]*Hindsight/);

    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "walk-forward.png"), fullPage: true });
  });

  it("cancels a long walk-forward during its in-sample sweep, keeping the results on the page, then runs again", async () => {
    await page.getByTestId("wf-hindsight").uncheck();
    await setAxis("x", "fast", 2, 40, 1);
    await setAxis("y", "slow", 41, 200, 5);
    await expect.poll(() => page.getByTestId("wf-plan").innerText()).toMatch(/^11 windows .* × 1,248 parameter sets = 13,728 in-sample runs/);
    await page.getByTestId("wf-run").click();
    await expect.poll(() => page.getByTestId("wf-status").innerText(), { timeout: 60_000 }).toMatch(/^[1-9][\d,]* \/ 13,739 runs · in-sample runs of every window$/);
    expect(await page.getByTestId("wf-cancel").isEnabled()).toBe(true);
    await page.getByTestId("wf-cancel").click();
    await expect.poll(() => page.getByTestId("wf-status").innerText(), { timeout: 30_000 }).toBe("canceled during the in-sample runs");
    // nothing had finished, so the last results stay
    expect(await page.getByTestId("wf-summary").getAttribute("data-final-equity")).toBe(String(node.metrics.finalEquity));
    expect(await page.getByTestId("wf-run").isEnabled()).toBe(true);
    expect(await page.getByTestId("wf-cancel").isEnabled()).toBe(false);

    await setAxis("x", "fast", 5, 15, 5);
    await setAxis("y", "slow", 30, 60, 30);
    await page.getByTestId("wf-run").click();
    await expect.poll(() => page.getByTestId("wf-status").innerText(), { timeout: 120_000 }).toMatch(/^11 windows, 77 runs in/);
    expect(await page.getByTestId("wf-summary").getAttribute("data-final-equity")).toBe(String(node.metrics.finalEquity));
    expect(await page.locator("[data-testid=wf-equity-chart]").innerText()).not.toMatch(/Hindsight/);
  });

  it("made no request outside 127.0.0.1 and no page error", () => {
    expect(browser.blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
