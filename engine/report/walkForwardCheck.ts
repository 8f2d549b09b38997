import { EngineError } from "../errors.js";
import type { Metrics } from "../metrics/computeMetrics.js";
import { riskRules } from "../risk/riskConfig.js";
import { walkForward } from "../walkForward.js";
import type { WalkForwardEfficiency } from "../walkForwardCombine.js";
import { mergedTimeline, type WalkForwardSpec } from "../walkForwardPlan.js";
import { paramNeighbourhood } from "./paramNeighbourhood.js";
import { backtestOptions, type ReportRun } from "./reportRun.js";

export interface WalkForwardCheckOptions {
  /** The sets tried in each in-sample window (default: paramNeighbourhood of the run's parameters). */
  readonly paramSets?: readonly Readonly<Record<string, unknown>>[];
  /** Ranks the in-sample runs. Default "sharpe". */
  readonly metric?: keyof Metrics;
  /** Default: defaultWindows(the timeline's length). */
  readonly windows?: WalkForwardSpec;
}

/** One window, as a report shows it. */
export interface WalkForwardCheckWindow {
  readonly index: number;
  readonly inSample: { readonly fromMs: number; readonly toMs: number };
  readonly outOfSample: { readonly fromMs: number; readonly toMs: number };
  /** The set chosen in sample; undefined when none qualified (the window stayed in cash). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The chosen set's ranking metric and total return, in and out of sample. */
  readonly inSampleMetric: number;
  readonly outOfSampleMetric: number;
  readonly inSampleReturn: number;
  readonly outOfSampleReturn: number;
  readonly efficiency: number;
  /** Candidates that could not run (e.g. a set the strategy refuses). */
  readonly failed: number;
  readonly note?: string;
}

export interface WalkForwardCheck {
  readonly metric: keyof Metrics;
  /** The parameters the grid varies, and how many sets it has. */
  readonly varied: readonly string[];
  readonly paramSets: number;
  readonly windowSpec: WalkForwardSpec;
  readonly windows: readonly WalkForwardCheckWindow[];
  /** The stitched out-of-sample equity (its drawdown is drawdownSeries(equity)). */
  readonly time: readonly number[];
  readonly equity: readonly number[];
  readonly metrics?: Metrics;
  readonly efficiency?: WalkForwardEfficiency;
  /** Why the check could not run (e.g. too little data for one window), or why it stopped. */
  readonly error?: string;
}

/**
 * The default windows for a timeline of `bars` steps: rolling, out-of-sample windows of an eighth
 * of the bars (rounded up, so that five windows tile the last five eighths with no sliver left
 * over), in-sample windows three times as long.
 *
 * @example
 * defaultWindows(3653); // { mode: "rolling", inSample: 1371, outOfSample: 457 }: 5 windows
 */
export function defaultWindows(bars: number): WalkForwardSpec {
  const oos = Math.max(1, Math.ceil(bars / 8));
  return { mode: "rolling", inSample: 3 * oos, outOfSample: oos };
}

/**
 * Walk-forward out-of-sample test of the report run (engine/walkForward.ts): in each window the
 * parameter sets are run in sample, the best by `metric` trades the next window out of sample,
 * and the out-of-sample runs are stitched. Costs, fills and risk rules are the run's.
 *
 * @example
 * const wf = walkForwardCheck(run); wf.efficiency?.ratio; wf.windows.length;
 */
export function walkForwardCheck(run: ReportRun, options: WalkForwardCheckOptions = {}): WalkForwardCheck {
  const metric = options.metric ?? "sharpe";
  const timeline = mergedTimeline(run.bars.map((s) => s.time));
  const windowSpec = options.windows ?? defaultWindows(timeline.length);
  const grid = options.paramSets
    ? { varied: [...new Set(options.paramSets.flatMap((p) => Object.keys(p)))], paramSets: options.paramSets }
    : paramNeighbourhood(run.strategy.name, run.strategy.params, run.params ?? {});
  const empty = { metric, varied: grid.varied, paramSets: grid.paramSets.length, windowSpec, windows: [], time: [], equity: [] };
  const { risk: _risk, params: _params, ...settings } = backtestOptions(run);
  let wf;
  try {
    wf = walkForward({ ...settings, paramSets: grid.paramSets, metric, windows: windowSpec, risk: run.risk ? () => riskRules(run.risk!) : undefined });
  } catch (error) {
    if (error instanceof EngineError) return { ...empty, error: error.message };
    throw error;
  }
  return {
    ...empty,
    windows: wf.windows.map(({ window: span, ...w }) => ({
      index: span.index,
      inSample: { fromMs: span.inSample.fromMs, toMs: span.inSample.toMs },
      outOfSample: { fromMs: span.outOfSample.fromMs, toMs: span.outOfSample.toMs },
      ...(w.params ? { params: w.params } : {}),
      inSampleMetric: w.inSample?.[metric] ?? NaN, outOfSampleMetric: w.outOfSample?.[metric] ?? NaN,
      inSampleReturn: w.inSample?.totalReturn ?? NaN, outOfSampleReturn: w.outOfSample?.totalReturn ?? NaN,
      efficiency: w.efficiency, failed: w.candidates.filter((c) => c.error !== undefined && !c.metrics).length,
      ...(w.note ? { note: w.note } : {}),
    })),
    time: Array.from(wf.time), equity: Array.from(wf.equity),
    metrics: wf.metrics, efficiency: wf.efficiency,
    ...(wf.error ? { error: wf.error.message } : {}),
  };
}
