import { meanAndStd } from "./meanAndStd.js";

/**
 * Annualised volatility as a fraction: std(r) × sqrt(periodsPerYear), with std the sample
 * standard deviation (n − 1) of the period returns r (see {@link periodReturns}). NaN with fewer
 * than 2 returns; 0 for a series that never varies.
 *
 * @example
 * annualVolatility(Float64Array.of(0.01, -0.01), 252); // 0.014142… × 15.874… = 0.2245
 */
export function annualVolatility(returns: Float64Array, periodsPerYear: number): number {
  return meanAndStd(returns).std * Math.sqrt(periodsPerYear);
}
