import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareHoldings, positionsFromFills, type FillRecord } from "../../engine/live/reconcile.ts";

const fill = (tradeId: string, side: "buy" | "sell", quantity: number, price: number, timeMs: number, symbol = "BTC/USDT"): FillRecord =>
  ({ tradeId, symbol, side, quantity, price, timeMs });

describe("positionsFromFills", () => {
  it("adds buys at their average price and goes flat at zero", () => {
    const p = positionsFromFills([], [fill("1", "buy", 0.1, 100, 1), fill("2", "buy", 0.2, 130, 2)]).get("BTC/USDT")!;
    expect(p.quantity).toBe(0.3);
    expect(p.averagePrice).toBeCloseTo(120, 12);
    const flat = positionsFromFills([], [fill("1", "buy", 0.1, 100, 1), fill("2", "buy", 0.2, 130, 2), fill("3", "sell", 0.3, 90, 3)]).get("BTC/USDT")!;
    expect(flat).toEqual({ symbol: "BTC/USDT", quantity: 0, averagePrice: 0 });
  });

  it("starts from the baseline held before the first fill", () => {
    const p = positionsFromFills([{ symbol: "BTC/USDT", quantity: 1, averagePrice: 50 }], [fill("1", "sell", 0.25, 80, 1)]).get("BTC/USDT")!;
    expect(p).toEqual({ symbol: "BTC/USDT", quantity: 0.75, averagePrice: 50 });
  });

  it("gives the same positions for shuffled, duplicated and re-delivered fills (seeded)", () => {
    const base = fc.array(fc.record({ side: fc.constantFrom<"buy" | "sell">("buy", "sell"), lots: fc.integer({ min: 1, max: 50 }), price: fc.integer({ min: 1000, max: 90000 }), symbol: fc.constantFrom("BTC/USDT", "ETH/USDT") }), { minLength: 1, maxLength: 40 });
    fc.assert(fc.property(base, fc.integer(), (specs, seed) => {
      const fills = specs.map((s, i) => fill(`t${i}`, s.side, s.lots / 1000, s.price / 100, 1000 + i, s.symbol));
      const reference = positionsFromFills([], fills);
      // a received stream: shuffled, with duplicates; a dropped fill comes back later (catch-up)
      let r = seed >>> 0;
      const rand = () => ((r = (Math.imul(r, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const received = [...fills, ...fills.filter(() => rand() < 0.3)].sort(() => rand() - 0.5);
      const dropped = received.filter(() => rand() < 0.2);
      const stream = received.filter((f) => !dropped.includes(f));
      const recovered = positionsFromFills([], [...stream, ...fills.filter((f) => dropped.includes(f))]);
      expect([...recovered]).toEqual([...reference]);
    }), { numRuns: 200 });
  });
});

describe("compareHoldings", () => {
  it("reports holdings that differ by more than half a lot step", () => {
    const expected = positionsFromFills([], [fill("1", "buy", 0.5, 100, 1)]);
    expect(compareHoldings(expected, { "BTC/USDT": 0.500004 }, () => 0.00001)).toEqual([]);
    expect(compareHoldings(expected, { "BTC/USDT": 0.4 }, () => 0.00001)).toEqual([{ symbol: "BTC/USDT", expected: 0.5, exchange: 0.4 }]);
    expect(compareHoldings(expected, { "BTC/USDT": 0.5, "ETH/USDT": 2 }, () => 0.001)).toEqual([{ symbol: "ETH/USDT", expected: 0, exchange: 2 }]);
  });
});
