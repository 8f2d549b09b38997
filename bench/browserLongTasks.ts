/**
 * Main-thread long tasks (Long Tasks API: over 50 ms each) on the built Backtest page while it
 * runs a backtest of a big file, as a user would: the file picked in the page, Run clicked. The
 * observer is set up (buffered) before the click; each task is put in one of three groups:
 * - whileRunning: from the click until the result arrives (the engine runs in its worker, so
 *   ideally none);
 * - showingResult: the task that receives the result and draws it (metrics, equity chart, trades);
 * - afterwards: what follows it (the candlestick chart, whose bars come from the data worker).
 * Used by bench/browser.bench.ts.
 */
import type { BrowserContext } from "playwright-core";

export interface TaskGroup {
  readonly count: number;
  /** Longest task in ms (0 when none). */
  readonly maxMs: number;
  readonly totalMs: number;
}

export interface LongTasksReport {
  readonly bars: number;
  /** What the page reports on its status line: from the click to the result, bars fetched and transferred included. */
  readonly pageRunMs: number;
  readonly longTasks: { readonly whileRunning: TaskGroup; readonly showingResult: TaskGroup; readonly afterwards: TaskGroup };
  /** Whether the browser supports the Long Tasks API (Chromium does). */
  readonly observed: boolean;
}

interface Task {
  readonly start: number;
  readonly duration: number;
}

const group = (tasks: readonly Task[]): TaskGroup => ({
  count: tasks.length,
  maxMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
  totalMs: Math.round(tasks.reduce((s, t) => s + t.duration, 0)),
});

/**
 * Opens `${origin}/workbench`, picks `file` (one symbol, `bars` rows), runs sma-crossover on it
 * and reports the long tasks. The page must be a built site served at `origin`.
 */
export async function longTasksDuringBacktest(context: BrowserContext, origin: string, file: string, bars: number): Promise<LongTasksReport> {
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/workbench`);
    await page.locator("[data-testid=symbol-SYN-A]").waitFor({ state: "attached", timeout: 60_000 });
    await page.getByTestId("file-input").setInputFiles(file);
    await page.getByTestId("summary").filter({ hasText: `${bars.toLocaleString("en-US")} rows` }).waitFor({ timeout: 120_000 });
    await page.getByTestId("strategy").selectOption("sma-crossover");
    await page.getByTestId("commission").fill("0.001");
    // A string, so that no bundler rewrites it; runs in the page before the click.
    const observed = (await page.evaluate(`(() => {
      window.__tasks = [];
      const supported = PerformanceObserver.supportedEntryTypes.includes("longtask");
      if (supported) new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__tasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
      const status = document.querySelector("[data-testid=run-status]");
      new MutationObserver(() => {
        if (/^done in/.test(status.textContent) && window.__doneAt === undefined) window.__doneAt = performance.now();
      }).observe(status, { childList: true, characterData: true, subtree: true });
      document.querySelector("[data-testid=run]").addEventListener("click", () => { window.__clickAt = performance.now(); }, { capture: true });
      return supported;
    })()`)) as boolean;
    await page.getByTestId("run").click();
    await page.getByTestId("run-status").filter({ hasText: /^done in/ }).waitFor({ timeout: 300_000 });
    await page.getByTestId("candlestick").waitFor({ timeout: 60_000 });
    // let the last frames settle, then read what the observer saw
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 300)))");
    const seen = (await page.evaluate("({ tasks: window.__tasks, clickAt: window.__clickAt, doneAt: window.__doneAt })")) as { tasks: Task[]; clickAt: number; doneAt: number };
    const status = await page.getByTestId("run-status").innerText();
    const pageRunMs = Number(/done in ([\d,]+) ms/.exec(status)![1]!.replace(/,/g, ""));
    const after = seen.tasks.filter((t) => t.start + t.duration >= seen.clickAt);
    // the task that delivered the result is the one running when the status said "done"
    const delivering = (t: Task) => t.start <= seen.doneAt && seen.doneAt <= t.start + t.duration + 1;
    return {
      bars, pageRunMs, observed,
      longTasks: {
        whileRunning: group(after.filter((t) => t.start < seen.doneAt && !delivering(t))),
        showingResult: group(after.filter(delivering)),
        afterwards: group(after.filter((t) => t.start > seen.doneAt)),
      },
    };
  } finally {
    await page.close();
  }
}
