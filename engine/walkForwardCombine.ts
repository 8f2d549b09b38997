/**
 * Combining the windows of a walk-forward into one result: the per-window rows, the stitched
 * out-of-sample equity curve with its metrics, and the walk-forward efficiency. Isomorphic and
 * pure, and separate from the runner: the Node runner (walkForward) and the page, whose runs come
 * back from the browser's workers, both hand their windows to combineWalkForward.
 */
import type { BacktestResult } from "./backtest.js";
import { computeMetrics, type Metrics } from "./metrics/computeMetrics.js";
import { drawdownSeries } from "./metrics/drawdownSeries.js";
import { YEAR_MS } from "./metrics/inferPeriodsPerYear.js";
import type { Fill, Trade } from "./records.js";
import type { WalkForwardWindow, WindowSpan } from "./walkForwardPlan.js";
import { LOWER_IS_BETTER, selectBest, type CandidateRun, type Selection } from "./walkForwardSelect.js";

/** What an out-of-sample run must give: the parts of a BacktestResult the combiner reads. */
export type OutOfSampleRun = Pick<BacktestResult, "initialCash" | "time" | "equity" | "exposure" | "trades" | "fills" | "metrics" | "error">;

/** What one window produced. */
export interface WindowOutcome {
  readonly window: WalkForwardWindow;
  /** The in-sample runs, one per parameter set, in the order they were tried. */
  readonly candidates: readonly CandidateRun[];
  /**
   * The out-of-sample run of the set selectBest picks from `candidates` (runWarmedUp), ideally
   * started with the equity the previous window ended with; `{ error }` when it could not run;
   * undefined when no set qualified (or the walk-forward stopped before this run).
   */
  readonly outOfSample?: OutOfSampleRun | { readonly error: string };
}

export interface CombineInput {
  /** The timeline the windows were planned on: a window that does not trade stays flat on its bar times. */
  readonly timeline: ArrayLike<number>;
  /** Equity before the first out-of-sample window starts. */
  readonly cash: number;
  readonly metric: keyof Metrics;
  /** Default: true except for LOWER_IS_BETTER metrics (as selectBest). */
  readonly maximize?: boolean;
  readonly outcomes: readonly WindowOutcome[];
  /** Why the walk-forward stopped early (e.g. canceled); the windows before it are kept. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** One window of the result. */
export interface WalkForwardRow {
  readonly window: WalkForwardWindow;
  readonly selection: Selection;
  /** The chosen parameter set; undefined when none qualified. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The chosen set's in-sample metrics. */
  readonly inSample?: Metrics;
  /** Its out-of-sample metrics, measured from the window's own start. */
  readonly outOfSample?: Metrics;
  /** Stitched equity when the window starts and when it ends. */
  readonly startEquity: number;
  readonly endEquity: number;
  /** Out-of-sample annualised return / in-sample annualised return (see WalkForwardEfficiency); NaN when undefined. */
  readonly efficiency: number;
  /** What went differently: no set qualified (the window stayed in cash), or the out-of-sample run failed. */
  readonly note?: string;
  readonly candidates: readonly CandidateRun[];
}

/**
 * How much of its in-sample performance the walk-forward kept out of sample, over the windows
 * that traded (a chosen set and an out-of-sample run).
 *
 * `ratio` is Pardo's walk-forward efficiency: the mean annualised out-of-sample return over the
 * mean annualised in-sample return of the chosen sets, each annualised linearly (total return ×
 * one year / the window's length), so windows of different lengths compare. About 1: the
 * optimisation carried over; near 0 or negative: it did not (a common rule of thumb asks for
 * above 0.5). NaN when the mean in-sample return is not above 0 (the ratio then means nothing).
 *
 * `metric` does the same with the selection metric itself (mean out-of-sample value / mean
 * in-sample value of the chosen sets, finite values only): e.g. how much of the in-sample Sharpe
 * survived. For a metric where lower is better (drawdown), above 1 means worse out of sample.
 */
export interface WalkForwardEfficiency {
  readonly ratio: number;
  readonly inSampleAnnualReturn: number;
  readonly outOfSampleAnnualReturn: number;
  readonly metric: { readonly inSample: number; readonly outOfSample: number; readonly ratio: number };
  /** Windows counted. */
  readonly windows: number;
}

export interface WalkForwardResult {
  readonly metric: keyof Metrics;
  readonly maximize: boolean;
  readonly initialCash: number;
  readonly windows: readonly WalkForwardRow[];
  /** The stitched out-of-sample curve: every window's run, each starting where the one before ended. */
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly drawdown: Float64Array;
  readonly exposure: Float64Array;
  readonly trades: readonly Trade[];
  readonly fills: readonly Fill[];
  /** computeMetrics over the stitched curve, its trades and fills. */
  readonly metrics: Metrics;
  readonly efficiency: WalkForwardEfficiency;
  readonly error?: { readonly code: string; readonly message: string };
}

const years = (span: WindowSpan) => (span.toMs - span.fromMs) / YEAR_MS;
const annualReturn = (m: Metrics | undefined, span: WindowSpan) => (m ? m.totalReturn / years(span) : NaN);
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const ratioOf = (oos: number, is: number) => (is > 0 ? oos / is : NaN);

/** A run's money rescaled by `scale` (trade and fill sizes, PnL and commissions; prices and rates unchanged). */
function scaleTrade(t: Trade, scale: number): Trade {
  return { ...t, quantity: t.quantity * scale, grossPnl: t.grossPnl * scale, commission: t.commission * scale, netPnl: t.netPnl * scale };
}
function scaleFill(f: Fill, scale: number): Fill {
  return { ...f, quantity: f.quantity * scale, commission: f.commission * scale };
}

const isRun = (x: WindowOutcome["outOfSample"]): x is OutOfSampleRun => x !== undefined && "equity" in x;

/**
 * Stitches the windows' out-of-sample runs into one curve and summarises them.
 *
 * Compounding: each window starts from the equity the one before ended with. A run that was
 * started with that equity as its cash (as walkForward and the page do) is taken as it is; any
 * other is rescaled by (equity so far / its initialCash), its trades and fills with it, which is
 * the same as compounding its returns. A window with no qualifying set stays in cash: flat at the
 * equity so far over its bars (no trades). A run that stopped early adds what it ran, and the
 * curve resumes with the next window's run. An open position at a window's end is handed to the next
 * window at its marked value (as if sold at the last close, without an exit commission): each
 * window starts flat with its own parameters.
 *
 * @example
 * const result = combineWalkForward({ timeline: bars.time, cash: 100_000, metric: "sharpe", outcomes });
 * result.equity; result.metrics.sharpe; result.efficiency.ratio; result.windows[0].params;
 */
export function combineWalkForward(input: CombineInput): WalkForwardResult {
  const { timeline, cash, metric } = input;
  const maximize = input.maximize ?? !LOWER_IS_BETTER.has(metric);
  const times: number[] = [], equities: number[] = [], exposures: number[] = [];
  const trades: Trade[] = [], fills: Fill[] = [];
  let now = cash;
  const rows = input.outcomes.map((outcome): WalkForwardRow => {
    const { window: span, candidates } = outcome;
    const selection = selectBest(candidates, metric, maximize);
    const chosen = selection.index === undefined ? undefined : candidates[selection.index]!;
    const startEquity = now;
    const run = outcome.outOfSample;
    let note = selection.reason ? `${selection.reason}; the window stayed in cash` : undefined;
    if (isRun(run)) {
      // exactly 1 when the run started from the equity so far, so its numbers pass unchanged
      const scale = now / run.initialCash;
      for (let i = 0; i < run.time.length; i++) {
        times.push(run.time[i]!);
        equities.push(scale === 1 ? run.equity[i]! : run.equity[i]! * scale);
        exposures.push(run.exposure[i]!);
      }
      for (const t of run.trades) trades.push(scale === 1 ? t : scaleTrade(t, scale));
      for (const f of run.fills) fills.push(scale === 1 ? f : scaleFill(f, scale));
      if (run.time.length > 0) now = equities[equities.length - 1]!;
      if (run.error) note = `the out-of-sample run stopped early (${run.error.code}): ${run.error.message}`;
    } else {
      if (run) note = `the out-of-sample run could not run: ${run.error}; the window stayed in cash`;
      for (let i = span.outOfSample.start; i < span.outOfSample.end; i++) {
        times.push(timeline[i]!);
        equities.push(now);
        exposures.push(0);
      }
    }
    const inSample = chosen?.metrics;
    const outOfSample = isRun(run) ? run.metrics : undefined;
    const efficiency = outOfSample && inSample ? ratioOf(annualReturn(outOfSample, span.outOfSample), annualReturn(inSample, span.inSample)) : NaN;
    return {
      window: span, selection, ...(chosen ? { params: chosen.params } : {}), ...(inSample ? { inSample } : {}), ...(outOfSample ? { outOfSample } : {}),
      startEquity, endEquity: now, efficiency, ...(note ? { note } : {}), candidates,
    };
  });

  const time = Float64Array.from(times), equity = Float64Array.from(equities), exposure = Float64Array.from(exposures);
  const traded = rows.filter((r) => r.inSample && r.outOfSample);
  const isAnnual = mean(traded.map(({ inSample, window: span }) => annualReturn(inSample, span.inSample)));
  const oosAnnual = mean(traded.map(({ outOfSample, window: span }) => annualReturn(outOfSample, span.outOfSample)));
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  const isMetric = mean(finite(traded.map((r) => r.inSample![metric])));
  const oosMetric = mean(finite(traded.map((r) => r.outOfSample![metric])));
  return {
    metric, maximize, initialCash: cash, windows: rows,
    time, equity, drawdown: drawdownSeries(equity), exposure, trades, fills,
    metrics: computeMetrics({ timeMs: time, equity, initialCash: cash, trades, fills, exposure }),
    efficiency: {
      ratio: ratioOf(oosAnnual, isAnnual), inSampleAnnualReturn: isAnnual, outOfSampleAnnualReturn: oosAnnual,
      metric: { inSample: isMetric, outOfSample: oosMetric, ratio: ratioOf(oosMetric, isMetric) },
      windows: traded.length,
    },
    ...(input.error ? { error: input.error } : {}),
  };
}
