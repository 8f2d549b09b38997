/**
 * The p-quantile of ascending `sorted` values by linear interpolation between closest ranks
 * (Hyndman & Fan type 7, the default of R, NumPy and spreadsheets): h = (n − 1) × p,
 * x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋ + 1] − x[⌊h⌋]). NaN with no values; p is clamped to [0, 1].
 *
 * @example
 * percentile([1, 2, 3, 4], 0.5); // h = 1.5 → 2.5
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const x = sorted[lo]!;
  return lo + 1 < n ? x + (h - lo) * (sorted[lo + 1]! - x) : x;
}

/** The quantiles a tear sheet reports, as fractions. */
export const REPORT_PERCENTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/** Quantiles of a distribution, keyed "p5", "p25", …, "p95", plus min and max. */
export interface Percentiles {
  readonly min: number;
  readonly p5: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
  readonly max: number;
}

/**
 * The REPORT_PERCENTILES of ascending `sorted` values, with min and max.
 *
 * @example
 * percentiles([1, 2, 3, 4, 5]); // { min: 1, p5: 1.2, p25: 2, p50: 3, p75: 4, p95: 4.8, max: 5 }
 */
export function percentiles(sorted: ArrayLike<number>): Percentiles {
  const n = sorted.length;
  return {
    min: n ? sorted[0]! : NaN, p5: percentile(sorted, 0.05), p25: percentile(sorted, 0.25), p50: percentile(sorted, 0.5),
    p75: percentile(sorted, 0.75), p95: percentile(sorted, 0.95), max: n ? sorted[n - 1]! : NaN,
  };
}
