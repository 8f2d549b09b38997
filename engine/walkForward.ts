/**
 * Walk-forward analysis in one call, for Node and workers: for each window, every parameter set
 * is run on the in-sample bars, the best by one metric is chosen, and that set alone is run on
 * the out-of-sample bars that follow; the out-of-sample runs are stitched into one equity curve.
 * Isomorphic and pure (deterministic: the same inputs give bit-identical results).
 *
 * The pieces are separate so that the browser can run them over its workers and still give the
 * same numbers: planWalkForward (walkForwardPlan.ts) places the windows, selectBest
 * (walkForwardSelect.ts) judges the in-sample runs, runWarmedUp (walkForwardWarmUp.ts) makes an
 * out-of-sample run, and combineWalkForward (walkForwardCombine.ts) stitches and summarises.
 */
import { barsBetween, type BarSeries } from "./bars.js";
import { runBacktest, type BacktestOptions } from "./backtest.js";
import { EngineError, InputError } from "./errors.js";
import type { Metrics } from "./metrics/computeMetrics.js";
import type { RiskRule } from "./risk/types.js";
import { combineWalkForward, type WalkForwardResult, type WindowOutcome } from "./walkForwardCombine.js";
import { mergedTimeline, planWalkForward, type WalkForwardSpec, type WalkForwardWindow } from "./walkForwardPlan.js";
import { selectBest, type CandidateRun } from "./walkForwardSelect.js";
import { runWarmedUp } from "./walkForwardWarmUp.js";

export interface WalkForwardOptions extends Omit<BacktestOptions, "params" | "risk" | "onProgress" | "signal" | "onEvent"> {
  /** The parameter sets tried in every in-sample window (e.g. from sweepGrid); their order breaks ties. */
  readonly paramSets: readonly Readonly<Record<string, unknown>>[];
  /** The metric the in-sample runs are ranked by. */
  readonly metric: keyof Metrics;
  /** Default: true except for metrics where lower is better (LOWER_IS_BETTER: drawdown, volatility, …). */
  readonly maximize?: boolean;
  /** The windows: a spec planned on the bars' timeline, or windows planned already (planWalkForward). */
  readonly windows: WalkForwardSpec | readonly WalkForwardWindow[];
  /** Pre-trade risk rules, made afresh for every run (rules keep state, so runs cannot share them). */
  readonly risk?: () => readonly RiskRule[];
  /** Called after every run with the runs done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops between runs once `aborted` turns true: the windows finished so far are kept, with error CANCELED. */
  readonly signal?: { readonly aborted: boolean };
}

/** A run that could not start becomes a failed candidate; anything but an engine error is a bug and propagates. */
function attempt(params: Readonly<Record<string, unknown>>, run: () => ReturnType<typeof runBacktest>): CandidateRun {
  try {
    const result = run();
    return result.error ? { params, metrics: result.metrics, error: `${result.error.code}: ${result.error.message}` } : { params, metrics: result.metrics };
  } catch (error) {
    if (error instanceof EngineError) return { params, error: error.message };
    throw error;
  }
}

/**
 * Runs a walk-forward analysis. In-sample runs see only their window's bars (runBacktest on
 * barsBetween(in-sample)), so nothing after a window's end can sway its choice. The chosen set
 * then trades the out-of-sample window with runWarmedUp, warmed up on the bars before it (the
 * spec's warmUp, by default the in-sample length), starting from the equity the previous window
 * ended with, so the stitched curve compounds. When no set qualifies in a window (all failed or
 * scored NaN), that window stays in cash. Throws InputError for bad windows (planWalkForward) or
 * no parameter sets.
 *
 * @example
 * const wf = walkForward({
 *   bars, strategy: smaCrossover, paramSets: sweepGrid(smaCrossover.params, [{ param: "fast", from: 5, to: 20, step: 5 }]),
 *   metric: "sharpe", windows: { mode: "rolling", inSample: "60d", outOfSample: "30d" }, cash: 100_000, commission: 0.001,
 * });
 * wf.windows.map((w) => w.params); wf.equity; wf.metrics.sharpe; wf.efficiency.ratio;
 */
export function walkForward(options: WalkForwardOptions): WalkForwardResult {
  const { paramSets, metric, maximize, windows: given, risk, onProgress, signal, ...settings } = options;
  const series = Array.isArray(settings.bars) ? (settings.bars as readonly BarSeries[]) : [settings.bars as BarSeries];
  if (paramSets.length === 0) throw new InputError("WF_NO_PARAM_SETS", {}, "walk-forward: give at least one parameter set to try");
  const timeline = mergedTimeline(series.map((s) => s.time));
  const windows = Array.isArray(given) ? (given as readonly WalkForwardWindow[]) : planWalkForward(timeline, given as WalkForwardSpec);
  const cash = settings.cash ?? 100_000;
  const total = windows.length * (paramSets.length + 1);
  let done = 0;
  const tick = () => onProgress?.(++done, total);
  const outcomes: WindowOutcome[] = [];
  let equity = cash;
  let error: { code: string; message: string } | undefined;
  const canceled = () => {
    if (!signal?.aborted) return false;
    error = { code: "CANCELED", message: `the walk-forward was canceled after ${outcomes.length} of ${windows.length} windows` };
    return true;
  };
  for (const span of windows) {
    const { fromMs, toMs } = span.inSample;
    const inSample = series.map((s) => barsBetween(s, fromMs, toMs));
    const candidates: CandidateRun[] = [];
    for (const params of paramSets) {
      if (canceled()) break;
      candidates.push(attempt(params, () => runBacktest({ ...settings, bars: inSample, params, risk: risk?.() })));
      tick();
    }
    if (error) break;
    const chosen = selectBest(candidates, metric, maximize).index;
    let outOfSample: WindowOutcome["outOfSample"];
    if (chosen !== undefined) {
      if (canceled()) break;
      const { fromMs: from, toMs: to } = span.outOfSample;
      try {
        outOfSample = runWarmedUp({ ...settings, params: candidates[chosen]!.params, cash: equity, risk: risk?.() }, { fromMs: from, toMs: to, warmUpFromMs: span.warmUp.fromMs });
        if (outOfSample.equity.length > 0) equity = outOfSample.equity[outOfSample.equity.length - 1]!;
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        outOfSample = { error: e.message };
      }
    }
    tick();
    outcomes.push({ window: span, candidates, outOfSample });
  }
  return combineWalkForward({ timeline, cash, metric, maximize, outcomes, error });
}
