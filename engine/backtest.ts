import type { BarSeries } from "./bars.js";
import type { Engine, LogEntry } from "./engine.js";
import { setUpEngine, type EngineSetup } from "./engineSetup.js";
import { InputError, StrategyError } from "./errors.js";
import { computeMetrics, type Metrics } from "./metrics/computeMetrics.js";
import { drawdownSeries } from "./metrics/drawdownSeries.js";
import type { Fill, OrderRecord, Rejection, Trade } from "./records.js";
import type { TradingState } from "./risk/types.js";

export interface BacktestOptions extends EngineSetup {
  /** One series, or several run together on one timeline merged by time. */
  readonly bars: BarSeries | readonly BarSeries[];
  /** Called every 16 384 timeline steps with the fraction done. */
  readonly onProgress?: (fraction: number) => void;
  /** Stops the run (result so far kept, error code CANCELED) once `aborted` turns true. */
  readonly signal?: { readonly aborted: boolean };
}

export interface BacktestResult {
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly symbols: readonly string[];
  readonly initialCash: number;
  /** One entry per timeline step (distinct bar time): time, equity, drawdown (≤ 0) and gross exposure / equity. */
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly drawdown: Float64Array;
  readonly exposure: Float64Array;
  readonly trades: readonly Trade[];
  readonly orders: readonly OrderRecord[];
  readonly fills: readonly Fill[];
  readonly rejections: readonly Rejection[];
  readonly riskTransitions: readonly { timeMs: number; from: TradingState; to: TradingState; code: string }[];
  /** Where each symbol ends: position, average entry price, last price, realized and open PnL. */
  readonly positions: readonly { symbol: string; quantity: number; averagePrice: number; lastPrice: number; realizedPnl: number; unrealizedPnl: number }[];
  readonly finalCash: number;
  readonly metrics: Metrics;
  readonly logs: readonly LogEntry[];
  readonly barsProcessed: number;
  /** Set when the run stopped early (strategy error, cancel); everything above is what was done until then. */
  readonly error?: { readonly code: string; readonly message: string; readonly context: Readonly<Record<string, unknown>> };
}

const PROGRESS_EVERY = 16_384;

/**
 * Runs a strategy over bars and returns what happened. Deterministic: a rerun with the same
 * inputs gives a bit-identical result.
 *
 * @example
 * const result = runBacktest({ bars, strategy: smaCrossover, params: { fast: 10, slow: 30 }, cash: 100_000, commission: 0.001 });
 */
export function runBacktest(options: BacktestOptions): BacktestResult {
  const series = Array.isArray(options.bars) ? (options.bars as readonly BarSeries[]) : [options.bars as BarSeries];
  if (series.length === 0) throw new InputError("NO_BARS", {}, "runBacktest needs at least one bar series");
  const { engine, portfolio, risk, params, cash } = setUpEngine(series, options);
  const strategy = options.strategy;

  const steps = countSteps(series);
  const run = drive(engine, series, steps, options);
  let error = run.error;
  if (!error) {
    try {
      engine.stop();
    } catch (e) {
      error = stopped(e);
    }
  }
  let { time, equity, exposure } = run;
  if (run.steps < steps) { time = time.slice(0, run.steps); equity = equity.slice(0, run.steps); exposure = exposure.slice(0, run.steps); }
  const trades = portfolio.trades;
  const metrics = computeMetrics({ timeMs: time, equity, initialCash: cash, trades, fills: engine.fills, exposure });
  return {
    strategy: strategy.name, params, symbols: engine.symbols, initialCash: cash,
    time, equity, drawdown: drawdownSeries(equity), exposure,
    // the run is over, so the orders will not change again: handed over as they are, no copies
    trades, orders: engine.orders, fills: engine.fills, rejections: engine.rejections,
    riskTransitions: risk.transitions,
    positions: engine.symbols.map((symbol, k) => ({
      symbol, quantity: portfolio.quantity[k]!, averagePrice: portfolio.averagePrice[k]!, lastPrice: portfolio.lastPrice[k]!,
      realizedPnl: portfolio.realizedPnl[k]!, unrealizedPnl: portfolio.unrealizedPnl(k),
    })),
    finalCash: portfolio.cash, metrics, logs: engine.logs, barsProcessed: run.bars, ...(error ? { error } : {}),
  };
}

interface Drive {
  time: Float64Array;
  equity: Float64Array;
  exposure: Float64Array;
  steps: number;
  bars: number;
  error: BacktestResult["error"];
}

/**
 * The dispatch loop: every bar in time order (series merged by time, ties in series order), then
 * one equity sample per timestamp.
 */
function drive(engine: Engine, series: readonly BarSeries[], steps: number, options: BacktestOptions): Drive {
  const run = new Stepper(engine, series, steps);
  const { onProgress, signal } = options;
  try {
    engine.start();
    while (run.step < steps) {
      run.advance(Math.min(steps, run.step + PROGRESS_EVERY));
      if (run.step < steps) {
        onProgress?.(run.step / steps);
        if (signal?.aborted) throw new InputError("CANCELED", { bars: run.bars }, `the run was canceled after ${run.bars} bars`);
      }
    }
  } catch (e) {
    const error = stopped(e);
    // the step the strategy failed in is still sampled, so nothing done before the error is lost
    if (run.pending) run.sample();
    return { time: run.time, equity: run.equity, exposure: run.exposure, steps: run.step, bars: run.bars, error };
  }
  return { time: run.time, equity: run.equity, exposure: run.exposure, steps: run.step, bars: run.bars, error: undefined };
}

/**
 * Walks the timeline a chunk at a time. The chunks matter for speed: `advance` is called many
 * times per run, so V8 compiles it as a whole function that stays optimised from run to run,
 * instead of re-entering a once-called loop through on-stack replacement every run.
 */
class Stepper {
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly exposure: Float64Array;
  step = 0;
  bars = 0;
  /** A bar of the current step was handled but the step not yet sampled. */
  pending = false;
  private t = NaN;
  private readonly next: Int32Array;
  /** Each series' next bar time (Infinity once done): the merge scans one small typed array per step. */
  private readonly nextTime: Float64Array;

  constructor(private readonly engine: Engine, private readonly series: readonly BarSeries[], steps: number) {
    this.time = new Float64Array(steps);
    this.equity = new Float64Array(steps);
    this.exposure = new Float64Array(steps);
    this.next = new Int32Array(series.length);
    this.nextTime = Float64Array.from(series, (s) => (s.length > 0 ? s.time[0]! : Infinity));
  }

  /** Handles the steps up to (not including) `end`. */
  advance(end: number): void {
    const { engine, series, time, equity, exposure, next, nextTime } = this;
    const K = series.length;
    const times0 = series[0]!.time;
    let step = this.step, bars = this.bars, t = this.t;
    // a local while the loop runs (a field store per bar is measurable); written back in finally
    let pending = false;
    try {
      while (step < end) {
        if (K === 1) {
          t = times0[step]!;
          engine.step = step;
          pending = true;
          bars++;
          engine.bar(0, step);
        } else {
          t = Infinity;
          for (let k = 0; k < K; k++) if (nextTime[k]! < t) t = nextTime[k]!;
          engine.step = step;
          for (let k = 0; k < K; k++) {
            if (nextTime[k] !== t) continue;
            const s = series[k]!;
            const i = next[k]!;
            next[k] = i + 1;
            nextTime[k] = i + 1 < s.length ? s.time[i + 1]! : Infinity;
            bars++;
            pending = true;
            engine.bar(k, i);
          }
        }
        time[step] = t;
        equity[step] = engine.sample(t);
        exposure[step] = engine.exposure;
        step++;
        pending = false;
      }
    } finally {
      this.pending = pending;
      this.step = step;
      this.bars = bars;
      this.t = t;
    }
  }

  /** Samples the current step (after a failure inside it). */
  sample(): void {
    const step = this.step;
    this.time[step] = this.t;
    this.equity[step] = this.engine.sample(this.t);
    this.exposure[step] = this.engine.exposure;
    this.step = step + 1;
    this.pending = false;
  }
}

/** A strategy failure or a cancel becomes the result's error; anything else is a bug and propagates. */
function stopped(e: unknown): NonNullable<BacktestResult["error"]> {
  if (e instanceof StrategyError || (e instanceof InputError && e.code === "CANCELED")) return { code: e.code, message: e.message, context: e.context };
  throw e;
}

/** Number of distinct bar times over all series (the timeline's length). */
function countSteps(series: readonly BarSeries[]): number {
  if (series.length === 1) return series[0]!.length;
  const K = series.length;
  const next = new Int32Array(K);
  const nextTime = Float64Array.from(series, (s) => (s.length > 0 ? s.time[0]! : Infinity));
  let steps = 0;
  for (;;) {
    let t = Infinity;
    for (let k = 0; k < K; k++) if (nextTime[k]! < t) t = nextTime[k]!;
    if (t === Infinity) return steps;
    for (let k = 0; k < K; k++) {
      if (nextTime[k] !== t) continue;
      const i = ++next[k]!;
      nextTime[k] = i < series[k]!.length ? series[k]!.time[i]! : Infinity;
    }
    steps++;
  }
}
