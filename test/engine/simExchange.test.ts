/**
 * The simulated exchange's fill model (engine/simExchange.ts), through real runs: which bar an
 * order meets first, at which price it fills, and how time in force and the volume cap end it.
 */
import { describe, expect, it } from "vitest";
import { HOUR_MS, type BacktestOptions, type OrderOptions } from "../../engine/index.js";
import { at, bars, decidedAt, fillsOf, onBars, run, runWithEvents, scripted, statusTrail, type Ctx, type Row } from "./harness.js";

// daily bars from 2024-01-01; orders are placed on bar 1 (close 101) and meet bar 2 first
const BASE: Row[] = [
  [100, 101, 99, 100],
  [100, 102, 99, 101],
  [104, 108, 100, 106],
  [105, 107, 103, 104],
  [103, 104, 95, 96],
  [96, 98, 94, 97],
];
const base = bars(BASE);

/** Places one order on bar `i` and runs the base series (or another). */
function placeOn(i: number, place: (ctx: Ctx) => void, options: Partial<BacktestOptions> = {}, series = base) {
  return run(series, onBars({ [i]: place }), options);
}

const only = (opts: OrderOptions) => (side: "buy" | "sell") => (ctx: Ctx) => (side === "buy" ? ctx.buy(10, opts) : ctx.sell(10, opts));

describe("market orders", () => {
  it("fill at the open of the bar after the one they were placed on", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 104 }]);
    expect(r.fills[0]!.liquidity).toBe("taker");
    // decided at bar 1's close, which is bar 2's open: stamped then, and filled there
    expect(r.orders[0]).toMatchObject({ status: "filled", filledQuantity: 10, averagePrice: 104, createdMs: decidedAt(1), updatedMs: at(2) });
  });

  it("fill at the close of the bar they were placed on only with fillOnClose", () => {
    // bar 1 closes at 101 at the very time the strategy decides: the fill is stamped with that close time
    const r = placeOn(1, (ctx) => ctx.buy(10), { fill: { fillOnClose: true } });
    expect(fillsOf(r)).toEqual([{ t: decidedAt(1), id: 1, side: "buy", q: 10, p: 101 }]);
    expect(r.orders[0]).toMatchObject({ status: "filled", createdMs: decidedAt(1), updatedMs: decidedAt(1) });
  });

  it("placed on the last bar never fill", () => {
    const r = placeOn(5, (ctx) => ctx.buy(10));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]!.status).toBe("new");
  });

  it("sell at the next open too", () => {
    const r = placeOn(3, (ctx) => ctx.sell(7));
    expect(fillsOf(r)).toEqual([{ t: at(4), id: 1, side: "sell", q: 7, p: 103 }]);
  });
});

describe("limit orders", () => {
  it("a buy fills at its limit when the bar's low reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 101 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 101 }]);
    expect(r.orders[0]!.type).toBe("limit");
  });

  it("a buy fills at its limit when the low touches it exactly", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 100 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 100 }]);
  });

  it("a buy fills at the open, the better price, when the bar opens below its limit", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 105 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 104 }]);
  });

  it("a buy rests until the first bar whose low reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 99.5 }));
    expect(fillsOf(r)).toEqual([{ t: at(4), id: 1, side: "buy", q: 10, p: 99.5 }]);
  });

  it("a buy does not fill while the lows stay above its limit", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 99.5 }), {}, bars(BASE.slice(0, 4)));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]).toMatchObject({ status: "new", filledQuantity: 0 });
  });

  it("a sell fills at its limit when the bar's high reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { limitPrice: 107 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 107 }]);
  });

  it("a sell fills at the open, the better price, when the bar opens above its limit", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { limitPrice: 103 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 104 }]);
  });

  it("a sell does not fill while the highs stay below its limit", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { limitPrice: 109 }));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]!.status).toBe("new");
  });
});

describe("stop orders", () => {
  it("a buy stop fills at its stop when the bar's high reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 107 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 107 }]);
    expect(r.orders[0]!.type).toBe("stop");
    expect(r.fills[0]!.liquidity).toBe("taker");
  });

  it("a buy stop fills at the open when the bar gaps above its stop", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 103 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 104 }]);
  });

  it("a buy stop does not fill while the highs stay below its stop", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 109 }));
    expect(r.fills).toEqual([]);
  });

  it("a sell stop fills at its stop when the bar's low reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 100.5 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 100.5 }]);
  });

  it("a sell stop fills at the open when the bar gaps below its stop", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 105 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 104 }]);
  });

  it("a sell stop rests until a low reaches it", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 96 }));
    expect(fillsOf(r)).toEqual([{ t: at(4), id: 1, side: "sell", q: 10, p: 96 }]);
  });

  it("a sell stop does not fill while the lows stay above its stop", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 93 }));
    expect(r.fills).toEqual([]);
  });
});

describe("stop-limit orders", () => {
  it("a buy triggered inside the bar fills at the stop when the stop is within the limit", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 106, limitPrice: 107 }));
    expect(r.orders[0]!.type).toBe("stop_limit");
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 106 }]);
    expect(r.fills[0]!.liquidity).toBe("taker");
  });

  it("a buy triggered by a gap fills at the open when the open is within the limit", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 103, limitPrice: 105 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 104 }]);
  });

  it("a buy triggered by a gap above its limit rests as a limit from the next bar", () => {
    // bar 2 opens at 104 (> limit 103): triggered, not filled; bar 3 (low 103) fills the limit
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 101, limitPrice: 103 }));
    expect(fillsOf(r)).toEqual([{ t: at(3), id: 1, side: "buy", q: 10, p: 103 }]);
    expect(r.fills[0]!.liquidity).toBe("maker");
  });

  it("a buy whose limit is below its stop does not fill on the trigger bar", () => {
    // trigger 106 in bar 2 is above the limit 104; bar 3 opens at 105, low 103: fills at 104
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 106, limitPrice: 104 }));
    expect(fillsOf(r)).toEqual([{ t: at(3), id: 1, side: "buy", q: 10, p: 104 }]);
  });

  it("a buy that is never triggered never fills, even when the price falls through its limit", () => {
    const r = placeOn(1, (ctx) => ctx.buy(10, { stopPrice: 109, limitPrice: 96 }));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]!.status).toBe("new");
  });

  it("a sell triggered inside the bar fills at the stop when the stop is within the limit", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 101, limitPrice: 100 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 101 }]);
  });

  it("a sell triggered by a gap fills at the open when the open is within the limit", () => {
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 105, limitPrice: 103 }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: 10, p: 104 }]);
  });

  it("a sell triggered by a gap below its limit rests as a limit and fills at a later, better open", () => {
    // bar 2 opens at 104 (< limit 104.5): triggered, not filled; bar 3 opens at 105 >= 104.5
    const r = placeOn(1, (ctx) => ctx.sell(10, { stopPrice: 105, limitPrice: 104.5 }));
    expect(fillsOf(r)).toEqual([{ t: at(3), id: 1, side: "sell", q: 10, p: 105 }]);
  });
});

describe("trailing stops", () => {
  // a long of 10 from bar 1's open; the trailing sell is placed on bar 1 (close 101)
  const TRAIL: Row[] = [
    [100, 101, 99, 100],
    [100, 102, 99, 101],
    [102, 110, 101, 109],
    [108, 112, 106, 111],
    [110, 111, 104, 105],
    [105, 106, 100, 101],
  ];
  const trail = bars(TRAIL);
  const strategy = (opts: OrderOptions) => onBars({ 0: (ctx) => ctx.buy(10), 1: (ctx) => ctx.sell(10, { type: "trailing_stop", ...opts }) });

  it("a sell trails the highs by its amount and fills at the level set by earlier bars", () => {
    // level: 101 − 5 = 96 → bar 2 high 110 → 105 → bar 3 high 112 → 107; bar 4 (open 110, low 104) hits 107
    const r = run(trail, strategy({ trailAmount: 5 }));
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "buy", q: 10, p: 100 },
      { t: at(4), id: 2, side: "sell", q: 10, p: 107 },
    ]);
    expect(r.orders[1]).toMatchObject({ type: "trailing_stop", status: "filled" });
  });

  it("a sell trails the highs by its percentage", () => {
    // level: 101 × 0.95 = 95.95 → 104.5 → 106.4; bar 4's low 104 reaches 106.4
    const r = run(trail, strategy({ trailPercent: 0.05 }));
    expect(r.fills[1]!.timeMs).toBe(at(4));
    expect(r.fills[1]!.price).toBeCloseTo(106.4, 12);
  });

  it("a sell level never moves down", () => {
    // level 107 after bar 3; bar 4's lower high (111 − 5 = 106) leaves it at 107, which bar 5's low 106.5 reaches
    const lower = bars([...TRAIL.slice(0, 4), [110, 111, 108, 109], [108, 108, 106.5, 107]]);
    const r = run(lower, strategy({ trailAmount: 5 }));
    expect(fillsOf(r)[1]).toEqual({ t: at(5), id: 2, side: "sell", q: 10, p: 107 });
  });

  it("a sell fills at the open when the bar gaps below its level", () => {
    const gap = bars([...TRAIL.slice(0, 4), [106, 106, 100, 101]]);
    const r = run(gap, strategy({ trailAmount: 5 }));
    expect(fillsOf(r)[1]).toEqual({ t: at(4), id: 2, side: "sell", q: 10, p: 106 });
  });

  it("a buy trails the lows of a short and fills when a high reaches its level", () => {
    const down: Row[] = [
      [100, 101, 99, 100],
      [100, 101, 98, 99],
      [98, 99, 90, 91],
      [92, 93, 88, 89],
      [90, 95, 89, 94],
    ];
    // short 10 from bar 1; buy-to-cover trailing by 4: 99 + 4 = 103 → 94 → 92; bar 4's high 95 reaches 92
    const r = run(bars(down), onBars({ 0: (ctx) => ctx.sell(10), 1: (ctx) => ctx.buy(10, { type: "trailing_stop", trailAmount: 4 }) }));
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "sell", q: 10, p: 100 },
      { t: at(4), id: 2, side: "buy", q: 10, p: 92 },
    ]);
  });
});

describe("time in force", () => {
  // hourly bars from 2024-01-01 21:00 UTC; bar 3 is the first of 2024-01-02
  const clock = { start: Date.UTC(2024, 0, 1, 21), stepMs: HOUR_MS };
  const hourly = bars([
    [100, 101, 99, 100],
    [100, 101, 99, 100],
    [100, 101, 97, 99],
    [99, 100, 96, 97],
    [97, 98, 95, 96],
  ], clock);
  const h = (i: number) => at(i, clock);

  it("GTC keeps a limit resting across days until it fills", () => {
    const r = placeOn(0, (ctx) => ctx.buy(10, { limitPrice: 96.5, timeInForce: "GTC" }), {}, hourly);
    expect(fillsOf(r)).toEqual([{ t: h(3), id: 1, side: "buy", q: 10, p: 96.5 }]);
  });

  it("GTC is the default", () => {
    const r = placeOn(0, (ctx) => ctx.buy(10, { limitPrice: 96.5 }), {}, hourly);
    expect(r.orders[0]!.timeInForce).toBe("GTC");
    expect(r.fills).toHaveLength(1);
  });

  it("DAY fills on a later bar of the same UTC day", () => {
    const r = placeOn(0, (ctx) => ctx.buy(10, { limitPrice: 98, timeInForce: "DAY" }), {}, hourly);
    expect(fillsOf(r)).toEqual([{ t: h(2), id: 1, side: "buy", q: 10, p: 98 }]);
  });

  it("DAY expires at the first bar of the next UTC day, even one that would have filled it", () => {
    const { result: r, events } = runWithEvents(hourly, onBars({ 0: (ctx) => ctx.buy(10, { limitPrice: 96.5, timeInForce: "DAY" }) }));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]).toMatchObject({ status: "expired", reason: "DAY_EXPIRED", updatedMs: h(3) });
    expect(statusTrail(events, 1)).toEqual(["expired"]);
  });

  it("with daily bars, a DAY order placed at a day's close can trade in the next day's session", () => {
    // decided at the close of Jan 2 (bar 1), the only session it can meet is Jan 3 (bar 2, low 100)
    const r = placeOn(1, (ctx) => ctx.buy(10, { limitPrice: 101, timeInForce: "DAY" }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 101 }]);
  });

  it("a DAY order placed from onFill on a day's first bar lives through that day", () => {
    // the buy limit fills in the 00:00 bar of Jan 2; onFill places a DAY sell limit that the 01:00 bar reaches
    const late = { start: Date.UTC(2024, 0, 1, 22), stepMs: HOUR_MS };
    const series = bars([[100, 101, 99, 100], [100, 101, 99, 100], [100, 101, 97, 98], [99, 104, 98, 103]], late);
    const strategy = scripted((ctx) => { if (ctx.index === 0) ctx.buy(10, { limitPrice: 98 }); }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1) ctx.sell(10, { limitPrice: 103, timeInForce: "DAY" }); },
    });
    const r = run(series, strategy);
    expect(r.orders[1]).toMatchObject({ createdMs: at(2, late) });
    expect(fillsOf(r)).toEqual([
      { t: at(2, late), id: 1, side: "buy", q: 10, p: 98 },
      { t: at(3, late), id: 2, side: "sell", q: 10, p: 103 },
    ]);
  });

  it("IOC is canceled after the first bar it could trade on", () => {
    // bar 1's low 99 misses 96.5; bar 3 would have reached it
    const r = placeOn(0, (ctx) => ctx.buy(10, { limitPrice: 96.5, timeInForce: "IOC" }), {}, hourly);
    expect(r.fills).toEqual([]);
    expect(r.orders[0]).toMatchObject({ status: "canceled", reason: "IOC_REMAINDER", updatedMs: h(1) });
  });

  it("IOC fills completely when the first bar allows it", () => {
    const r = placeOn(0, (ctx) => ctx.buy(10, { timeInForce: "IOC" }), {}, hourly);
    expect(fillsOf(r)).toEqual([{ t: h(1), id: 1, side: "buy", q: 10, p: 100 }]);
    expect(r.orders[0]!.status).toBe("filled");
  });
});

describe("volume participation", () => {
  const vol = bars([
    [100, 101, 99, 100, 1000],
    [101, 102, 100, 101, 1000],
    [102, 103, 101, 102, 500],
    [103, 104, 102, 103, 2000],
    [104, 105, 103, 104, 2000],
  ]);
  const capped = { fill: { volumeParticipation: 0.1 } };

  it("fills at most the cap of each bar's volume, partially then fully", () => {
    const { result: r, events } = runWithEvents(vol, onBars({ 0: (ctx) => ctx.buy(250) }), capped);
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "buy", q: 100, p: 101 },
      { t: at(2), id: 1, side: "buy", q: 50, p: 102 },
      { t: at(3), id: 1, side: "buy", q: 100, p: 103 },
    ]);
    expect(statusTrail(events, 1)).toEqual(["partially_filled", "partially_filled", "filled"]);
    expect(r.orders[0]).toMatchObject({ status: "filled", filledQuantity: 250, quantity: 250 });
    expect(r.orders[0]!.averagePrice).toBeCloseTo((100 * 101 + 50 * 102 + 100 * 103) / 250, 12);
    expect(r.positions[0]!.quantity).toBe(250);
  });

  it("shares one bar's cap among all orders of the symbol, oldest first", () => {
    const r = run(vol, onBars({ 0: (ctx) => { ctx.buy(80); ctx.buy(80); } }), capped);
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "buy", q: 80, p: 101 },
      { t: at(1), id: 2, side: "buy", q: 20, p: 101 },
      { t: at(2), id: 2, side: "buy", q: 50, p: 102 },
      { t: at(3), id: 2, side: "buy", q: 10, p: 103 },
    ]);
  });

  it("cancels an IOC's remainder after its partial fill", () => {
    const { result: r, events } = runWithEvents(vol, onBars({ 0: (ctx) => ctx.buy(250, { timeInForce: "IOC" }) }), capped);
    expect(fillsOf(r)).toEqual([{ t: at(1), id: 1, side: "buy", q: 100, p: 101 }]);
    expect(statusTrail(events, 1)).toEqual(["partially_filled", "canceled"]);
    expect(r.orders[0]).toMatchObject({ status: "canceled", reason: "IOC_REMAINDER", filledQuantity: 100 });
  });

  it("a fill-on-close IOC for another symbol gets only that symbol's close, like one for the symbol being handled", () => {
    // decided at the close of A's bar 1: B's bar 1 closes then (at 21, volume 100: 10 units); the rest is canceled
    const A = bars([[10, 10, 10, 10, 1000], [11, 11, 11, 11, 1000], [12, 12, 12, 12, 1000], [13, 13, 13, 13, 1000]], { symbol: "A" });
    const B = bars([[20, 20, 20, 20, 100], [21, 21, 21, 21, 100], [22, 22, 22, 22, 100], [23, 23, 23, 23, 100]], { symbol: "B" });
    const ioc = { fill: { fillOnClose: true, volumeParticipation: 0.1 } };
    const own = run([B], onBars({ 1: (ctx) => ctx.buy(50, { timeInForce: "IOC" }) }), ioc);
    expect(fillsOf(own)).toEqual([{ t: decidedAt(1), id: 1, side: "buy", q: 10, p: 21 }]);
    expect(own.orders[0]).toMatchObject({ status: "canceled", reason: "IOC_REMAINDER", filledQuantity: 10 });
    const cross = run([A, B], scripted((ctx) => { if (ctx.symbol === "A" && ctx.index === 1) ctx.buy(50, { symbol: "B", timeInForce: "IOC" }); }), ioc);
    expect(fillsOf(cross)).toEqual([{ t: decidedAt(1), id: 1, side: "buy", q: 10, p: 21 }]);
    expect(cross.orders[0]).toMatchObject({ status: "canceled", reason: "IOC_REMAINDER", filledQuantity: 10 });
  });

  it("does not fill at all in a bar without volume", () => {
    const r = run(bars([[100, 101, 99, 100, 1000], [101, 102, 100, 101, 0], [102, 103, 101, 102, 1000]]), onBars({ 0: (ctx) => ctx.buy(50) }), capped);
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 50, p: 102 }]);
  });

  it("fills the remainder of a triggered stop at the next bar's open, like the market order it became", () => {
    // the stop at 105 triggers in bar 2 (high 108) and fills 100 of 200; bar 3 trades 100–104, below the stop
    const series = bars([
      [100, 101, 99, 100, 1000],
      [100, 102, 99, 101, 1000],
      [104, 108, 100, 106, 1000],
      [103, 104, 100, 102, 1000],
    ]);
    const r = run(series, onBars({ 1: (ctx) => ctx.buy(200, { stopPrice: 105 }) }), capped);
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 100, p: 105 },
      { t: at(3), id: 1, side: "buy", q: 100, p: 103 },
    ]);
  });
});

describe("no look-ahead", () => {
  // bar 1 itself reaches every price below; none of these orders may fill on it
  const cases: [string, OrderOptions, "buy" | "sell"][] = [
    ["a market buy", {}, "buy"],
    ["a limit buy the placing bar's low reached", { limitPrice: 99.5 }, "buy"],
    ["a limit sell the placing bar's high reached", { limitPrice: 101.5 }, "sell"],
    ["a stop buy the placing bar's high reached", { stopPrice: 101.5 }, "buy"],
    ["a stop sell the placing bar's low reached", { stopPrice: 99.5 }, "sell"],
    ["a stop-limit buy the placing bar triggered", { stopPrice: 101.5, limitPrice: 102 }, "buy"],
    ["a trailing sell the placing bar's range crossed", { type: "trailing_stop", trailAmount: 0.5 }, "sell"],
  ];

  it.each(cases)("%s does not fill on the bar it was placed on", (_name, opts, side) => {
    const r = placeOn(1, only(opts)(side));
    expect(r.orders[0]!.createdMs).toBe(decidedAt(1));
    // the first bar that opens at or after the decision is bar 2
    for (const f of r.fills) expect(f.timeMs).toBeGreaterThanOrEqual(at(2));
  });

  it.each(cases.slice(1))("%s does not fill on the bar it was placed on with fillOnClose either", (_name, opts, side) => {
    const r = placeOn(1, only(opts)(side), { fill: { fillOnClose: true } });
    for (const f of r.fills) expect(f.timeMs).toBeGreaterThan(at(1));
  });

  it("a fill-on-close market order placed from onFill fills no earlier than the fill that triggered it", () => {
    // the buy limit at 101 fills in bar 2; onFill sells 5 at market, to fill at a close
    const strategy = scripted((ctx) => { if (ctx.index === 1) ctx.buy(10, { limitPrice: 101 }); }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1) ctx.sell(5); },
    });
    const r = run(base, strategy, { fill: { fillOnClose: true } });
    expect(r.fills[0]).toMatchObject({ orderId: 1, timeMs: at(2), price: 101 });
    const reaction = r.fills.find((f) => f.orderId === 2)!;
    expect(reaction.timeMs, "the reaction's fill time").toBeGreaterThanOrEqual(at(2));
    expect(reaction.timeMs).toBeGreaterThanOrEqual(r.orders[1]!.createdMs);
    // decided while bar 2 trades, it cannot take bar 1's close (101, a price from before bar 2 opened at 104):
    // bar 2's close (106, at its close time) or bar 3's open (105) are the earliest prices it can meet
    expect([{ t: decidedAt(2), p: 106 }, { t: at(3), p: 105 }], "the reaction's fill").toContainEqual({ t: reaction.timeMs, p: reaction.price });
  });

  it("a fill-on-close market order placed from onFill cannot buy at the close before a gap its trigger revealed", () => {
    // bar 2 gaps up to 104 over bar 1's close (101); the stop buy fills at that open, and onFill, seeing the
    // gap in the fill price, buys 100 more at market: taking bar 1's close would be a riskless 3 a unit
    const strategy = scripted((ctx) => { if (ctx.index === 1) ctx.buy(1, { stopPrice: 103 }); }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1 && fill.price > ctx.close) ctx.buy(100); },
    });
    const r = run(base, strategy, { fill: { fillOnClose: true } });
    expect(fillsOf(r)[0]).toEqual({ t: at(2), id: 1, side: "buy", q: 1, p: 104 });
    const reaction = fillsOf(r).find((f) => f.id === 2)!;
    expect(reaction.p, "bought at bar 1's close after seeing bar 2's open").not.toBe(101);
    expect([{ t: decidedAt(2), id: 2, side: "buy", q: 100, p: 106 }, { t: at(3), id: 2, side: "buy", q: 100, p: 105 }]).toContainEqual(reaction);
  });

  it("a fill-on-close market order placed from onFill while other orders of the bar are still to be met does not break the run", () => {
    // both buy limits fill in bar 2; the first one's onFill sells 1 at market while the second is still to be matched
    const strategy = scripted((ctx) => { if (ctx.index === 1) { ctx.buy(10, { limitPrice: 101 }); ctx.buy(10, { limitPrice: 100.5 }); } }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1) ctx.sell(1); },
    });
    let r: ReturnType<typeof run> | undefined;
    expect(() => { r = run(base, strategy, { fill: { fillOnClose: true } }); }).not.toThrow();
    expect(r!.error).toBeUndefined();
    expect(fillsOf(r!).filter((f) => f.id !== 3)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 101 },
      { t: at(2), id: 2, side: "buy", q: 10, p: 100.5 },
    ]);
    expect(r!.orders[2]).toMatchObject({ side: "sell", quantity: 1, createdMs: at(2), status: "filled" });
  });

  it("onFill may cancel an order and list the open ones while the bar is still being matched", () => {
    // both buy limits fill in bar 2; the first one's onFill cancels the third and looks at the book
    const seen: number[][] = [];
    const strategy = scripted((ctx) => { if (ctx.index === 1) { ctx.buy(10, { limitPrice: 101 }); ctx.buy(10, { limitPrice: 100.5 }); ctx.buy(10, { limitPrice: 50 }); } }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1) { ctx.cancel(3); seen.push(ctx.openOrders().map((o) => o.id)); } },
    });
    let r: ReturnType<typeof run> | undefined;
    expect(() => { r = run(base, strategy); }).not.toThrow();
    expect(seen).toEqual([[2]]);
    expect(fillsOf(r!)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 101 },
      { t: at(2), id: 2, side: "buy", q: 10, p: 100.5 },
    ]);
    expect(r!.orders[2]).toMatchObject({ status: "canceled", reason: "CANCELED", updatedMs: at(2) });
  });

  it("an order placed from onFill without fillOnClose fills at the next bar's open", () => {
    const strategy = scripted((ctx) => { if (ctx.index === 1) ctx.buy(10, { limitPrice: 101 }); }, {
      onFill: (ctx, fill) => { if (fill.orderId === 1) ctx.sell(5); },
    });
    const r = run(base, strategy);
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 101 },
      { t: at(3), id: 2, side: "sell", q: 5, p: 105 },
    ]);
  });

  it("a strategy never sees a later bar: history ends at the bar being handled", () => {
    const seen: number[][] = [];
    run(base, onBars({ 2: (ctx) => { seen.push(Array.from(ctx.history("close", 10))); } }));
    expect(seen).toEqual([[100, 101, 106]]);
  });
});
