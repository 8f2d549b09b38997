/**
 * Picking the in-sample winner of a walk-forward window: the parameter set whose run scores best
 * on one metric. Isomorphic and pure; the same function judges runs made in Node and runs that
 * come back from the browser's sweep workers, so both pick the same set.
 */
import type { Metrics } from "./metrics/computeMetrics.js";

/** One in-sample run as a sweep reports it: its params, its metrics, and what went wrong, if anything. */
export interface CandidateRun {
  readonly params: Readonly<Record<string, unknown>>;
  /** Missing when the run could not start. */
  readonly metrics?: Metrics;
  /** Set when the run could not start or stopped early. */
  readonly error?: string;
}

/** The outcome of a selection. */
export interface Selection {
  /** Index of the winning run in the list given; undefined when no run qualified. */
  readonly index: number | undefined;
  /** The winner's metric value (NaN when none). */
  readonly value: number;
  /** Runs that qualified: no error and a metric that is a number other than NaN. */
  readonly qualified: number;
  /** Runs that failed or stopped early. */
  readonly failed: number;
  /** Runs that finished but whose metric is NaN or missing (e.g. a Sharpe with no trades). */
  readonly unscored: number;
  /** Why nothing was chosen, when nothing was. */
  readonly reason?: string;
}

/** Metrics where a lower value is the better one; every other metric is maximised by default. */
export const LOWER_IS_BETTER: ReadonlySet<keyof Metrics> = new Set<keyof Metrics>([
  "maxDrawdown", "maxDrawdownDurationMs", "maxDrawdownDurationBars", "annualVolatility", "totalCommission", "turnover",
]);

/**
 * The run with the best `metric` (highest when `maximize`, which defaults to true except for the
 * LOWER_IS_BETTER metrics). A run that failed or stopped early (`error` set) never wins, nor does
 * one whose metric is NaN or missing; ±Infinity compare as numbers (a profit factor of ∞ beats
 * any finite one). Ties go to the earliest run in the list, so the choice is deterministic.
 * When no run qualifies, `index` is undefined and `reason` says why.
 *
 * @example
 * selectBest(sweep.runs, "sharpe"); // { index: 4, value: 1.82, qualified: 9, failed: 0, unscored: 0 }
 */
export function selectBest(runs: readonly CandidateRun[], metric: keyof Metrics, maximize = !LOWER_IS_BETTER.has(metric)): Selection {
  let index: number | undefined;
  let value = NaN;
  let qualified = 0, failed = 0, unscored = 0;
  runs.forEach((run, i) => {
    if (run.error !== undefined || !run.metrics) {
      failed++;
      return;
    }
    const v = run.metrics[metric];
    if (typeof v !== "number" || Number.isNaN(v)) {
      unscored++;
      return;
    }
    qualified++;
    if (index === undefined || (maximize ? v > value : v < value)) {
      index = i;
      value = v;
    }
  });
  if (index !== undefined) return { index, value, qualified, failed, unscored };
  const reason = runs.length === 0
    ? "there were no parameter sets to try"
    : `no in-sample run qualified: ${[failed ? `${failed} failed` : "", unscored ? `${unscored} had no ${metric} (NaN)` : ""].filter(Boolean).join(", ")}`;
  return { index, value, qualified, failed, unscored, reason };
}
