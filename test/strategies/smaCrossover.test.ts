import { describe, expect, it } from "vitest";
import { runBacktest, smaBatch } from "../../engine/index.js";
import { smaCrossover } from "../../strategies/smaCrossover.js";
import { backtestRefusal, barsFromCloses, dayTime, paramRefusal } from "./helpers.js";

// fast SMA(2) − slow SMA(4) has the sign of (c[t−1] + c[t]) − (c[t−3] + c[t−2]):
//   bar 3: −  bar 4: 0 (tie)  bar 5: + (up-cross)  bar 6: +  bar 7: 0 (tie)  bar 8: +  bar 9: − (down-cross)
const closes = [10.1, 10.2, 10.3, 9.9, 10.6, 10.9, 10.9, 10.6, 11.4, 9.8, 9.7, 9.6];
// bar i opens 0.25 above close i−1: bar 6 opens at 11.15, bar 10 at 10.05
const bars = barsFromCloses(closes);
const run = () => runBacktest({ bars, strategy: smaCrossover, params: { fast: 2, slow: 4 }, cash: 10_000, commission: 0.001 });

describe("sma-crossover", () => {
  it("sees the averages tie exactly on bars 4 and 7 of the fixture", () => {
    const d = 1;
    const fast = smaBatch(closes, 2, { decimals: d }), slow = smaBatch(closes, 4, { decimals: d });
    expect(fast[4]).toBe(slow[4]);
    expect(fast[7]).toBe(slow[7]);
  });

  it("treats a tie after a negative difference as no cross and buys on the bar where fast moves above", () => {
    const { fills } = run();
    // a tie counted as an up-cross would have bought at bar 5's open (10.85)
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(6), price: 11.15 });
  });

  it("fills the buy at the next bar's open sized floor(cash / (open × (1 + commission)))", () => {
    const { fills } = run();
    expect(fills[0]!.quantity).toBe(Math.floor(10_000 / (11.15 * (1 + 0.001))));
    expect(fills[0]!.quantity).toBe(895);
    expect(fills[0]!.commission).toBeCloseTo(895 * 11.15 * 0.001, 10);
  });

  it("treats a tie after a positive difference as no down-cross and sells only on the real down-cross", () => {
    const { fills, trades } = run();
    // a tie counted as a down-cross would have sold at bar 8's open
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ side: "sell", timeMs: dayTime(10), price: 10.05, quantity: 895 });
    expect(trades).toHaveLength(1);
  });

  it("refuses periods outside their range with PARAM_OUT_OF_RANGE", () => {
    expect(paramRefusal(smaCrossover, { fast: 1 })).toBe("PARAM_OUT_OF_RANGE");
    expect(paramRefusal(smaCrossover, { slow: 401 })).toBe("PARAM_OUT_OF_RANGE");
    expect(backtestRefusal(smaCrossover, bars, { fast: 0 })).toBe("PARAM_OUT_OF_RANGE");
    expect(paramRefusal(smaCrossover, { fast: 5, slow: 20 })).toBe("accepted");
  });
});
