import { DAY_MS } from "../time.js";

/** A Julian year in ms (365.25 days): the year every annualisation in the metrics uses. */
export const YEAR_MS = 365.25 * DAY_MS;

/**
 * Sampling frequency of a timeline in periods per year:
 * (n − 1) / ((timeMs[n−1] − timeMs[0]) / YEAR_MS), YEAR_MS = 365.25 days. Gaps count as elapsed
 * time, so daily weekday bars give ≈ 260.9 (≈ 252 once exchange holidays are missing too) and
 * 24/7 one-minute bars give 525,960. NaN with fewer than 2 samples or no elapsed time.
 *
 * @example
 * const t = Float64Array.from({ length: 1441 }, (_, i) => i * 60_000); // one day of minutes
 * inferPeriodsPerYear(t); // 525960
 */
export function inferPeriodsPerYear(timeMs: Float64Array): number {
  const n = timeMs.length;
  if (n < 2) return NaN;
  const elapsedMs = timeMs[n - 1]! - timeMs[0]!;
  if (!(elapsedMs > 0)) return NaN;
  return (n - 1) / (elapsedMs / YEAR_MS);
}
