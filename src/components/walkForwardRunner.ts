/**
 * Walk-forward analysis in the browser, over the engine client's workers: the in-sample runs of
 * every window go out as one sweep() (each window a `range`, all in one pool of workers), then
 * each window's chosen set trades its out-of-sample window in one backtest() (with
 * `range.warmUpFromMs` for the warm-up), from the equity the window before ended with; and
 * combineWalkForward stitches the windows. These are the engine functions the Node runner
 * (engine/walkForward.ts) calls, in the same order, so both give the same numbers.
 *
 * @example
 * const windows = planWalkForward(bars.time, { inSample: "60d", outOfSample: "30d" });
 * const signal = { aborted: false };
 * const { result, hindsight } = await runWalkForward(engine, { dataset: "data", symbols: "SYN-A", strategy: "sma-crossover",
 *   paramSets, metric: "sharpe", windows, timeline: bars.time, cash: 100_000, commission: 0.001, hindsight: true, signal }, (done, total, phase) => …);
 * // Cancel: signal.aborted = true; engine.cancelSweep(); engine.cancelBacktest();  → resolves with the windows done and error CANCELED
 */
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import { combineWalkForward, type WalkForwardResult, type WindowOutcome } from "../engine/walkForwardCombine.js";
import type { WalkForwardWindow } from "../engine/walkForwardPlan.js";
import { selectBest } from "../engine/walkForwardSelect.js";
import type { BacktestResult, Engine, SweepRequest, SweepRun } from "./engineClient.js";

/** A walk-forward as the page asks for it: a sweep's settings (no range), the windows, and the metric. */
export interface WalkForwardRequest extends Omit<SweepRequest, "range" | "ranges"> {
  readonly metric: keyof Metrics;
  /** Default: as selectBest (true except for lower-is-better metrics). */
  readonly maximize?: boolean;
  /** From planWalkForward on `timeline`. */
  readonly windows: readonly WalkForwardWindow[];
  /** The bar times the windows were planned on. */
  readonly timeline: ArrayLike<number>;
  /** Also find the set that is best on all the data and run it over the out-of-sample span (see Hindsight). */
  readonly hindsight?: boolean;
  /** Set `aborted` (and cancel the engine's sweep and backtest) to stop: the windows done are kept. */
  readonly signal?: { readonly aborted: boolean };
}

/**
 * The contrast to a walk-forward: the set that scores best on all the data (by the same metric
 * and rule), run from the first out-of-sample bar to the last window's end with the first
 * window's warm-up, from the same cash. It has seen the future it trades: the gap between it and
 * the walk-forward curve is what the optimisation could not have known.
 */
export interface Hindsight {
  readonly params?: Readonly<Record<string, unknown>>;
  /** Its metric on all the data. */
  readonly value: number;
  /** Its run over the out-of-sample span; undefined when no set qualified. */
  readonly run?: BacktestResult;
  readonly note?: string;
}

export interface WalkForwardRun {
  readonly result: WalkForwardResult;
  readonly hindsight?: Hindsight;
}

/** What is under way: the in-sample sweep, or the out-of-sample run of window `window` (0-based). */
export type Phase = { readonly kind: "in-sample" } | { readonly kind: "out-of-sample"; readonly window: number } | { readonly kind: "hindsight" };

const isCanceled = (e: unknown) => (e as { name?: string } | undefined)?.name === "CanceledError";
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const lastOf = (a: Float64Array, fallback: number) => (a.length > 0 ? a[a.length - 1]! : fallback);

/**
 * Runs the walk-forward. `onProgress(done, total, phase)` counts runs: every in-sample run, then
 * one per out-of-sample window (and two for the hindsight contrast). A cancel through the engine
 * (or `signal.aborted`) ends it with error CANCELED and the windows whose out-of-sample run
 * finished (none when it came during the in-sample sweep); any other failure of the sweep rejects.
 */
export async function runWalkForward(engine: Engine, request: WalkForwardRequest, onProgress?: (done: number, total: number, phase: Phase) => void): Promise<WalkForwardRun> {
  const { windows, timeline, metric, maximize, signal, paramSets, hindsight: withHindsight, ...settings } = request;
  const cash = settings.cash ?? 100_000;
  const sets = paramSets.length;
  const ranges: { fromMs?: number; toMs?: number }[] = windows.map((w) => ({ fromMs: w.inSample.fromMs, toMs: w.inSample.toMs }));
  // the hindsight's in-sample runs ride in the same sweep: one more period, all of the data
  if (withHindsight) ranges.push({});
  const total = ranges.length * sets + windows.length + (withHindsight ? 1 : 0);
  const outcomes: WindowOutcome[] = [];
  const canceled = (when: string) => ({ code: "CANCELED", message: `the walk-forward was canceled ${when}` });
  const done = (error?: { code: string; message: string }, hindsight?: Hindsight): WalkForwardRun =>
    ({ result: combineWalkForward({ timeline, cash, metric, maximize, outcomes, error }), ...(hindsight ? { hindsight } : {}) });

  if (windows.length === 0) return done();
  let runs: readonly SweepRun[];
  try {
    if (signal?.aborted) throw Object.assign(new Error("canceled"), { name: "CanceledError" });
    runs = (await engine.sweep({ ...settings, paramSets, ranges }, (d) => onProgress?.(d, total, { kind: "in-sample" }))).runs;
  } catch (e) {
    if (!isCanceled(e)) throw e;
    return done(canceled("during the in-sample runs, before any window finished"));
  }
  let count = ranges.length * sets;
  let equity = cash;
  for (const [k, window] of windows.entries()) {
    const candidates = runs.slice(k * sets, (k + 1) * sets);
    const chosen = selectBest(candidates, metric, maximize).index;
    let outOfSample: WindowOutcome["outOfSample"];
    if (chosen !== undefined) {
      const { fromMs, toMs } = window.outOfSample;
      try {
        if (signal?.aborted) throw Object.assign(new Error("canceled"), { name: "CanceledError" });
        onProgress?.(count, total, { kind: "out-of-sample", window: k });
        outOfSample = await engine.backtest({ ...settings, params: candidates[chosen]!.params, cash: equity, range: { fromMs, toMs, warmUpFromMs: window.warmUp.fromMs } });
        equity = lastOf(outOfSample.equity, equity);
      } catch (e) {
        if (isCanceled(e)) return done(canceled(`after ${outcomes.length} of ${windows.length} windows`));
        outOfSample = { error: message(e) };
      }
    }
    onProgress?.(++count, total, { kind: "out-of-sample", window: k });
    outcomes.push({ window, candidates, outOfSample });
  }
  if (!withHindsight) return done();
  return done(undefined, await hindsight(engine, request, runs.slice(windows.length * sets), () => onProgress?.(total, total, { kind: "hindsight" })));
}

/** The hindsight run, from the in-sample runs on all the data. A cancel gives a note instead of a run. */
async function hindsight(engine: Engine, request: WalkForwardRequest, runs: readonly SweepRun[], onDone: () => void): Promise<Hindsight> {
  const { windows, timeline: _t, metric, maximize, signal, paramSets: _p, hindsight: _h, ...settings } = request;
  const best = selectBest(runs, metric, maximize);
  if (best.index === undefined) return { value: NaN, note: best.reason };
  const params = runs[best.index]!.params;
  const first = windows[0]!, last = windows[windows.length - 1]!;
  try {
    if (signal?.aborted) throw Object.assign(new Error("canceled"), { name: "CanceledError" });
    const range = { fromMs: first.outOfSample.fromMs, toMs: last.outOfSample.toMs, warmUpFromMs: first.warmUp.fromMs };
    const run = await engine.backtest({ ...settings, params, range });
    onDone();
    return { params, value: best.value, run };
  } catch (e) {
    return { params, value: best.value, note: isCanceled(e) ? "canceled" : message(e) };
  }
}
