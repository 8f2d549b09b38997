/**
 * Compound annual growth rate as a fraction: (final / initialCash)^(1 / years) − 1, where
 * final = equity[n−1] and years = n / periodsPerYear — the n period returns of
 * {@link periodReturns}, each one period long, so the first return (cash → first mark) counts
 * as a full period. NaN when there are no samples, periodsPerYear is not positive and finite,
 * or the final value is negative (a root of a negative growth factor has no meaning);
 * a final value of exactly 0 gives −1.
 *
 * @example
 * cagr(Float64Array.of(110, 121), 100, 2); // years = 2 / 2 = 1 → 1.21^1 − 1 = 0.21
 */
export function cagr(equity: Float64Array, initialCash: number, periodsPerYear: number): number {
  const n = equity.length;
  if (n === 0 || !(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) return NaN;
  const growth = equity[n - 1]! / initialCash;
  if (!(growth >= 0)) return NaN;
  return Math.pow(growth, periodsPerYear / n) - 1;
}
