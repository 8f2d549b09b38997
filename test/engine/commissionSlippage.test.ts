/**
 * Commission models (engine/fill/commission.ts) and slippage models (engine/fill/slippage.ts)
 * through real runs: what each fill is charged and at which price it is booked.
 */
import { describe, expect, it } from "vitest";
import {
  fixedBpsSlippage,
  fixedCommission,
  fixedTickSlippage,
  makerTakerCommission,
  minimumCommission,
  percentCommission,
  perUnitCommission,
  volumeSlippage,
} from "../../engine/index.js";
import { at, bars, onBars, run } from "./harness.js";

const C = bars([
  [100, 101, 99, 100, 1000],
  [100, 102, 99, 101, 1000],
  [102, 104, 101, 103, 1000],
  [103, 105, 102, 104, 1000],
  [104, 106, 103, 105, 1000],
]);
const capped = { fill: { volumeParticipation: 0.1 } };
const fees = (r: ReturnType<typeof run>) => r.fills.map((f) => f.commission);

describe("commission models", () => {
  it("a number is a percent of traded value", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(200); } }), { commission: 0.001 });
    expect(fees(r)[0]).toBeCloseTo(200 * 100 * 0.001, 12);
    expect(r.orders[0]!.commission).toBeCloseTo(20, 12);
    expect(r.finalCash).toBeCloseTo(100_000 - 20_000 - 20, 9);
  });

  it("percent charges every fill, buys and sells alike", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(200); }, 1: (ctx) => { ctx.sell(200); } }), { commission: percentCommission(0.002) });
    expect(fees(r)[0]).toBeCloseTo(200 * 100 * 0.002, 12);
    expect(fees(r)[1]).toBeCloseTo(200 * 102 * 0.002, 12);
    expect(r.trades[0]!.commission).toBeCloseTo(40 + 40.8, 9);
  });

  it("fixed is charged once per order, on its first fill, however many partial fills follow", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(250); } }), { commission: fixedCommission(5), ...capped });
    expect(r.fills.map((f) => [f.quantity, f.commission])).toEqual([[100, 5], [100, 0], [50, 0]]);
    expect(r.orders[0]!.commission).toBe(5);
    expect(r.finalCash).toBe(100_000 - (100 * 100 + 100 * 102 + 50 * 103) - 5);
  });

  it("fixed is charged for each order", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(10); ctx.buy(10); } }), { commission: fixedCommission(5) });
    expect(fees(r)).toEqual([5, 5]);
  });

  it("per unit is charged on the quantity of each fill", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(200); }, 1: (ctx) => { ctx.sell(150); } }), { commission: perUnitCommission(0.01) });
    expect(fees(r)[0]).toBeCloseTo(2, 12);
    expect(fees(r)[1]).toBeCloseTo(1.5, 12);
  });

  it("minimum lifts a small fill's commission to the floor and leaves a large one", () => {
    const model = minimumCommission(percentCommission(0.001), 1);
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(5); ctx.buy(100); } }), { commission: model });
    expect(fees(r)[0]).toBe(1);
    expect(fees(r)[1]).toBeCloseTo(10, 12);
  });

  it("maker/taker charges limit fills as maker and market and stop fills as taker", () => {
    const model = makerTakerCommission(0.0002, 0.001);
    const r = run(C, onBars({
      0: (ctx) => { ctx.buy(100); },
      1: (ctx) => { ctx.buy(100, { limitPrice: 101.5 }); ctx.buy(100, { stopPrice: 103.5 }); },
    }), { commission: model });
    expect(r.fills.map((f) => [f.orderId, f.price, f.liquidity])).toEqual([
      [1, 100, "taker"],
      [2, 101.5, "maker"],
      [3, 103.5, "taker"],
    ]);
    expect(fees(r)[0]).toBeCloseTo(100 * 100 * 0.001, 12);
    expect(fees(r)[1]).toBeCloseTo(100 * 101.5 * 0.0002, 12);
    expect(fees(r)[2]).toBeCloseTo(100 * 103.5 * 0.001, 12);
  });

  it("maker/taker treats a limit that fills at a gapped open as maker, as documented", () => {
    const r = run(C, onBars({ 1: (ctx) => { ctx.buy(100, { limitPrice: 110 }); } }), { commission: makerTakerCommission(0.0002, 0.001) });
    expect(r.fills[0]).toMatchObject({ price: 102, liquidity: "maker" });
  });

  it("target sizing keeps back a fixed commission", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000, commission: fixedCommission(50) });
    expect(r.fills[0]!.quantity).toBe(Math.floor((10_000 - 50) / 100));
    expect(r.rejections).toEqual([]);
  });

  it("target sizing keeps back a per-unit commission", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000, commission: perUnitCommission(1) });
    expect(r.fills[0]!.quantity).toBe(Math.floor(10_000 / 101));
    expect(r.rejections).toEqual([]);
  });

  it("target sizing keeps back a minimum commission", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 1_000, commission: minimumCommission(percentCommission(0.0001), 5) });
    expect(r.fills[0]!.quantity).toBe(9); // 10 units would leave nothing for the 5 minimum
    expect(r.rejections).toEqual([]);
  });
});

describe("slippage models", () => {
  it("bps moves market buys up and sells down by that fraction of the price", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(10); }, 1: (ctx) => { ctx.sell(10); } }), { slippage: fixedBpsSlippage(10) });
    expect(r.fills[0]!.price).toBeCloseTo(100 * 1.001, 10);
    expect(r.fills[1]!.price).toBeCloseTo(102 * 0.999, 10);
    expect(r.finalCash).toBeCloseTo(100_000 - 10 * 100 * 1.001 + 10 * 102 * 0.999, 9);
  });

  it("bps slips a stop's fill from its stop price", () => {
    const r = run(C, onBars({ 1: (ctx) => { ctx.buy(10, { stopPrice: 103.5 }); } }), { slippage: fixedBpsSlippage(10) });
    expect(r.fills[0]!.timeMs).toBe(at(2));
    expect(r.fills[0]!.price).toBeCloseTo(103.5 * 1.001, 10);
  });

  it("ticks add that many ticks against the trader", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(10); }, 1: (ctx) => { ctx.sell(10); } }), { slippage: fixedTickSlippage(2, 0.05) });
    expect(r.fills[0]!.price).toBeCloseTo(100.1, 10);
    expect(r.fills[1]!.price).toBeCloseTo(101.9, 10);
  });

  it("volume-based impact grows with the order's share of the bar's volume", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(100); }, 1: (ctx) => { ctx.sell(500); } }), { slippage: volumeSlippage(), leverage: 2 });
    expect(r.fills[0]!.price).toBeCloseTo(100 * (1 + 0.1 * 0.1 ** 2), 10);
    expect(r.fills[1]!.price).toBeCloseTo(102 * (1 - 0.1 * 0.5 ** 2), 10);
  });

  it("volume-based impact is capped, and a bar without volume takes the cap", () => {
    const thin = bars([[100, 101, 99, 100, 1000], [100, 102, 99, 101, 0], [102, 103, 101, 102, 10]]);
    const r = run(thin, onBars({ 0: (ctx) => { ctx.buy(10); }, 1: (ctx) => { ctx.buy(10); } }), { slippage: volumeSlippage({ maxImpact: 0.05 }) });
    expect(r.fills[0]!.price).toBeCloseTo(100 * 1.05, 10);
    expect(r.fills[1]!.price).toBeCloseTo(102 * 1.05, 10);
  });

  it("volume-based impact is priced on the part the volume cap lets through", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(150); } }), { slippage: volumeSlippage(), ...capped });
    expect(r.fills.map((f) => f.quantity)).toEqual([100, 50]);
    expect(r.fills[0]!.price).toBeCloseTo(100 * (1 + 0.1 * 0.1 ** 2), 10);
    expect(r.fills[1]!.price).toBeCloseTo(102 * (1 + 0.1 * 0.05 ** 2), 10);
  });

  it("volume-based impact is priced on the quantity a reduce-only order actually fills", () => {
    // the reduce-only sell of 1000 is clipped to the 100 held: impact 0.1 × (100 / 1000)², not the cap for 1000
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(100); }, 1: (ctx) => { ctx.sell(1000, { reduceOnly: true }); } }), { slippage: volumeSlippage() });
    expect(r.fills.map((f) => f.quantity)).toEqual([100, 100]);
    expect(r.fills[1]!.price).toBeCloseTo(102 * (1 - 0.1 * 0.1 ** 2), 10);
  });

  it.each([
    ["bps", fixedBpsSlippage(50)],
    ["ticks", fixedTickSlippage(3, 0.1)],
    ["volume", volumeSlippage({ coefficient: 1, exponent: 1 })],
  ] as const)("%s never slips a limit fill, at its limit or at a gapped open", (_name, model) => {
    const r = run(C, onBars({ 1: (ctx) => { ctx.buy(10, { limitPrice: 101.5 }); ctx.sell(10, { limitPrice: 101 }); } }), { slippage: model });
    expect(r.fills.map((f) => [f.side, f.price])).toEqual([["buy", 101.5], ["sell", 102]]);
  });

  it("a slipped stop-limit fill never passes its limit", () => {
    const r = run(C, onBars({ 1: (ctx) => { ctx.buy(10, { stopPrice: 103, limitPrice: 103.5 }); } }), { slippage: fixedBpsSlippage(100) });
    expect(r.fills.map((f) => [f.timeMs, f.price])).toEqual([[at(2), 103.5]]);
  });

  it("target sizing prices the slipped fill, so 100 % stays affordable", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000, slippage: fixedBpsSlippage(10) });
    expect(r.rejections).toEqual([]);
    expect(r.fills[0]!.quantity).toBe(Math.floor(10_000 / (100 * 1.001)));
    expect(r.finalCash).toBeGreaterThanOrEqual(0);
  });

  it("costs and slippage together: cash pays the slipped price and the commission on it", () => {
    const r = run(C, onBars({ 0: (ctx) => { ctx.buy(100); } }), { slippage: fixedTickSlippage(1, 0.5), commission: 0.001 });
    expect(r.fills[0]!.price).toBe(100.5);
    expect(r.fills[0]!.commission).toBeCloseTo(100 * 100.5 * 0.001, 12);
    expect(r.finalCash).toBeCloseTo(100_000 - 100 * 100.5 * 1.001, 9);
  });
});
