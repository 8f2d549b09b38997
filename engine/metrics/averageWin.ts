import type { Trade } from "../records.js";

/**
 * Mean netPnl of the winning trades (netPnl > 0), in account currency. NaN when no trade won.
 *
 * @example
 * averageWin(trades); // netPnl [30, -10, 0, 20] → (30 + 20) / 2 = 25
 */
export function averageWin(trades: readonly Trade[]): number {
  let sum = 0;
  let count = 0;
  for (const trade of trades) {
    if (trade.netPnl > 0) {
      sum += trade.netPnl;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}
