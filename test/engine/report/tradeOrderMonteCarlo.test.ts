import { describe, expect, it } from "vitest";
import { pathOutcome, tradeOrderMonteCarlo, tradeReturns } from "../../../engine/report/tradeOrderMonteCarlo.js";
import { trade } from "./trades.ts";

const at = (entryTimeMs: number, netPnl: number) => ({ ...trade(netPnl), entryTimeMs, exitTimeMs: entryTimeMs + 1 });

describe("tradeReturns", () => {
  it("divides each trade's net PnL by the equity of the last sample before its entry (the cash before the first)", () => {
    const time = Float64Array.of(10, 20, 30, 40), equity = Float64Array.of(100, 110, 99, 120);
    const r = tradeReturns([at(5, 10), at(20, -11), at(35, 19.8)], time, equity, 100);
    expect(r[0]).toBe(0.1); // 10 / 100 (cash)
    expect(r[1]).toBe(-0.11); // −11 / 100 (the sample at 10; the one at 20 is not before the entry)
    expect(r[2]).toBeCloseTo(0.2, 15); // 19.8 / 99
  });
});

describe("pathOutcome", () => {
  it("compounds the returns in the given order from the cash, with the cash as the first peak", () => {
    // 0.2, −0.1, −0.1: 120, 108, 97.2 → the fall from 120 to 97.2
    const a = pathOutcome([0.2, -0.1, -0.1], [0, 1, 2], 100);
    expect(a.finalEquity).toBeCloseTo(97.2, 12);
    expect(a.maxDrawdown).toBeCloseTo(0.19, 12);
    // −0.1, 0.2, −0.1: 90, 108, 97.2 → 10 % twice
    const b = pathOutcome([0.2, -0.1, -0.1], [1, 0, 2], 100);
    expect(b.finalEquity).toBeCloseTo(97.2, 12);
    expect(b.maxDrawdown).toBeCloseTo(0.1, 12);
  });
});

describe("tradeOrderMonteCarlo", () => {
  // three trades whose account returns are 0.2, −0.1, −0.1 (each entered before any sample: against the cash 100)
  const trades = [at(0, 20), at(0, -10), at(0, -10)];
  const none = new Float64Array(0);
  const mc = tradeOrderMonteCarlo(trades, none, none, 100, { runs: 600, seed: 7 });

  it("reorders without changing where the trades end: only the drawdown moves", () => {
    expect(mc.returns).toEqual([0.2, -0.1, -0.1]);
    expect(mc.actual.finalEquity).toBeCloseTo(97.2, 12);
    expect(mc.actual.maxDrawdown).toBeCloseTo(0.19, 12);
    for (const x of mc.shuffled.finalEquity) expect(x).toBeCloseTo(97.2, 12);
    // of the six orders, the two with the gain between the losses fall 10 %, the other four 19 %
    const values = new Set(mc.shuffled.maxDrawdown.map((x) => x.toFixed(12)));
    expect([...values].sort()).toEqual(["0.100000000000", "0.190000000000"]);
    expect(mc.shuffled.lossProbability).toBe(1);
    const deep = mc.shuffled.maxDrawdown.filter((x) => x > 0.15).length / mc.runs;
    expect(mc.shuffled.drawdownAtLeastActual).toBe(deep);
  });

  it("redraws with replacement within the bounds the returns allow", () => {
    expect(mc.resampled.finalEquity.length).toBe(600);
    expect(mc.resampled.finalEquity[0]!).toBeGreaterThanOrEqual(100 * 0.9 ** 3 - 1e-9);
    expect(mc.resampled.finalEquity[599]!).toBeLessThanOrEqual(100 * 1.2 ** 3 + 1e-9);
    const p = mc.resampled.finalEquityPercentiles;
    expect(p.min <= p.p5 && p.p5 <= p.p25 && p.p25 <= p.p50 && p.p50 <= p.p75 && p.p75 <= p.p95 && p.p95 <= p.max).toBe(true);
  });

  it("is seeded: the same seed gives the same paths, another seed others", () => {
    expect(tradeOrderMonteCarlo(trades, none, none, 100, { runs: 600, seed: 7 })).toEqual(mc);
    expect(tradeOrderMonteCarlo(trades, none, none, 100, { runs: 600, seed: 8 }).resampled.finalEquity).not.toEqual(mc.resampled.finalEquity);
  });

  it("stays flat with no trades", () => {
    const empty = tradeOrderMonteCarlo([], none, none, 100, { runs: 10 });
    expect(empty.actual).toEqual({ finalEquity: 100, maxDrawdown: 0 });
    expect(empty.resampled.finalEquityPercentiles.p50).toBe(100);
  });
});
