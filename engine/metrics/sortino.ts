import { NEGLIGIBLE_DEVIATION } from "./negligibleDeviation.js";

/**
 * Annualised Sortino ratio: mean(r − t) / DD × sqrt(periodsPerYear), with target
 * t = riskFreeRate / periodsPerYear (riskFreeRate an annual fraction) and downside deviation
 * DD = sqrt(Σ min(0, r − t)² / n) over ALL n period returns ({@link periodReturns}) — periods
 * above target count as zero downside, they are not dropped. NaN when there are no returns, and
 * NaN when no period falls below target (DD ≤ {@link NEGLIGIBLE_DEVIATION}), as for Sharpe.
 *
 * @example
 * sortino(Float64Array.of(0.1, -0.1, 0.2), 1); // mean 0.066667 / sqrt(0.01 / 3) = 1.1547
 */
export function sortino(returns: Float64Array, periodsPerYear: number, riskFreeRate = 0): number {
  const n = returns.length;
  if (n === 0) return NaN;
  const target = riskFreeRate / periodsPerYear;
  let excessSum = 0;
  let downsideSquares = 0;
  for (let i = 0; i < n; i++) {
    const excess = returns[i]! - target;
    excessSum += excess;
    if (excess < 0) downsideSquares += excess * excess;
  }
  const downsideDeviation = Math.sqrt(downsideSquares / n);
  if (!(downsideDeviation > NEGLIGIBLE_DEVIATION)) return NaN;
  return (excessSum / n / downsideDeviation) * Math.sqrt(periodsPerYear);
}
