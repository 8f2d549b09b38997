/**
 * The backtest workbench page (src/workbench.md) in the real built site, in Debian's Chromium
 * with every request outside 127.0.0.1 refused: a run in the backtest worker shows the same
 * metrics as runBacktest and the CLI in Node, a bad file names its row, and a long run can be
 * canceled and followed by a new one.
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { runBacktest } from "../../engine/backtest.ts";
import { main as cli } from "../../engine/node/cli/backtest.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { writeBarsParquet } from "../../engine/node/writeBars.ts";
import { smaCrossover } from "../../strategies/index.ts";
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
  await page.locator("[data-testid=symbol] option[value='SYN-A']").waitFor({ state: "attached", timeout: 60_000 });
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
    await page.getByTestId("symbol").selectOption("SYN-A");
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
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "workbench.png"), fullPage: true });
  });

  it("shows a parameter error clearly and stays usable", async () => {
    await page.getByTestId("param-fast").fill("50");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText()).toBe("failed");
    await expect(page.getByTestId("run-error").first().innerText()).resolves.toMatch(/fast \(50\) must be shorter than slow \(30\)/);
    await page.getByTestId("param-fast").fill("10");
    expect(await page.getByTestId("run").isEnabled()).toBe(true);
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

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.filter((url) => !url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(server.log.filter((line) => !line.startsWith("200 ") && !line.endsWith("/favicon.ico"))).toEqual([]);
    expect(server.log.some((line) => /^200 \/_import\/components\/backtest\.worker\.[0-9a-f]+\.js$/.test(line))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
