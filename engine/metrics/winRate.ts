import type { Trade } from "../records.js";

/**
 * Fraction of closed trades that made money after commissions: #(netPnl > 0) / #trades
 * (0.6 = 60 %). Break-even trades (netPnl = 0) count as trades but not as wins. NaN with no trades.
 *
 * @example
 * winRate(trades); // netPnl [30, -10, 0, 20] → 2 / 4 = 0.5
 */
export function winRate(trades: readonly Trade[]): number {
  if (trades.length === 0) return NaN;
  let wins = 0;
  for (const trade of trades) if (trade.netPnl > 0) wins++;
  return wins / trades.length;
}
