import { meanAndStd } from "./meanAndStd.js";
import { NEGLIGIBLE_DEVIATION } from "./negligibleDeviation.js";

/**
 * Annualised Sharpe ratio: mean(r − riskFreeRate / periodsPerYear) / std(r) × sqrt(periodsPerYear),
 * where r are the period returns ({@link periodReturns}), std is the sample standard deviation
 * (n − 1) and riskFreeRate is an annual fraction (0.03 = 3 %) spread evenly over the periods.
 * NaN with fewer than 2 returns, and NaN when the returns never vary (std ≤
 * {@link NEGLIGIBLE_DEVIATION}): a reward per unit of zero risk is undefined, not infinite.
 *
 * @example
 * sharpe(Float64Array.of(0.01, -0.005, 0.02), 252); // mean 0.008333 / std 0.012583 × 15.875 = 10.51
 */
export function sharpe(returns: Float64Array, periodsPerYear: number, riskFreeRate = 0): number {
  const { mean, std } = meanAndStd(returns);
  if (!(std > NEGLIGIBLE_DEVIATION)) return NaN;
  return ((mean - riskFreeRate / periodsPerYear) / std) * Math.sqrt(periodsPerYear);
}
