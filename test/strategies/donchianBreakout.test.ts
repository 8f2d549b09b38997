import { describe, expect, it } from "vitest";
import { atrBatch, donchianBatch, runBacktest } from "../../engine/index.js";
import { donchianBreakout } from "../../strategies/donchianBreakout.js";
import { strategies } from "../../strategies/index.js";
import {
  backtestRefusal, dailyBars, dayTime, decidedOn, expectFillsWithinTheirBars, expectIdenticalRuns, expectPrefixStable,
  paramRefusal, recordedRun,
} from "./helpers.js";
import { HAS_ORCL, loadOrcl } from "./loadOrcl.js";

const params = { entryPeriod: 3, exitPeriod: 2, atrPeriod: 2 };

const bars = dailyBars([
  [10, 10.5, 9.5, 10], [10, 10.6, 9.6, 10.2], [10.2, 10.8, 9.8, 10.4],
  [10.4, 10.9, 10.3, 10.8], // closes AT the previous 3-bar high (10.8): no breakout
  [10.8, 11.5, 10.7, 11.2], // closes above the previous 3-bar high (10.9), below its own high
  [11.3, 11.6, 11.0, 11.4], // entry fills at the open
  [11.4, 11.5, 10.9, 11.0], // above the previous 2-bar low (10.7)
  [11.0, 11.1, 10.5, 10.6], // below the previous 2-bar low (10.9): exit
  [10.55, 10.7, 10.4, 10.5], // exit fills at the open
]);

describe("donchian-breakout", () => {
  it("is registered under its name", () => {
    expect(strategies["donchian-breakout"]).toBe(donchianBreakout);
  });

  it("checks the fixture: bar 4's close is above the channel of bars 1-3 but not above the channel that includes bar 4", () => {
    const { upper } = donchianBatch(bars.high, bars.low, bars.close, bars.volume, 3);
    expect(bars.close[3]).toBe(upper[2]);
    expect(bars.close[4]).toBeGreaterThan(upper[3]!);
    expect(bars.close[4]).toBeLessThan(upper[4]!);
  });

  it("buys at the open after a close strictly above the previous N-bar high, not after a close equal to it", () => {
    const { fills } = runBacktest({ bars, strategy: donchianBreakout, params, cash: 10_000 });
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(5), price: 11.3, quantity: Math.floor(10_000 / 11.3) });
  });

  it("sells at the open after a close below the previous M-bar low", () => {
    const { fills, trades } = runBacktest({ bars, strategy: donchianBreakout, params, cash: 10_000 });
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ side: "sell", timeMs: dayTime(8), price: 10.55, quantity: fills[0]!.quantity });
    expect(trades).toHaveLength(1);
  });

  it("with atrMultiple, protects the entry with a trailing stop atrMultiple × ATR below the highs, first met the bar after the fill", () => {
    const { fills, orders } = runBacktest({ bars, strategy: donchianBreakout, params: { ...params, atrMultiple: 1 }, cash: 10_000 });
    // ATR(2) as of bar 4, the last bar known when the entry fills at bar 5's open
    const trail = 1 * atrBatch(bars.high, bars.low, bars.close, bars.volume, 2)[4]!;
    const stop = orders.find((o) => o.tag === "trailing-stop")!;
    expect(stop).toMatchObject({ type: "trailing_stop", side: "sell", reduceOnly: true, createdMs: dayTime(5), status: "filled" });
    // level: bar 5's close − trail (10.6), bar 6 does not reach it (low 10.9), then raised to
    // bar 6's high − trail (10.7), which bar 7 reaches (low 10.5) after opening above it (11.0)
    const level = Math.max(11.4 - trail, 11.5 - trail);
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ orderId: stop.id, side: "sell", timeMs: dayTime(7), price: level, quantity: fills[0]!.quantity });
  });

  it("cancels the trailing stop when the channel exit comes first", () => {
    const { fills, orders } = runBacktest({ bars, strategy: donchianBreakout, params: { ...params, atrMultiple: 4 }, cash: 10_000 });
    expect(fills.map((f) => [f.side, f.timeMs])).toEqual([["buy", dayTime(5)], ["sell", dayTime(8)]]);
    // canceled on bar 7, whose close is below the channel: at that close, before bar 8 (where the exit sells) opens
    expect(orders.find((o) => o.tag === "trailing-stop")).toMatchObject({ status: "canceled", updatedMs: decidedOn(7) });
  });

  it("refuses out-of-range parameters with PARAM_OUT_OF_RANGE", () => {
    for (const given of [{ entryPeriod: 0 }, { exitPeriod: 401 }, { atrPeriod: 0 }, { atrMultiple: -1 }, { atrMultiple: 21 }, { allocation: 0 }, { allocation: 1.01 }]) {
      expect(paramRefusal(donchianBreakout, given), JSON.stringify(given)).toBe("PARAM_OUT_OF_RANGE");
    }
    expect(paramRefusal(donchianBreakout, { entryPeriod: 20.5 })).toBe("PARAM_NOT_INTEGER");
    expect(backtestRefusal(donchianBreakout, bars, { entryPeriod: 1000 })).toBe("PARAM_OUT_OF_RANGE");
  });
});

describe.skipIf(!HAS_ORCL)("donchian-breakout on ORCL 1995-2014 (skipped when ../shared is absent)", () => {
  const options = (atrMultiple = 3) => ({ bars: loadOrcl(), strategy: donchianBreakout, params: { atrMultiple }, cash: 100_000, commission: 0.001 });

  it("trades, never holds negative cash, and fills only at prices its bars allowed", () => {
    for (const m of [0, 3]) {
      const { result, cash } = recordedRun(options(m));
      expect(result.error).toBeUndefined();
      expect(result.trades.length).toBeGreaterThan(10);
      expect(Math.min(...cash)).toBeGreaterThanOrEqual(0);
      expect(result.positions[0]!.quantity).toBeGreaterThanOrEqual(0);
      expectFillsWithinTheirBars(result, options().bars);
      const trailFills = result.fills.filter((f) => result.orders.find((o) => o.id === f.orderId)!.type === "trailing_stop");
      expect(trailFills.length > 0).toBe(m > 0);
    }
  });

  it("gives identical fills and bit-identical equity on a rerun", () => {
    expectIdenticalRuns(runBacktest(options()), runBacktest(options()));
  });

  it("does the same over the first 2500 bars whether or not later bars exist", () => {
    expectPrefixStable(options(), 2500);
  });
});
