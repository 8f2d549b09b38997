/**
 * Browser bench: rows per second to load a Parquet file of 1,000,000 bars into the engine worker
 * (fetch, parquet-wasm decode, DuckDB ingest, canonical table) and hand it to the page as a
 * BarSeries (Arrow → Float64Array columns, transferred), in headless Debian Chromium against the
 * built site. Run through `npm run bench` (bench/run.ts) or `npx tsx bench/browser.bench.ts`.
 *
 * Also, in the same run: bars per second of an sma-crossover backtest of those bars in the
 * backtest worker (engine.backtest(): bars from the data worker, transferred to the backtest
 * worker, result transferred back) against the Node CLI on the same Parquet file (readBars +
 * runBacktest), and against runBacktest alone in Node.
 *
 * And the page's responsiveness: main-thread long tasks while the built Backtest page runs the
 * same 1,000,000-bar backtest from a click (bench/browserLongTasks.ts), with its run time against
 * the CLI's.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { syntheticMarket } from "../engine/data/synthetic.js";
import { runBacktest } from "../engine/backtest.js";
import { main as backtestCli } from "../engine/node/cli/backtest.js";
import { readBars } from "../engine/node/readBars.js";
import { smaCrossover } from "../strategies/index.js";
import { writeBarsParquet } from "../engine/node/writeBars.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { longTasksDuringBacktest } from "./browserLongTasks.js";
import { serveStatic } from "../test/helpers/serveStatic.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** `n` one-minute bars of one seeded synthetic symbol. */
function minuteBars(n: number) {
  return syntheticMarket({ seed: 7, symbols: ["BENCH"], timeframe: "1m", bars: n })[0]!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function browserBench(options: { rows?: number; runs?: number } = {}): Promise<Record<string, unknown>> {
  const rows = options.rows ?? 1_000_000;
  const runs = options.runs ?? 3;
  const tmp = await mkdtemp(join(tmpdir(), "qw-browser-bench-"));
  const site = join(tmp, "site");
  const parquet = join(tmp, "bars.parquet");
  try {
    await promisify(execFile)(join(ROOT, "node_modules", ".bin", "observable"), ["build"], {
      cwd: ROOT, env: { ...process.env, QW_SITE_OUT: site, OBSERVABLE_TELEMETRY_DISABLE: "true" }, maxBuffer: 64 * 1024 * 1024,
    });
    await writeBarsParquet(parquet, minuteBars(rows));
    const server = await serveStatic(site, { files: { "/bench/bars.parquet": parquet } });
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.origin}/data`);
      await page.getByTestId("engine-status").waitFor({ timeout: 60_000 });
      // A string, so that no bundler rewrites the import(); runs in the page.
      const measured = (await page.evaluate(`(async () => {
        const href = document.querySelector('link[rel="modulepreload"][href*="engineClient"]').href;
        const engine = (await import(href)).openEngine();
        await engine.init();
        const out = [];
        for (let run = 0; run < ${runs}; run++) {
          const t0 = performance.now();
          await engine.loadUrl("bench", "/bench/bars.parquet");
          const t1 = performance.now();
          const s = await engine.bars("bench");
          const t2 = performance.now();
          if (!(s.close instanceof Float64Array) || s.length !== ${rows}) throw new Error("bad series: " + s.length);
          out.push({ load: t1 - t0, bars: t2 - t1, total: t2 - t0 });
        }
        const backtests = [];
        const symbol = (await engine.table("bench")).symbols[0];
        for (let run = 0; run < ${runs}; run++) {
          const t0 = performance.now();
          const r = await engine.backtest({ dataset: "bench", symbols: symbol, strategy: "sma-crossover", cash: 100000, commission: 0.001 });
          backtests.push({ ms: performance.now() - t0, trades: r.trades.length, finalEquity: r.metrics.finalEquity, bars: r.barsProcessed });
        }
        engine.terminate();
        return { out, backtests };
      })()`)) as { out: { load: number; bars: number; total: number }[]; backtests: { ms: number; trades: number; finalEquity: number; bars: number }[] };
      const { out: timings, backtests } = measured;
      // the same backtest in Node: the CLI end to end (readBars + runBacktest), and runBacktest alone
      const cliMs: number[] = [];
      const engineMs: number[] = [];
      const log = console.log;
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        console.log = () => {};
        try {
          await backtestCli(["--data", parquet, "--strategy", "sma-crossover", "--cash", "100000", "--commission", "0.001", "--quiet"]);
        } finally {
          console.log = log;
        }
        cliMs.push(performance.now() - t0);
      }
      const nodeBars = await readBars(parquet);
      let nodeResult: ReturnType<typeof runBacktest> | undefined;
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        nodeResult = runBacktest({ bars: nodeBars, strategy: smaCrossover, cash: 100_000, commission: 0.001 });
        engineMs.push(performance.now() - t0);
      }
      const last = backtests[backtests.length - 1]!;
      if (last.bars !== rows || last.trades !== nodeResult!.trades.length || last.finalEquity !== nodeResult!.metrics.finalEquity) {
        throw new Error(`the worker's backtest differs from Node's: ${JSON.stringify(last)} vs ${nodeResult!.trades.length} trades, ${nodeResult!.metrics.finalEquity}`);
      }
      const responsiveness = await longTasksDuringBacktest(browser.context, server.origin, parquet, rows);
      const barsPerSecond = (ms: number[]) => Math.round(rows / (median(ms) / 1000));
      const total = median(timings.map((t) => t.total));
      return {
        rows,
        runs,
        parquetToBarSeriesRowsPerSecond: Math.round(rows / (total / 1000)),
        medianMs: { loadParquetIntoDuckDB: Math.round(median(timings.map((t) => t.load))), barsWithTransfer: Math.round(median(timings.map((t) => t.bars))), total: Math.round(total) },
        backtestSmaCrossoverBarsPerSecond: {
          browserWorker: barsPerSecond(backtests.map((b) => b.ms)),
          nodeCli: barsPerSecond(cliMs),
          nodeRunBacktestOnly: barsPerSecond(engineMs),
          note: "browserWorker includes bars() from DuckDB and both transfers; nodeCli includes readBars of the Parquet file",
        },
        backtestPageResponsiveness: {
          ...responsiveness,
          nodeCliMs: Math.round(median(cliMs)),
          pageOverCli: Number((responsiveness.pageRunMs / median(cliMs)).toFixed(2)),
          note: "long tasks are main-thread tasks over 50 ms (PerformanceObserver longtask, buffered, set up before the click); pageRunMs is the page's own 'done in' (bars from DuckDB, transfers and the run)",
        },
        blockedRequests: browser.blocked.length,
      };
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await browserBench(), null, 2));
}
