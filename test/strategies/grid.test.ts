import { describe, expect, it } from "vitest";
import {
  Engine, noCommission, noSlippage, Portfolio, resolveParams, RiskManager, runBacktest,
  type BarSeries, type Order, type ParamValues,
} from "../../engine/index.js";
import { grid } from "../../strategies/grid.js";
import { strategies } from "../../strategies/index.js";
import {
  backtestRefusal, dailyBars, dayTime, decidedOn, expectFillsWithinTheirBars, expectIdenticalRuns, expectPrefixStable,
  paramRefusal, recordedRun,
} from "./helpers.js";
import { HAS_ORCL, loadOrcl } from "./loadOrcl.js";

const params = { grid_spacing: 0.01, levels: 2, risk_mode: "fixed", order_size: 10 } as const;

/** limit price, side and quantity of orders, for comparing grids */
const shape = (orders: readonly { side: string; limitPrice: number | undefined; quantity: number }[]) =>
  orders.map((o) => [o.side, o.limitPrice, o.quantity]);

// anchor 100 (bar 0's close): buys at 99 and 98
const upAndDown = dailyBars([
  [100, 100.2, 99.8, 100],
  [100, 100.5, 98.5, 99.5], // the 99 buy fills; re-centred on 99
  [99.5, 100.2, 99.3, 100], // the sell at 99 × 1.01 fills; re-centred on it
  [100, 100.1, 99.8, 100], // nothing reaches the grid
]);

/** A flat market: nothing ever fills, the anchor stays at 100. */
const flat = (n: number): BarSeries => dailyBars(Array.from({ length: n }, () => [100, 100.1, 99.9, 100] as const));

/** Drives the engine bar by bar, as runBacktest does, calling `before(i, engine)` before each bar. */
function runByBar(bars: BarSeries, given: Readonly<Record<string, unknown>>, before: (i: number, engine: Engine) => void): Engine {
  const engine = new Engine({
    series: [bars], strategy: grid, params: resolveParams(grid.name, grid.params, given),
    portfolio: new Portfolio([bars.symbol], { cash: 10_000 }), risk: new RiskManager([]),
    commission: noCommission(), slippage: noSlippage(), lotSize: () => 1,
  });
  engine.start();
  for (let i = 0; i < bars.length; i++) {
    before(i, engine);
    engine.step = i;
    engine.bar(0, i);
    engine.sample(bars.time[i]!);
  }
  engine.stop();
  return engine;
}

/** The orders placed in onBar of bar i (decided at its close). */
const createdOn = (orders: readonly Readonly<Order>[], i: number) => orders.filter((o) => o.createdMs === decidedOn(i));

describe("grid", () => {
  it("is registered under its name", () => {
    expect(strategies.grid).toBe(grid);
  });

  it("starts with limit buys below the first close and no sells while it holds nothing", () => {
    const { orders } = runBacktest({ bars: upAndDown, strategy: grid, params, cash: 10_000 });
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(0)))).toEqual([["buy", 100 * (1 - 0.01), 10], ["buy", 100 * (1 - 2 * 0.01), 10]]);
    expect(orders.every((o) => o.type === "limit" && o.timeInForce === "GTC")).toBe(true);
  });

  it("re-centres on a buy fill: cancels the old grid, buys below and sells the inventory above the fill price", () => {
    const { fills, orders } = runBacktest({ bars: upAndDown, strategy: grid, params, cash: 10_000 });
    expect(fills[0]).toMatchObject({ side: "buy", timeMs: dayTime(1), price: 99, quantity: 10, liquidity: "maker" });
    expect(orders.find((o) => o.limitPrice === 98)).toMatchObject({ status: "canceled", updatedMs: decidedOn(1) });
    const regrid = orders.filter((o) => o.createdMs === decidedOn(1));
    // 10 units held: one sell of 10 at the nearest level, none at the second
    expect(shape(regrid)).toEqual([["buy", 99 * (1 - 0.01), 10], ["buy", 99 * (1 - 0.02), 10], ["sell", 99 * (1 + 0.01), 10]]);
    expect(regrid.find((o) => o.side === "sell")!.reduceOnly).toBe(true);
  });

  it("re-centres on a sell fill and holds no sells once the inventory is gone", () => {
    const { fills, orders } = runBacktest({ bars: upAndDown, strategy: grid, params, cash: 10_000 });
    expect(fills[1]).toMatchObject({ side: "sell", timeMs: dayTime(2), price: 99 * 1.01, quantity: 10 });
    const a = 99 * 1.01;
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(2)))).toEqual([["buy", a * (1 - 0.01), 10], ["buy", a * (1 - 0.02), 10]]);
  });

  it("leaves its resting orders alone on a bar without fills or parameter changes", () => {
    const { orders } = runBacktest({ bars: upAndDown, strategy: grid, params, cash: 10_000 });
    expect(orders.filter((o) => o.createdMs === decidedOn(3) || o.updatedMs === decidedOn(3))).toEqual([]);
    expect(orders.filter((o) => o.status === "new")).toHaveLength(2);
  });

  it("fills every level a bar falls through, re-centres on the last, and offers the whole inventory above", () => {
    const drop = dailyBars([[100, 100.2, 99.8, 100], [99.5, 99.5, 97.5, 98], [98, 98.1, 97.9, 98]]);
    const { fills, orders } = runBacktest({ bars: drop, strategy: grid, params, cash: 10_000 });
    // the bar opens above both levels (99.5) and falls through them: the older 99 buy fills first
    expect(fills.map((f) => [f.side, f.price, f.timeMs])).toEqual([["buy", 99, dayTime(1)], ["buy", 98, dayTime(1)]]);
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(1)))).toEqual([
      ["buy", 98 * 0.99, 10], ["buy", 98 * 0.98, 10], ["sell", 98 * 1.01, 10], ["sell", 98 * 1.02, 10],
    ]);
  });

  it("follows the price up when it holds nothing and a close ends more than one level above the anchor", () => {
    const rise = dailyBars([[100, 100.2, 99.8, 100], [100, 101, 99.9, 100.9], [100.9, 101.5, 100.5, 101.2]]);
    const { orders, fills } = runBacktest({ bars: rise, strategy: grid, params, cash: 10_000 });
    expect(fills).toEqual([]);
    // 100.9 is not above 100 × 1.01; 101.2 is
    expect(orders.filter((o) => o.createdMs === decidedOn(1))).toEqual([]);
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(2)))).toEqual([["buy", 101.2 * 0.99, 10], ["buy", 101.2 * 0.98, 10]]);
    expect(orders.filter((o) => o.createdMs === decidedOn(0)).map((o) => o.status)).toEqual(["canceled", "canceled"]);
  });

  it("fills a buy at the open when the bar gaps below it", () => {
    const gap = dailyBars([[100, 100.2, 99.8, 100], [98.5, 98.7, 98.2, 98.6]]);
    const { fills } = runBacktest({ bars: gap, strategy: grid, params, cash: 10_000 });
    // 99 gapped through (filled at 98.5), 98 not reached
    expect(fills.map((f) => [f.side, f.price])).toEqual([["buy", 98.5]]);
  });

  it("sizes each level as floor(order_percent × equity / level price) in percent mode", () => {
    const { orders } = runBacktest({ bars: upAndDown, strategy: grid, params: { ...params, risk_mode: "percent", order_percent: 0.1 }, cash: 10_000 });
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(0)))).toEqual([["buy", 99, Math.floor(1000 / 99)], ["buy", 98, Math.floor(1000 / 98)]]);
  });

  it("places only the buys its cash covers, nearest level first", () => {
    // 10 000 buys 101 units at 99 (9 999) but not another 101 at 98
    const { orders } = runBacktest({ bars: upAndDown, strategy: grid, params: { ...params, order_size: 101 }, cash: 10_000 });
    expect(shape(orders.filter((o) => o.createdMs === decidedOn(0)))).toEqual([["buy", 99, 101]]);
  });

  it("places different orders when grid_spacing differs between runs", () => {
    const a = runBacktest({ bars: upAndDown, strategy: grid, params, cash: 10_000 });
    const b = runBacktest({ bars: upAndDown, strategy: grid, params: { ...params, grid_spacing: 0.02 }, cash: 10_000 });
    expect(shape(b.orders.filter((o) => o.createdMs === decidedOn(0)))).toEqual([["buy", 98, 10], ["buy", 96, 10]]);
    expect(shape(b.orders)).not.toEqual(shape(a.orders));
    // with 2 % spacing bar 1 (low 98.5) reaches no level
    expect(b.fills).toEqual([]);
  });

  it("reads grid_spacing from ctx.params on every bar: a change mid-run rebuilds the grid on the next bar", () => {
    const engine = runByBar(flat(6), params, (i, e) => {
      if (i === 3) e.setParams({ grid_spacing: 0.02 });
    });
    const orders = engine.orders;
    expect(shape(createdOn(orders, 0))).toEqual([["buy", 99, 10], ["buy", 98, 10]]);
    // nothing on bars 1 and 2; on bar 3 the old grid is canceled and the new spacing used
    expect(createdOn(orders, 1)).toEqual([]);
    expect(createdOn(orders, 2)).toEqual([]);
    expect(createdOn(orders, 0).map((o) => [o.status, o.updatedMs])).toEqual([["canceled", decidedOn(3)], ["canceled", decidedOn(3)]]);
    expect(shape(createdOn(orders, 3))).toEqual([["buy", 98, 10], ["buy", 96, 10]]);
    expect(createdOn(orders, 4)).toEqual([]);
    expect(createdOn(orders, 5)).toEqual([]);
    expect(engine.openOrders().map((o) => o.limitPrice)).toEqual([98, 96]);
  });

  it("reads risk_mode and its sizes on every bar too", () => {
    const engine = runByBar(flat(4), params, (i, e) => {
      if (i === 2) e.setParams({ risk_mode: "percent", order_percent: 0.2 });
    });
    expect(shape(createdOn(engine.orders, 2))).toEqual([["buy", 99, Math.floor(2000 / 99)], ["buy", 98, Math.floor(2000 / 98)]]);
  });

  it("uses the new spacing when it re-centres after a fill", () => {
    // spacing changes before bar 1, whose low reaches the old 99 level
    const engine = runByBar(upAndDown, params, (i, e) => {
      if (i === 1) e.setParams({ grid_spacing: 0.005 });
    });
    // bar 2 opens at 99.5, above the new 99 × 1.005 sell: filled at the open
    expect(engine.fills.map((f) => [f.side, f.price])).toEqual([["buy", 99], ["sell", 99.5]]);
    expect(shape(createdOn(engine.orders, 1))).toEqual([["buy", 99 * (1 - 0.005), 10], ["buy", 99 * (1 - 2 * 0.005), 10], ["sell", 99 * 1.005, 10]]);
  });

  it("refuses out-of-range parameters with PARAM_OUT_OF_RANGE", () => {
    for (const given of [{ grid_spacing: 0 }, { grid_spacing: 0.6 }, { levels: 0 }, { levels: 51 }, { order_size: 0 }, { order_percent: 0 }, { order_percent: 1.5 }]) {
      expect(paramRefusal(grid, given), JSON.stringify(given)).toBe("PARAM_OUT_OF_RANGE");
    }
    expect(paramRefusal(grid, { risk_mode: "martingale" })).toBe("PARAM_NOT_AN_OPTION");
    expect(paramRefusal(grid, { levels: 2.5 })).toBe("PARAM_NOT_INTEGER");
    expect(backtestRefusal(grid, upAndDown, { grid_spacing: -0.01 })).toBe("PARAM_OUT_OF_RANGE");
  });

  it("types its parameter values, risk_mode as its options", () => {
    const p: ParamValues<typeof grid.params> = resolveParams(grid.name, grid.params, { risk_mode: "percent" });
    const mode: "fixed" | "percent" = p.risk_mode;
    expect(mode).toBe("percent");
  });
});

describe.skipIf(!HAS_ORCL)("grid on ORCL 1995-2014 (skipped when ../shared is absent)", () => {
  const options = (given: Readonly<Record<string, unknown>> = {}) => ({
    bars: loadOrcl(), strategy: grid, params: { grid_spacing: 0.02, levels: 5, risk_mode: "percent", order_percent: 0.1, ...given },
    cash: 100_000, commission: 0.001,
  });

  it("trades long only, never holds negative cash, and fills only at limit prices its bars allowed", () => {
    for (const given of [{}, { risk_mode: "fixed", order_size: 500 }]) {
      const { result, cash } = recordedRun(options(given));
      expect(result.error).toBeUndefined();
      // round trips are few (the inventory is seldom flat), fills are many
      expect(result.fills.filter((f) => f.side === "buy").length).toBeGreaterThan(100);
      expect(result.fills.filter((f) => f.side === "sell").length).toBeGreaterThan(100);
      expect(result.trades.every((t) => t.direction === "long")).toBe(true);
      expect(Math.min(...cash)).toBeGreaterThanOrEqual(0);
      expect(result.positions[0]!.quantity).toBeGreaterThanOrEqual(0);
      expect(result.orders.every((o) => o.type === "limit")).toBe(true);
      expectFillsWithinTheirBars(result, options().bars);
    }
  });

  it("places different orders and fills with a different grid_spacing", () => {
    const a = runBacktest(options()), b = runBacktest(options({ grid_spacing: 0.03 }));
    expect(shape(b.orders.slice(0, 5))).not.toEqual(shape(a.orders.slice(0, 5)));
    expect(b.fills).not.toEqual(a.fills);
  });

  it("gives identical fills and bit-identical equity on a rerun", () => {
    expectIdenticalRuns(runBacktest(options()), runBacktest(options()));
  });

  it("does the same over the first 2500 bars whether or not later bars exist", () => {
    expectPrefixStable(options(), 2500);
  });
});
