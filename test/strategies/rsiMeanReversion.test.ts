import { describe, expect, it } from "vitest";
import { rsiBatch, runBacktest } from "../../engine/index.js";
import { rsiMeanReversion } from "../../strategies/rsiMeanReversion.js";
import { strategies } from "../../strategies/index.js";
import {
  backtestRefusal, barsFromCloses, dailyBars, dayTime, decidedOn, expectFillsWithinTheirBars, expectIdenticalRuns,
  expectPrefixStable, paramRefusal, recordedRun,
} from "./helpers.js";
import { HAS_ORCL, loadOrcl } from "./loadOrcl.js";

const params = { period: 3, oversold: 30, exitLevel: 70 };

// RSI(3): bar 5 33.3, bar 6 19.0 (< 30: buy), bar 7 38.7, bar 8 64.6, bar 9 78.3 (> 70: sell)
// bar i opens 0.25 above close i−1: bar 7 opens at 9.25, bar 10 at 11.75
const dipAndRecovery = barsFromCloses([10, 10.5, 11, 11.5, 11, 10, 9, 9.5, 10.5, 11.5, 12, 12.5, 12]);

// RSI(3) by bar: 6: 19.0 (buy), 7: 19.0, 8: 14.8, 9: 12.1, 10: 63.0, 11: 28.4 (buy again), 12: 36.0
const dipThatKeepsFalling = dailyBars([
  [10, 10.5, 9.5, 10], [10.25, 11, 9.75, 10.5], [10.75, 11.5, 10.25, 11], [11.25, 12, 10.75, 11.5],
  [11.75, 12.25, 10.5, 11], [11.25, 11.75, 9.5, 10], [10.25, 10.75, 8.5, 9],
  [9.25, 9.5, 8.5, 9], // entry fills at the open; the low reaches the stop, which is not live yet
  [9, 9.2, 8.6, 8.7], // opens above the stop (8.7875), the low reaches it
  [8.7, 8.8, 8.4, 8.5],
  [8.6, 9.6, 8.6, 9.5], // RSI back above oversold: re-armed
  [9.4, 9.5, 8, 8.1],
  [8.2, 8.5, 8, 8.3],
]);

describe("rsi-mean-reversion", () => {
  it("is registered under its name", () => {
    expect(strategies["rsi-mean-reversion"]).toBe(rsiMeanReversion);
  });

  it("checks the fixture: RSI(3) is below 30 only on bar 6 and, after it, above 70 first on bar 9", () => {
    const r = [...rsiBatch(dipAndRecovery.close, 3)];
    expect(r.map((x, i) => (x < 30 ? i : -1)).filter((i) => i >= 0)).toEqual([6]);
    expect(r.findIndex((x, i) => i > 6 && x > 70)).toBe(9);
  });

  it("buys at the open after the dip bar and sells at the open after RSI rises above the exit level", () => {
    const { fills, trades } = runBacktest({ bars: dipAndRecovery, strategy: rsiMeanReversion, params, cash: 10_000, commission: 0.001 });
    expect(fills).toHaveLength(2);
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(7), price: 9.25, quantity: Math.floor(10_000 / (9.25 * 1.001)) });
    expect(fills[1]).toMatchObject({ side: "sell", timeMs: dayTime(10), price: 11.75, quantity: fills[0]!.quantity });
    expect(trades).toHaveLength(1);
  });

  it("holds only `allocation` of equity", () => {
    const { fills } = runBacktest({ bars: dipAndRecovery, strategy: rsiMeanReversion, params: { ...params, allocation: 0.5 }, cash: 10_000 });
    expect(fills[0]!.quantity).toBe(Math.floor(5_000 / 9.25));
  });

  it("exits at the exit level rather than at overbought when exitLevel is 50", () => {
    // RSI 64.6 on bar 8 is above 50: sold at bar 9's open (10.75)
    const { fills } = runBacktest({ bars: dipAndRecovery, strategy: rsiMeanReversion, params: { ...params, exitLevel: 50 }, cash: 10_000 });
    expect(fills[1]).toMatchObject({ side: "sell", timeMs: dayTime(9), price: 10.75 });
  });

  it("places a reduce-only stop at entry × (1 − stopLossPct) that first meets the bar after the entry fill", () => {
    const { fills, orders } = runBacktest({ bars: dipThatKeepsFalling, strategy: rsiMeanReversion, params: { ...params, stopLossPct: 0.05 }, cash: 10_000 });
    const stop = orders.find((o) => o.tag === "stop-loss")!;
    expect(stop).toMatchObject({ type: "stop", side: "sell", reduceOnly: true, stopPrice: 9.25 * (1 - 0.05), createdMs: dayTime(7) });
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(7), price: 9.25 });
    // not on bar 7 (its low 8.5 is below the stop), but on bar 8, at the stop price
    expect(fills[1]).toMatchObject({ side: "sell", orderId: stop.id, timeMs: dayTime(8), price: 9.25 * 0.95, quantity: fills[0]!.quantity });
  });

  it("does not buy the same dip again after a stop-out, only after RSI was back above oversold", () => {
    const { fills } = runBacktest({ bars: dipThatKeepsFalling, strategy: rsiMeanReversion, params: { ...params, stopLossPct: 0.05 }, cash: 10_000 });
    // RSI stays below 30 on bars 8 and 9: no entry; it is 63 on bar 10 and 28.4 on bar 11: buy at bar 12's open
    expect(fills.map((f) => [f.side, f.timeMs])).toEqual([["buy", dayTime(7)], ["sell", dayTime(8)], ["buy", dayTime(12)]]);
    expect(fills[2]!.price).toBe(8.2);
  });

  it("cancels the protective stop when it exits on the RSI signal", () => {
    const { fills, orders } = runBacktest({ bars: dipAndRecovery, strategy: rsiMeanReversion, params: { ...params, stopLossPct: 0.2 }, cash: 10_000 });
    expect(fills.map((f) => f.side)).toEqual(["buy", "sell"]);
    const stop = orders.find((o) => o.tag === "stop-loss")!;
    // canceled on bar 9 (decided at its close), together with the exit placed there
    expect(stop).toMatchObject({ status: "canceled", filledQuantity: 0, updatedMs: decidedOn(9) });
    expect(orders.find((o) => o.side === "sell" && o.tag !== "stop-loss")).toMatchObject({ createdMs: decidedOn(9) });
  });

  it("refuses out-of-range parameters with PARAM_OUT_OF_RANGE", () => {
    for (const given of [{ period: 1 }, { oversold: 0 }, { oversold: 51 }, { exitLevel: 49 }, { exitLevel: 100 }, { allocation: 0 }, { allocation: 1.5 }, { stopLossPct: -0.1 }, { stopLossPct: 0.6 }]) {
      expect(paramRefusal(rsiMeanReversion, given), JSON.stringify(given)).toBe("PARAM_OUT_OF_RANGE");
    }
    expect(paramRefusal(rsiMeanReversion, { period: 2.5 })).toBe("PARAM_NOT_INTEGER");
    expect(backtestRefusal(rsiMeanReversion, dipAndRecovery, { oversold: 60 })).toBe("PARAM_OUT_OF_RANGE");
  });
});

describe.skipIf(!HAS_ORCL)("rsi-mean-reversion on ORCL 1995-2014 (skipped when ../shared is absent)", () => {
  const options = () => ({ bars: loadOrcl(), strategy: rsiMeanReversion, params: { stopLossPct: 0.08 }, cash: 100_000, commission: 0.001 });

  it("trades, never holds negative cash, and fills only at prices its bars allowed", () => {
    const { result, cash } = recordedRun(options());
    expect(result.error).toBeUndefined();
    expect(result.trades.length).toBeGreaterThan(10);
    expect(result.fills.some((f) => result.orders.find((o) => o.id === f.orderId)!.type === "stop")).toBe(true);
    expect(Math.min(...cash)).toBeGreaterThanOrEqual(0);
    expect(result.positions[0]!.quantity).toBeGreaterThanOrEqual(0);
    expectFillsWithinTheirBars(result, options().bars);
  });

  it("gives identical fills and bit-identical equity on a rerun", () => {
    expectIdenticalRuns(runBacktest(options()), runBacktest(options()));
  });

  it("does the same over the first 2500 bars whether or not later bars exist", () => {
    expectPrefixStable(options(), 2500);
  });
});
