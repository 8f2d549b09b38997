import { sharpe } from "../metrics/sharpe.js";
import { periodReturns } from "../metrics/periodReturns.js";

export interface RollingSharpeOptions {
  /** Samples per window; default half a year of samples (periodsPerYear / 2), at least 2. */
  readonly window?: number;
  /** Samples per year for annualising (the run's metrics.periodsPerYear). */
  readonly periodsPerYear: number;
  /** At most about this many points are computed (evenly spaced; the last sample always). Default 2000. */
  readonly maxPoints?: number;
}

export interface RollingSharpe {
  /** The window used, in samples. */
  readonly window: number;
  /** The window's end (UTC ms) and the Sharpe of the window's period returns. */
  readonly time: readonly number[];
  readonly sharpe: readonly number[];
}

/**
 * The annualised Sharpe ratio over a trailing window: at sample i ≥ window − 1, {@link sharpe} of
 * the period returns r[i − window + 1 … i] (r as computeMetrics takes them, from the initial
 * cash), so the last point over the whole run with window = n equals the run's own Sharpe. Each
 * point is computed exactly (no running sums), at most `maxPoints` of them. Empty when the run
 * has fewer samples than one window holds.
 *
 * @example
 * rollingSharpe(result.time, result.equity, result.initialCash, { window: 63, periodsPerYear: 252 });
 */
export function rollingSharpe(timeMs: ArrayLike<number>, equity: Float64Array, initialCash: number, options: RollingSharpeOptions): RollingSharpe {
  const n = equity.length;
  const ppy = options.periodsPerYear;
  const window = Math.max(2, Math.round(options.window ?? ppy / 2));
  const time: number[] = [], values: number[] = [];
  if (!(window <= n)) return { window, time, sharpe: values };
  const returns = periodReturns(equity, initialCash);
  const points = n - window + 1;
  const stride = Math.max(1, Math.ceil(points / (options.maxPoints ?? 2000)));
  for (let k = 0; k < points; k += stride) {
    const end = window - 1 + k;
    time.push(timeMs[end]!);
    values.push(sharpe(returns.subarray(end - window + 1, end + 1), ppy));
  }
  if ((points - 1) % stride !== 0) {
    time.push(timeMs[n - 1]!);
    values.push(sharpe(returns.subarray(n - window, n), ppy));
  }
  return { window, time, sharpe: values };
}
