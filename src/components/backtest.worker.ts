/**
 * The backtest worker: the engine and the built-in strategies (no DuckDB), exposed with comlink.
 * Open it through `openEngine()` in ./engineClient.js (its `backtest()` and `cancelBacktest()`),
 * never directly: the client fetches the bars from the data worker and transfers them here.
 *
 * A run is synchronous inside this worker; progress reaches the page while it runs because each
 * call of the comlink-proxied callback posts a message at once. Cancel is done by the client,
 * which terminates this worker and starts a fresh one (the data worker is untouched).
 */
import * as Comlink from "comlink";
import { barsBetween, type BarSeries } from "../engine/bars.js";
import { formatTime } from "../engine/time.js";
import { runBacktest, type BacktestOptions, type BacktestResult } from "../engine/backtest.js";
import { runWarmedUp } from "../engine/walkForwardWarmUp.js";
import { fixedBpsSlippage } from "../engine/fill/slippage.js";
import { riskRules, type RiskConfig } from "../engine/risk/riskConfig.js";
import type { AnyStrategy } from "../engine/strategy/defineStrategy.js";
import type { ParamSchema } from "../engine/strategy/params.js";
import { strategies } from "../strategies/index.js";
import { loadStrategySource } from "./strategySource.js";

/** What the backtest worker runs: the bars themselves plus everything runBacktest needs. */
export interface BacktestJob {
  /** One series, or several run together on one timeline merged by time. */
  readonly bars: readonly BarSeries[];
  /** A name from the built-in strategies (see `strategies()`); ignored when `source` is given. */
  readonly strategy: string;
  /**
   * Strategy code instead of a built-in: a JavaScript ES module whose default export is a strategy
   * definition { name, description?, params, init, onBar, onFill?, onStop? } (see
   * ./strategySource.ts). It cannot import anything; a syntax or load error rejects the run with
   * its line; an error in a callback stops the run like a built-in's, with the result so far.
   */
  readonly source?: string;
  /** Parameter values; missing ones take the schema's defaults; strings are parsed. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Starting cash. Default 100 000. */
  readonly cash?: number;
  /** Commission as a rate of the traded value (0.001 = 0.1 %). Default 0. */
  readonly commission?: number;
  /** Fixed slippage in basis points against the order. Default 0 (none). */
  readonly slippageBps?: number;
  /** Fill market orders at the signal bar's close instead of the next bar's open. Default false. */
  readonly fillOnClose?: boolean;
  /** Pre-trade risk rules as the JSON config riskRules() takes (the CLI's --risk file). */
  readonly riskRules?: RiskConfig;
  /**
   * Only the bars with fromMs ≤ time < toMs (UTC ms) are run: a period, or a walk-forward window. Default all.
   * With warmUpFromMs, the bars from there to fromMs come first as a warm-up: the strategy sees them but
   * its orders are refused, and the result covers fromMs..toMs only (engine/walkForwardWarmUp.ts).
   */
  readonly range?: { readonly fromMs?: number; readonly toMs?: number; readonly warmUpFromMs?: number };
}

/** A built-in strategy as a form needs it. */
export interface StrategyInfo {
  readonly name: string;
  readonly description: string;
  readonly params: ParamSchema;
}

/** The Float64Arrays of a result, whose buffers are transferred rather than copied. */
function resultBuffers(r: BacktestResult): ArrayBuffer[] {
  return [...new Set([r.time, r.equity, r.drawdown, r.exposure].map((a) => a.buffer as ArrayBuffer))];
}

/** One run of a sweep: the params it ran with, its metrics (no equity arrays), and what went wrong, if anything. */
export interface SweepRun {
  readonly params: Readonly<Record<string, unknown>>;
  /** Missing when the run could not start (bad input, e.g. fast ≥ slow). */
  readonly metrics?: BacktestResult["metrics"];
  /** A run that could not start, or that stopped early (its metrics then cover the part run). */
  readonly error?: string;
}

/** A sweep job: a BacktestJob without the bars (set once per worker with setBars). */
export type SweepJob = Omit<BacktestJob, "bars">;

/** The job's strategy: its own code (imported afresh), or a built-in by name. */
async function strategyOf(job: Pick<BacktestJob, "strategy" | "source">): Promise<AnyStrategy> {
  if (job.source !== undefined) return loadStrategySource(job.source);
  const strategy = strategies[job.strategy];
  if (!strategy) throw new Error(`unknown strategy "${job.strategy}"; the strategies are: ${Object.keys(strategies).join(", ")}`);
  return strategy;
}

const infoOf = (s: AnyStrategy): StrategyInfo => ({ name: s.name, description: s.description ?? "", params: s.params as ParamSchema });

async function runJob(job: BacktestJob, onProgress?: (fraction: number) => void): Promise<BacktestResult> {
  const strategy = await strategyOf(job);
  if (job.bars.length === 0) throw new Error("no bars to run on");
  const slippageBps = job.slippageBps ?? 0;
  const range = job.range;
  const bars = range ? job.bars.map((s) => barsBetween(s, range.warmUpFromMs ?? range.fromMs, range.toMs)) : job.bars;
  if (bars.every((s) => s.length === 0)) throw new Error(`no bars between ${formatRange(range!)}`);
  const run = range?.warmUpFromMs === undefined ? runBacktest : (o: BacktestOptions) => runWarmedUp(o, { ...range, fromMs: range.fromMs ?? -Infinity });
  return run({
    bars, strategy, params: job.params ?? {},
    cash: job.cash, commission: job.commission,
    slippage: slippageBps > 0 ? fixedBpsSlippage(slippageBps) : undefined,
    fill: { fillOnClose: job.fillOnClose ?? false },
    risk: job.riskRules ? riskRules(job.riskRules) : undefined,
    onProgress: onProgress ? (fraction) => void onProgress(fraction) : undefined,
  });
}

function formatRange(range: NonNullable<BacktestJob["range"]>): string {
  const at = (t: number | undefined) => (t === undefined || !Number.isFinite(t) ? "…" : formatTime(t));
  return `${at(range.fromMs)} and ${at(range.toMs)}`;
}

/** The bars of this worker's sweep jobs. */
let sweepBars: readonly BarSeries[] = [];

const api = {
  /** The built-in strategies: name, description and parameter schema (which drives the form). */
  strategies(): StrategyInfo[] {
    return Object.values(strategies).map(infoOf);
  },

  /**
   * What a strategy's code declares (name, description, parameter schema), to build its form:
   * loads and checks it as a run would, and rejects with the same message when it cannot.
   */
  async describe(source: string): Promise<StrategyInfo> {
    return infoOf(await loadStrategySource(source));
  },

  /**
   * Runs one backtest. `onProgress` (a Comlink.proxy'd callback) is called every 16 384 timeline
   * steps with the fraction done. The result's time/equity/drawdown/exposure buffers are
   * transferred. A strategy that throws gives the result so far with `error` set; bad input
   * (unknown strategy, a parameter out of range, bad risk config) rejects with the message.
   */
  async run(job: BacktestJob, onProgress?: (fraction: number) => void): Promise<BacktestResult> {
    const result = await runJob(job, onProgress);
    return Comlink.transfer(result, resultBuffers(result));
  },

  /** Keeps the bars for the sweep jobs that follow (each sweep worker gets its own copy once). */
  setBars(bars: readonly BarSeries[]): number {
    sweepBars = bars;
    return bars.reduce((n, b) => n + b.length, 0);
  },

  /**
   * Runs one sweep job on the bars of setBars and returns only what a sweep keeps: the params
   * and the metrics. Never rejects for a bad run: the message is in `error`.
   */
  async sweepRun(job: SweepJob): Promise<SweepRun> {
    const params = job.params ?? {};
    try {
      const result = await runJob({ ...job, bars: sweepBars });
      return result.error ? { params, metrics: result.metrics, error: `${result.error.code}: ${result.error.message}` } : { params, metrics: result.metrics };
    } catch (error) {
      return { params, error: error instanceof Error ? error.message : String(error) };
    }
  },
};

export type BacktestApi = typeof api;

Comlink.expose(api);
