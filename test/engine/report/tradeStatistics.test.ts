import { describe, expect, it } from "vitest";
import { tradeStatistics } from "../../../engine/report/tradeStatistics.js";
import { trade } from "./trades.ts";

describe("tradeStatistics", () => {
  // net PnL in exit order: win, win, loss, even, loss, loss, loss, win
  const trades = [trade(30, { hours: 2 }), trade(20, { hours: 4 }), trade(-10, { hours: 1 }), trade(0, { hours: 3 }),
    trade(-20, { hours: 1 }), trade(-5, { hours: 2 }), trade(-5, { hours: 6, direction: "short" }), trade(40, { hours: 8 })];
  const s = tradeStatistics(trades);

  it("counts wins, losses, break-evens and sides", () => {
    expect([s.count, s.wins, s.losses, s.breakevens, s.long, s.short]).toEqual([8, 3, 4, 1, 7, 1]);
    expect(s.winRate).toBe(3 / 8);
  });

  it("averages wins and losses, and their payoff, expectancy and profit factor", () => {
    expect(s.averageWin).toBe(30); // (30 + 20 + 40) / 3
    expect(s.averageLoss).toBe(-10); // (−10 − 20 − 5 − 5) / 4
    expect(s.payoff).toBe(3);
    expect(s.expectancy).toBe(50 / 8);
    expect(s.profitFactor).toBe(90 / 40);
    expect([s.grossProfit, s.grossLoss, s.netPnl, s.commission]).toEqual([90, -40, 50, 8]);
    expect([s.best, s.worst]).toEqual([40, -20]);
  });

  it("finds the longest streaks, a break-even ending both", () => {
    expect(s.longestWinStreak).toBe(2);
    expect(s.longestLossStreak).toBe(3); // −20, −5, −5 after the break-even
  });

  it("measures holding times: mean, median, longest, and for winners and losers apart", () => {
    const H = 3_600_000;
    expect(s.holding.meanMs).toBe((27 / 8) * H); // 2 + 4 + 1 + 3 + 1 + 2 + 6 + 8 = 27 hours
    expect(s.holding.medianMs).toBe(2.5 * H); // sorted 1 1 2 2 3 4 6 8
    expect(s.holding.maxMs).toBe(8 * H);
    expect(s.holding.meanBars).toBe(27 / 8);
    expect(s.holdingWins.meanMs).toBe(((2 + 4 + 8) / 3) * H);
    expect(s.holdingLosses.medianMs).toBe(1.5 * H); // 1 1 2 6
  });

  it("has no averages without trades, and Infinity as profit factor without losses", () => {
    const none = tradeStatistics([]);
    expect([none.count, none.longestWinStreak, none.longestLossStreak]).toEqual([0, 0, 0]);
    for (const x of [none.winRate, none.averageWin, none.payoff, none.expectancy, none.profitFactor, none.best, none.holding.meanMs]) expect(x).toBeNaN();
    const onlyWins = tradeStatistics([trade(5), trade(7)]);
    expect(onlyWins.profitFactor).toBe(Infinity);
    expect(onlyWins.payoff).toBeNaN();
  });
});
