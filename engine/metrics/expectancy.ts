import type { Trade } from "../records.js";

/**
 * Expectancy: mean netPnl per closed trade, Σ netPnl / #trades, in account currency
 * (break-evens included). NaN with no trades.
 *
 * @example
 * expectancy(trades); // netPnl [30, -10, 0, 20] → 40 / 4 = 10
 */
export function expectancy(trades: readonly Trade[]): number {
  if (trades.length === 0) return NaN;
  let sum = 0;
  for (const trade of trades) sum += trade.netPnl;
  return sum / trades.length;
}
