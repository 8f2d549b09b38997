import { describe, expect, it } from "vitest";
import { bollingerBatch, priceDecimals, runBacktest } from "../../engine/index.js";
import { bollingerMeanReversion } from "../../strategies/bollingerMeanReversion.js";
import { strategies } from "../../strategies/index.js";
import {
  backtestRefusal, dailyBars, dayTime, decidedOn, expectFillsWithinTheirBars, expectIdenticalRuns, expectPrefixStable,
  paramRefusal, recordedRun,
} from "./helpers.js";
import { HAS_ORCL, loadOrcl } from "./loadOrcl.js";

const params = { period: 3, k: 1 };

// Bands(3, 1σ): bar 4 closes at 9.2 below lower 9.368 → buy at bar 5's open (9.3).
// Middle: bar 5 9.6333 (bar 6's high 9.6 does not reach it), bar 6 9.4167 (bar 7 opens at 9.4
// below it and its high 9.6 reaches it: the sell fills at the limit).
const dipRows = [
  [10, 10.3, 9.9, 10], [10, 10.3, 9.9, 10.2], [10.2, 10.3, 9.9, 10], [10, 10.3, 9.9, 10.2],
  [10.2, 10.2, 9.1, 9.2], [9.3, 9.6, 9.2, 9.5], [9.5, 9.6, 9.4, 9.55], [9.4, 9.6, 9.3, 9.5],
] as const;
const dip = dailyBars(dipRows);
// the same path mirrored around 10 (a spike above the upper band)
const spike = dailyBars(dipRows.map(([o, h, l, c]) => [20 - o, 20 - l, 20 - h, 20 - c] as const));
// the bands as the strategy computes them: in exact price ticks
const bands = (s: typeof dip) => bollingerBatch(s.close, 3, 1, { decimals: priceDecimals(s)! });

describe("bollinger-mean-reversion", () => {
  it("is registered under its name", () => {
    expect(strategies["bollinger-mean-reversion"]).toBe(bollingerMeanReversion);
  });

  it("checks the fixture: only bar 4 closes below the lower band", () => {
    const { lower } = bands(dip);
    expect([...dip.close].map((c, i) => (c < lower[i]! ? i : -1)).filter((i) => i >= 0)).toEqual([4]);
  });

  it("buys at the open after a close below the lower band", () => {
    const { fills } = runBacktest({ bars: dip, strategy: bollingerMeanReversion, params, cash: 10_000 });
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(5), price: 9.3, quantity: Math.floor(10_000 / 9.3), liquidity: "taker" });
  });

  it("exits with a reduce-only limit that follows the middle band and fills at it", () => {
    const { fills, orders } = runBacktest({ bars: dip, strategy: bollingerMeanReversion, params, cash: 10_000 });
    const { middle } = bands(dip);
    const exit = orders.find((o) => o.tag === "exit")!;
    // placed on the entry's fill bar (decided at its close) at that bar's middle, moved on bar 6 to bar 6's middle
    expect(exit).toMatchObject({ type: "limit", side: "sell", reduceOnly: true, createdMs: decidedOn(5), updatedMs: dayTime(7), limitPrice: middle[6], status: "filled" });
    expect(fills).toHaveLength(2);
    expect(fills[1]).toMatchObject({ orderId: exit.id, side: "sell", timeMs: dayTime(7), price: middle[6], quantity: fills[0]!.quantity, liquidity: "maker" });
  });

  it("ignores a close above the upper band unless allowShort is set", () => {
    expect(runBacktest({ bars: spike, strategy: bollingerMeanReversion, params, cash: 10_000 }).fills).toEqual([]);
  });

  it("with allowShort, sells short after a close above the upper band and covers with a buy limit at the middle band", () => {
    const { fills, orders } = runBacktest({ bars: spike, strategy: bollingerMeanReversion, params: { ...params, allowShort: true }, cash: 10_000 });
    const { middle } = bands(spike);
    expect(fills).toHaveLength(2);
    expect(fills[0]).toMatchObject({ side: "sell", timeMs: dayTime(5), price: 10.7, quantity: Math.floor(10_000 / 10.7) });
    expect(fills[1]).toMatchObject({ side: "buy", timeMs: dayTime(7), price: middle[6], quantity: fills[0]!.quantity, liquidity: "maker" });
    expect(orders.find((o) => o.tag === "exit")).toMatchObject({ type: "limit", side: "buy", reduceOnly: true });
  });

  it("refuses out-of-range parameters with PARAM_OUT_OF_RANGE", () => {
    for (const given of [{ period: 1 }, { period: 401 }, { k: 0 }, { k: 11 }, { allocation: 0 }, { allocation: 2 }]) {
      expect(paramRefusal(bollingerMeanReversion, given), JSON.stringify(given)).toBe("PARAM_OUT_OF_RANGE");
    }
    expect(paramRefusal(bollingerMeanReversion, { allowShort: "maybe" })).toBe("BAD_PARAM");
    expect(backtestRefusal(bollingerMeanReversion, dip, { k: -1 })).toBe("PARAM_OUT_OF_RANGE");
  });
});

describe.skipIf(!HAS_ORCL)("bollinger-mean-reversion on ORCL 1995-2014 (skipped when ../shared is absent)", () => {
  const options = (allowShort = false) => ({ bars: loadOrcl(), strategy: bollingerMeanReversion, params: { allowShort }, cash: 100_000, commission: 0.001 });

  it("trades long only, never holds negative cash, and fills only at prices its bars allowed", () => {
    const { result, cash } = recordedRun(options());
    expect(result.error).toBeUndefined();
    expect(result.trades.length).toBeGreaterThan(10);
    expect(result.trades.every((t) => t.direction === "long")).toBe(true);
    expect(Math.min(...cash)).toBeGreaterThanOrEqual(0);
    expectFillsWithinTheirBars(result, options().bars);
  });

  it("with allowShort, trades both ways and fills only at prices its bars allowed", () => {
    const result = runBacktest(options(true));
    expect(result.error).toBeUndefined();
    expect(result.trades.some((t) => t.direction === "short")).toBe(true);
    expect(result.trades.some((t) => t.direction === "long")).toBe(true);
    expectFillsWithinTheirBars(result, options().bars);
  });

  it("gives identical fills and bit-identical equity on a rerun", () => {
    expectIdenticalRuns(runBacktest(options(true)), runBacktest(options(true)));
  });

  it("does the same over the first 2500 bars whether or not later bars exist", () => {
    expectPrefixStable(options(true), 2500);
  });
});
