import { averageLoss as meanLoss } from "../metrics/averageLoss.js";
import { averageWin as meanWin } from "../metrics/averageWin.js";
import { expectancy as meanPnl } from "../metrics/expectancy.js";
import { profitFactor as pnlRatio } from "../metrics/profitFactor.js";
import type { Trade } from "../records.js";

/** A distribution summary of holding times. */
export interface HoldingTimes {
  /** Mean, median and longest, in ms (exit time − entry time). */
  readonly meanMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** Mean timeline steps from entry to exit (Trade.bars). */
  readonly meanBars: number;
}

/** What the closed trades of a run say, in account currency and fractions. */
export interface TradeStatistics {
  readonly count: number;
  readonly wins: number;
  readonly losses: number;
  /** netPnl exactly 0. */
  readonly breakevens: number;
  readonly long: number;
  readonly short: number;
  /** wins / count; NaN with no trades. */
  readonly winRate: number;
  /** Mean netPnl of the winners (NaN without any). */
  readonly averageWin: number;
  /** Mean netPnl of the losers, negative (NaN without any). */
  readonly averageLoss: number;
  /** averageWin / |averageLoss|: how much a typical win pays against a typical loss. NaN without wins or losses. */
  readonly payoff: number;
  /** Mean netPnl per trade: winRate × averageWin + lossRate × averageLoss. NaN with no trades. */
  readonly expectancy: number;
  /** Σ wins / |Σ losses|; Infinity with wins and no losses; NaN with neither. */
  readonly profitFactor: number;
  readonly grossProfit: number;
  readonly grossLoss: number;
  readonly netPnl: number;
  readonly commission: number;
  /** Best and worst netPnl and returnPct (NaN with no trades). */
  readonly best: number;
  readonly worst: number;
  readonly bestReturn: number;
  readonly worstReturn: number;
  /** Most wins (losses) in a row in exit order; a break-even ends both streaks. */
  readonly longestWinStreak: number;
  readonly longestLossStreak: number;
  readonly holding: HoldingTimes;
  readonly holdingWins: HoldingTimes;
  readonly holdingLosses: HoldingTimes;
}

function holding(trades: readonly Trade[]): HoldingTimes {
  if (trades.length === 0) return { meanMs: NaN, medianMs: NaN, maxMs: NaN, meanBars: NaN };
  const ms = Float64Array.from(trades, (t) => t.exitTimeMs - t.entryTimeMs).sort();
  const n = ms.length;
  let sum = 0, bars = 0;
  for (const t of trades) bars += t.bars;
  for (let i = 0; i < n; i++) sum += ms[i]!;
  const median = n % 2 ? ms[(n - 1) / 2]! : (ms[n / 2 - 1]! + ms[n / 2]!) / 2;
  return { meanMs: sum / n, medianMs: median, maxMs: ms[n - 1]!, meanBars: bars / n };
}

/**
 * Statistics of closed round trips, in the order given (the run's: by exit). A trade wins when its
 * netPnl (after commissions) is above 0 and loses below 0.
 *
 * @example
 * tradeStatistics(result.trades).payoff; // netPnl [30, −10, 20, −20] → avg win 25 / avg loss 15 = 1.667
 */
export function tradeStatistics(trades: readonly Trade[]): TradeStatistics {
  let wins = 0, losses = 0, breakevens = 0, long = 0, grossProfit = 0, grossLoss = 0, commission = 0;
  let best = -Infinity, worst = Infinity, bestReturn = -Infinity, worstReturn = Infinity;
  let winRun = 0, lossRun = 0, longestWinStreak = 0, longestLossStreak = 0;
  for (const t of trades) {
    if (t.direction === "long") long++;
    commission += t.commission;
    best = Math.max(best, t.netPnl);
    worst = Math.min(worst, t.netPnl);
    bestReturn = Math.max(bestReturn, t.returnPct);
    worstReturn = Math.min(worstReturn, t.returnPct);
    if (t.netPnl > 0) {
      wins++;
      grossProfit += t.netPnl;
      winRun++;
      lossRun = 0;
    } else if (t.netPnl < 0) {
      losses++;
      grossLoss += t.netPnl;
      lossRun++;
      winRun = 0;
    } else {
      breakevens++;
      winRun = lossRun = 0;
    }
    longestWinStreak = Math.max(longestWinStreak, winRun);
    longestLossStreak = Math.max(longestLossStreak, lossRun);
  }
  const count = trades.length;
  // the engine's own formulas, so these agree with result.metrics to the last digit
  const averageWin = meanWin(trades);
  const averageLoss = meanLoss(trades);
  const none = count === 0;
  return {
    count, wins, losses, breakevens, long, short: count - long,
    winRate: none ? NaN : wins / count,
    averageWin, averageLoss,
    payoff: averageWin / Math.abs(averageLoss),
    expectancy: meanPnl(trades),
    profitFactor: pnlRatio(trades),
    grossProfit, grossLoss, netPnl: grossProfit + grossLoss, commission,
    best: none ? NaN : best, worst: none ? NaN : worst, bestReturn: none ? NaN : bestReturn, worstReturn: none ? NaN : worstReturn,
    longestWinStreak, longestLossStreak,
    holding: holding(trades),
    holdingWins: holding(trades.filter((t) => t.netPnl > 0)),
    holdingLosses: holding(trades.filter((t) => t.netPnl < 0)),
  };
}
