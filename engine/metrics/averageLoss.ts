import type { Trade } from "../records.js";

/**
 * Mean netPnl of the losing trades (netPnl < 0), in account currency, kept NEGATIVE so that
 * expectancy = winRate × averageWin + lossRate × averageLoss holds without sign juggling.
 * NaN when no trade lost.
 *
 * @example
 * averageLoss(trades); // netPnl [30, -10, 0, -20] → (−10 − 20) / 2 = −15
 */
export function averageLoss(trades: readonly Trade[]): number {
  let sum = 0;
  let count = 0;
  for (const trade of trades) {
    if (trade.netPnl < 0) {
      sum += trade.netPnl;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}
