import type { Fill } from "../records.js";

/**
 * Total commission paid: Σ fill.commission over all fills, in account currency — fills rather
 * than trades, so that a position still open at the end is charged too. 0 with no fills.
 *
 * @example
 * totalCommission(fills); // commissions [1, 0.5, 1.25] → 2.75
 */
export function totalCommission(fills: readonly Fill[]): number {
  let sum = 0;
  for (const fill of fills) sum += fill.commission;
  return sum;
}
