import type { Fill } from "../records.js";

/**
 * Turnover over the whole run, not annualised: Σ |quantity × price| over all fills divided by
 * the mean of the equity samples (2 = the average account value was traded twice, buys and sells
 * both counting). NaN with no equity samples or a mean equity that is not positive.
 *
 * @example
 * turnover(fills, Float64Array.of(100, 100)); // fills 1 × 50 buy, 1 × 60 sell → 110 / 100 = 1.1
 */
export function turnover(fills: readonly Fill[], equity: Float64Array): number {
  const n = equity.length;
  if (n === 0) return NaN;
  let equitySum = 0;
  for (let i = 0; i < n; i++) equitySum += equity[i]!;
  const meanEquity = equitySum / n;
  if (!(meanEquity > 0)) return NaN;
  let traded = 0;
  for (const fill of fills) traded += Math.abs(fill.quantity * fill.price);
  return traded / meanEquity;
}
