import type { Trade } from "../records.js";

/**
 * Profit factor: Σ netPnl of winning trades / |Σ netPnl of losing trades| (netPnl after
 * commissions; break-evens add to neither side). Infinity when there are wins but no losses — the
 * honest value of "never lost" — 0 when there are losses but no wins, NaN with no trades or
 * only break-evens (0 / 0).
 *
 * @example
 * profitFactor(trades); // netPnl [30, -10, 0, 20] → 50 / 10 = 5
 */
export function profitFactor(trades: readonly Trade[]): number {
  let gains = 0;
  let losses = 0;
  for (const trade of trades) {
    if (trade.netPnl > 0) gains += trade.netPnl;
    else if (trade.netPnl < 0) losses -= trade.netPnl;
  }
  if (losses === 0) return gains > 0 ? Infinity : NaN;
  return gains / losses;
}
