import { describe, expect, it } from "vitest";
import {
  averageLoss, averageWin, expectancy, exposureFraction, profitFactor, timeInMarket, totalCommission, turnover, winRate,
} from "../../../engine/metrics/index.js";
import { f64, fill, trade } from "./fixtures.js";

// netPnl [30, −10, 0, 20]: 2 wins, 1 loss, 1 break-even
const MIXED = [trade(30), trade(-10), trade(0), trade(20)];

describe("winRate", () => {
  it("counts trades with positive netPnl over all trades, break-evens included in the count", () => {
    expect(winRate(MIXED)).toBe(0.5); // 2 / 4
  });

  it("gives a win rate of NaN when there are no trades", () => {
    expect(winRate([])).toBeNaN();
  });

  it("judges a trade by netPnl, so a gross winner eaten by commission is not a win", () => {
    expect(winRate([trade(-1, { grossPnl: 2, commission: 3 })])).toBe(0);
  });
});

describe("profitFactor", () => {
  it("divides the sum of wins by the magnitude of the sum of losses", () => {
    expect(profitFactor(MIXED)).toBe(5); // (30 + 20) / 10
  });

  it("is Infinity when there are wins and no losing trade", () => {
    expect(profitFactor([trade(5), trade(0)])).toBe(Infinity);
  });

  it("is zero when nothing won and NaN with no trades or only break-evens", () => {
    expect(profitFactor([trade(-5)])).toBe(0);
    expect(profitFactor([])).toBeNaN();
    expect(profitFactor([trade(0), trade(0)])).toBeNaN();
  });
});

describe("averageWin and averageLoss", () => {
  it("averages the winners as a positive amount", () => {
    expect(averageWin(MIXED)).toBe(25); // (30 + 20) / 2
  });

  it("averages the losers as a negative amount", () => {
    expect(averageLoss([trade(30), trade(-10), trade(0), trade(-20)])).toBe(-15); // (−10 − 20) / 2
  });

  it("gives NaN when there is no winner or no loser to average", () => {
    expect(averageWin([trade(-1)])).toBeNaN();
    expect(averageLoss([trade(1), trade(0)])).toBeNaN();
  });
});

describe("expectancy", () => {
  it("is the mean netPnl per trade, break-evens included", () => {
    expect(expectancy(MIXED)).toBe(10); // (30 − 10 + 0 + 20) / 4
  });

  it("equals winRate × averageWin + lossRate × averageLoss", () => {
    // 0.5 × 25 + 0.25 × (−10) = 12.5 − 2.5 = 10
    expect(winRate(MIXED) * averageWin(MIXED) + 0.25 * averageLoss(MIXED)).toBe(expectancy(MIXED));
  });

  it("gives NaN when there are no trades", () => {
    expect(expectancy([])).toBeNaN();
  });
});

describe("totalCommission", () => {
  it("adds up the commission of every fill", () => {
    expect(totalCommission([fill(1, 50, 1), fill(1, 60, 0.5), fill(2, 10, 1.25)])).toBe(2.75);
    expect(totalCommission([])).toBe(0);
  });
});

describe("turnover", () => {
  it("divides the traded value of all fills by the mean equity, not annualised", () => {
    // |1 × 50| + |1 × 60| = 110 traded; mean equity (90 + 110) / 2 = 100 → 1.1
    expect(turnover([fill(1, 50), fill(1, 60, 0, "sell")], f64(90, 110))).toBeCloseTo(1.1, 12);
  });

  it("is zero with no fills and NaN with no equity samples", () => {
    expect(turnover([], f64(100))).toBe(0);
    expect(turnover([fill(1, 50)], f64())).toBeNaN();
  });
});

describe("exposureFraction", () => {
  it("counts the samples holding any exposure, whatever its size or sign", () => {
    expect(exposureFraction(f64(0, 1, 0.5, 0))).toBe(0.5); // 2 / 4
    expect(exposureFraction(f64(-1, 0, 2, NaN))).toBe(0.5); // NaN counts as flat
  });

  it("gives NaN when there are no samples", () => {
    expect(exposureFraction(f64())).toBeNaN();
  });
});

describe("timeInMarket", () => {
  const t = f64(0, 1, 2, 3, 4);

  it("counts the samples from entry up to but excluding exit", () => {
    // [1, 3) holds samples 1 and 2 = the trade's 2 bars → 2 / 5
    expect(timeInMarket(t, [trade(1, { entryTimeMs: 1, exitTimeMs: 3, bars: 2 })])).toBe(0.4);
  });

  it("counts overlapping trades once", () => {
    // [1, 3) ∪ [2, 4) = [1, 4) → samples 1, 2, 3 → 3 / 5
    const trades = [trade(1, { entryTimeMs: 2, exitTimeMs: 4 }), trade(1, { entryTimeMs: 1, exitTimeMs: 3 })];
    expect(timeInMarket(t, trades)).toBe(0.6);
  });

  it("adds up disjoint trades", () => {
    // [0, 1) → sample 0; [3, 10) → samples 3, 4 → 3 / 5
    const trades = [trade(1, { entryTimeMs: 0, exitTimeMs: 1 }), trade(1, { entryTimeMs: 3, exitTimeMs: 10 })];
    expect(timeInMarket(t, trades)).toBe(0.6);
  });

  it("is zero without trades and NaN without samples", () => {
    expect(timeInMarket(t, [])).toBe(0);
    expect(timeInMarket(f64(), [trade(1)])).toBeNaN();
  });
});
