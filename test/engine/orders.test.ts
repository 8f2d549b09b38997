/**
 * The engine's order handling (engine/engine.ts): brackets and OCO, cancel and modify, reduce-only,
 * request validation that stops the run, and target sizing at the fill price.
 */
import { describe, expect, it } from "vitest";
import { formatTime, isOpenStatus, percentCommission, type Order, type OrderRecord } from "../../engine/index.js";
import { at, bars, decidedAt, fillsOf, onBars, run, runWithEvents, statusTrail, type Ctx, type Row } from "./harness.js";

const byTag = (orders: readonly OrderRecord[], tag: string) => orders.find((o) => o.tag === tag)!;

describe("bracket orders", () => {
  const HEAD: Row[] = [
    [100, 101, 99, 100],
    [100, 102, 99, 101], // the entry (buy 10, stop-loss 95, take-profit 110) is placed here
    [102, 111, 101, 103], // it fills at 102; the high 111 is above the take-profit, but the legs start next bar
  ];
  const bracket = (ctx: Ctx) => ctx.buy(10, { stopLoss: 95, takeProfit: 110 });

  it("after the entry fills, a stop-loss and a take-profit leg rest for its quantity, one cancelling the other", () => {
    let legs: Readonly<Order>[] = [];
    run(bars([...HEAD, [103, 104, 102, 103]]), onBars({ 1: bracket, 2: (ctx) => { legs = ctx.openOrders().slice(); } }));
    expect(legs).toHaveLength(2);
    const [sl, tp] = legs;
    expect(sl).toMatchObject({ id: 2, type: "stop", side: "sell", stopPrice: 95, quantity: 10, reduceOnly: true, parentId: 1, ocoId: 3, tag: "stop-loss", status: "new", timeInForce: "GTC", createdMs: at(2) });
    expect(tp).toMatchObject({ id: 3, type: "limit", side: "sell", limitPrice: 110, quantity: 10, reduceOnly: true, parentId: 1, ocoId: 2, tag: "take-profit", status: "new", createdMs: at(2) });
  });

  it("the legs first meet the bar after the entry's fill", () => {
    const r = run(bars(HEAD), onBars({ 1: bracket }));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 102 }]);
  });

  it("the take-profit filling cancels the stop-loss", () => {
    const r = run(bars([...HEAD, [103, 111, 102, 110], [110, 111, 90, 91]]), onBars({ 1: bracket }));
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 102 },
      { t: at(3), id: 3, side: "sell", q: 10, p: 110 },
    ]);
    expect(byTag(r.orders, "take-profit")).toMatchObject({ status: "filled", filledQuantity: 10 });
    expect(byTag(r.orders, "stop-loss")).toMatchObject({ status: "canceled", reason: "OCO_SIBLING_FILLED", updatedMs: at(3), filledQuantity: 0 });
    expect(r.positions[0]!.quantity).toBe(0);
  });

  it("the stop-loss filling cancels the take-profit", () => {
    const r = run(bars([...HEAD, [103, 104, 94, 95], [95, 120, 94, 119]]), onBars({ 1: bracket }));
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 102 },
      { t: at(3), id: 2, side: "sell", q: 10, p: 95 },
    ]);
    expect(byTag(r.orders, "take-profit")).toMatchObject({ status: "canceled", reason: "OCO_SIBLING_FILLED", updatedMs: at(3) });
  });

  it("the stop-loss fills first when one bar reaches both legs (the pessimistic path)", () => {
    const r = run(bars([...HEAD, [103, 112, 94, 100]]), onBars({ 1: bracket }));
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 102 },
      { t: at(3), id: 2, side: "sell", q: 10, p: 95 },
    ]);
    expect(byTag(r.orders, "take-profit")).toMatchObject({ status: "canceled", reason: "OCO_SIBLING_FILLED" });
  });

  it("a stop-loss the bar gaps through fills at the open", () => {
    const r = run(bars([...HEAD, [93, 96, 90, 95]]), onBars({ 1: bracket }));
    expect(fillsOf(r)[1]).toEqual({ t: at(3), id: 2, side: "sell", q: 10, p: 93 });
  });

  it("a short entry gets a buy stop above and a buy limit below", () => {
    const r = run(bars([...HEAD, [103, 104, 89, 90]]), onBars({ 1: (ctx) => ctx.sell(10, { stopLoss: 110, takeProfit: 90 }) }));
    expect(byTag(r.orders, "stop-loss")).toMatchObject({ side: "buy", type: "stop", stopPrice: 110, status: "canceled" });
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "sell", q: 10, p: 102 },
      { t: at(3), id: 3, side: "buy", q: 10, p: 90 },
    ]);
    expect(r.positions[0]!.quantity).toBe(0);
  });

  it("an OCO sibling's quantity never drops below what it has filled, even after a leg was modified smaller", () => {
    // the take-profit is cut to 4 units; the stop-loss then fills all 10 and reduces its sibling by 10
    const r = run(bars([...HEAD, [103, 104, 94, 95]]), onBars({ 1: bracket, 2: (ctx) => { ctx.modify(3, { quantity: 4 }); } }));
    expect(fillsOf(r)[1]).toEqual({ t: at(3), id: 2, side: "sell", q: 10, p: 95 });
    const tp = byTag(r.orders, "take-profit");
    expect(tp).toMatchObject({ status: "canceled", reason: "OCO_SIBLING_FILLED", filledQuantity: 0 });
    expect(tp.quantity, "take-profit quantity").toBeGreaterThanOrEqual(tp.filledQuantity);
  });

  it("legs grow with each partial fill of the entry", () => {
    // 10 % of 100 = 10 units a bar: the entry of 20 fills 10 + 10; bar 4 (volume 1000) reaches the take-profit
    const series = bars([
      [100, 101, 99, 100, 100],
      [100, 102, 99, 101, 100],
      [102, 103, 101, 102, 100],
      [102, 103, 101, 102, 100],
      [103, 111, 102, 110, 1000],
    ]);
    const legSizes: number[][] = [];
    const r = run(series, onBars({
      1: (ctx) => ctx.buy(20, { stopLoss: 95, takeProfit: 110 }),
      2: (ctx) => { legSizes.push(ctx.openOrders().filter((o) => o.parentId === 1).map((o) => o.quantity)); },
      3: (ctx) => { legSizes.push(ctx.openOrders().filter((o) => o.parentId === 1).map((o) => o.quantity)); },
    }), { fill: { volumeParticipation: 0.1 } });
    expect(legSizes).toEqual([[10, 10], [20, 20]]);
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 10, p: 102 },
      { t: at(3), id: 1, side: "buy", q: 10, p: 102 },
      { t: at(4), id: 3, side: "sell", q: 20, p: 110 },
    ]);
    expect(byTag(r.orders, "stop-loss")).toMatchObject({ status: "canceled", reason: "OCO_SIBLING_FILLED" });
  });
});

describe("cancel and modify", () => {
  const CM = bars([
    [100, 101, 99, 100],
    [100, 102, 99, 101], // a buy limit at 95 is placed here
    [100, 101, 97, 98], // canceled / modified here
    [96, 97, 90, 92], // would fill it at 95
  ]);

  it("a canceled resting limit never fills, and a second cancel is refused", () => {
    const answers: boolean[] = [];
    let order: Readonly<Order> | undefined;
    const { result: r, events } = runWithEvents(CM, onBars({
      1: (ctx) => { order = ctx.buy(10, { limitPrice: 95 }); },
      2: (ctx) => { answers.push(ctx.cancel(order!), ctx.cancel(order!.id)); },
    }));
    expect(answers).toEqual([true, false]);
    expect(r.fills).toEqual([]);
    // canceled when bar 2's close is known: after bar 2 traded, before bar 3 (which would have filled it) opens
    expect(r.orders[0]).toMatchObject({ status: "canceled", reason: "CANCELED", createdMs: decidedAt(1), updatedMs: decidedAt(2) });
    expect(statusTrail(events, 1)).toEqual(["canceled"]);
  });

  it("a canceled order leaves the open orders at once", () => {
    let open: number[] = [];
    run(CM, onBars({
      1: (ctx) => { ctx.buy(10, { limitPrice: 95 }); },
      2: (ctx) => { ctx.cancel(ctx.openOrders()[0]!); open = ctx.openOrders().map((o) => o.id); },
    }));
    expect(open).toEqual([]);
  });

  it("a modified resting limit fills with its new price and quantity", () => {
    let ok: boolean | undefined;
    const r = run(CM, onBars({
      1: (ctx) => { ctx.buy(10, { limitPrice: 95 }); },
      2: (ctx) => { ok = ctx.modify(1, { limitPrice: 91, quantity: 20 }); },
    }));
    expect(ok).toBe(true);
    expect(fillsOf(r)).toEqual([{ t: at(3), id: 1, side: "buy", q: 20, p: 91 }]);
    expect(r.orders[0]).toMatchObject({ quantity: 20, limitPrice: 91, status: "filled" });
  });

  it("modify and cancel of a filled order are refused", () => {
    const answers: boolean[] = [];
    run(CM, onBars({ 0: (ctx) => { ctx.buy(10); }, 2: (ctx) => { answers.push(ctx.modify(1, { quantity: 20 }), ctx.cancel(1)); } }));
    expect(answers).toEqual([false, false]);
  });

  it("a limit price given to a market order stops the run with BAD_ORDER", () => {
    const r = run(CM, onBars({ 1: (ctx) => { ctx.buy(10); ctx.modify(1, { limitPrice: 90 }); } }, "modifier"));
    expect(r.error?.code).toBe("BAD_ORDER");
    expect(r.error?.message).toContain('strategy "modifier"');
  });

  it("a quantity below what has filled stops the run with BAD_ORDER", () => {
    const series = bars([[100, 101, 99, 100, 100], [100, 101, 99, 100, 100], [100, 101, 99, 100, 100]]);
    const r = run(series, onBars({ 0: (ctx) => { ctx.buy(50); }, 1: (ctx) => { ctx.modify(1, { quantity: 5 }); } }), { fill: { volumeParticipation: 0.1 } });
    expect(r.error?.code).toBe("BAD_ORDER");
  });
});

describe("reduce-only orders", () => {
  const R: Row[] = [
    [100, 101, 99, 100],
    [100, 102, 99, 101],
    [102, 103, 101, 102],
    [95, 96, 88, 90],
  ];

  it("are clipped to the position and done once it is flat", () => {
    let openAfter: readonly Readonly<Order>[] = [];
    const r = run(bars(R.slice(0, 3)), onBars({
      0: (ctx) => { ctx.buy(50); },
      1: (ctx) => { ctx.sell(100, { reduceOnly: true }); },
      2: (ctx) => { openAfter = ctx.openOrders().slice(); },
    }));
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "buy", q: 50, p: 100 },
      { t: at(2), id: 2, side: "sell", q: 50, p: 102 },
    ]);
    expect(r.positions[0]!.quantity).toBe(0);
    expect(openAfter.map((o) => `${o.id} ${o.status} ${o.filledQuantity}/${o.quantity}`), "the clipped reduce-only order is still open").toEqual([]);
  });

  it("never trade again once clipped, not even against a position opened later", () => {
    // the reduce-only sell of 100 closes the 50 held on bar 2; a buy limit placed before it fills on bar 3
    const r = run(bars(R), onBars({
      0: (ctx) => { ctx.buy(50); },
      1: (ctx) => { ctx.buy(50, { limitPrice: 90 }); ctx.sell(100, { reduceOnly: true }); },
    }));
    expect(fillsOf(r)).toEqual([
      { t: at(1), id: 1, side: "buy", q: 50, p: 100 },
      { t: at(2), id: 3, side: "sell", q: 50, p: 102 },
      { t: at(3), id: 2, side: "buy", q: 50, p: 90 },
    ]);
    expect(r.positions[0]!.quantity).toBe(50);
  });

  it("are canceled when there is nothing to reduce", () => {
    const r = run(bars(R), onBars({ 1: (ctx) => { ctx.sell(10, { reduceOnly: true }); } }));
    expect(r.fills).toEqual([]);
    expect(r.orders[0]).toMatchObject({ status: "canceled", reason: "REDUCE_ONLY_NOTHING_TO_REDUCE", updatedMs: at(2) });
  });

  it("are canceled when they would grow the position", () => {
    const r = run(bars(R), onBars({ 0: (ctx) => { ctx.buy(10); }, 1: (ctx) => { ctx.buy(10, { reduceOnly: true }); } }));
    expect(r.fills).toHaveLength(1);
    expect(r.orders[1]).toMatchObject({ status: "canceled", reason: "REDUCE_ONLY_NOTHING_TO_REDUCE" });
    expect(r.positions[0]!.quantity).toBe(10);
  });
});

describe("invalid requests stop the run with a StrategyError", () => {
  const series = bars([
    [100, 101, 99, 100],
    [100, 102, 99, 101],
    [102, 103, 101, 102],
    [103, 104, 102, 103],
  ]);
  const cases: [string, (ctx: Ctx) => unknown, string][] = [
    ["a negative quantity", (ctx) => ctx.buy(-5), "BAD_ORDER"],
    ["a zero quantity", (ctx) => ctx.sell(0), "BAD_ORDER"],
    ["a NaN quantity", (ctx) => ctx.buy(Number.NaN), "BAD_ORDER"],
    ["a limit order without a limit price", (ctx) => ctx.buy(5, { type: "limit" }), "BAD_ORDER"],
    ["a stop order without a stop price", (ctx) => ctx.sell(5, { type: "stop" }), "BAD_ORDER"],
    ["a stop-limit order without a stop price", (ctx) => ctx.buy(5, { type: "stop_limit", limitPrice: 100 }), "BAD_ORDER"],
    ["a negative limit price", (ctx) => ctx.buy(5, { limitPrice: -1 }), "BAD_ORDER"],
    ["an infinite stop-loss", (ctx) => ctx.buy(5, { stopLoss: Infinity }), "BAD_ORDER"],
    ["an unknown symbol", (ctx) => ctx.buy(5, { symbol: "ZZZ" }), "UNKNOWN_SYMBOL"],
    ["a trailing stop with trailPercent 2", (ctx) => ctx.sell(5, { type: "trailing_stop", trailPercent: 2 }), "BAD_ORDER"],
    ["a trailing stop with both a trail amount and a percentage", (ctx) => ctx.sell(5, { type: "trailing_stop", trailPercent: 0.1, trailAmount: 1 }), "BAD_ORDER"],
    ["a trailing stop with no trail", (ctx) => ctx.sell(5, { type: "trailing_stop" }), "BAD_ORDER"],
    ["an unknown time in force", (ctx) => ctx.buy(5, { timeInForce: "FOK" as never }), "BAD_ORDER"],
    ["an unknown side", (ctx) => ctx.order({ symbol: "AAA", side: "long" as never, quantity: 5 }), "BAD_ORDER"],
    ["both a quantity and a target", (ctx) => ctx.order({ symbol: "AAA", side: "buy", quantity: 5, target: { kind: "percent", value: 1 } }), "BAD_ORDER"],
    ["a non-finite target percent", (ctx) => ctx.orderTargetPercent(Infinity), "BAD_ORDER"],
    ["an unknown order id to cancel", (ctx) => ctx.cancel(42), "UNKNOWN_ORDER"],
  ];

  it.each(cases)("%s", (_name, bad, code) => {
    // a good order on bar 0 (filled on bar 1) and the bad one on bar 2
    const r = run(series, onBars({ 0: (ctx) => { ctx.buy(1); }, 2: (ctx) => { bad(ctx); } }, "bad-orders"));
    expect(r.error?.code).toBe(code);
    expect(r.error?.message).toContain('strategy "bad-orders"');
    expect(r.error?.message).toContain(formatTime(at(2)));
    expect(r.error?.context).toMatchObject({ strategy: "bad-orders", timeMs: at(2), symbol: "AAA" });
    // what happened before the bad request is kept
    expect(Array.from(r.time)).toEqual([at(0), at(1), at(2)]);
    expect(fillsOf(r)).toEqual([{ t: at(1), id: 1, side: "buy", q: 1, p: 100 }]);
    expect(r.orders).toHaveLength(1);
  });

  it("an order with a trail but no type is a trailing stop, not a market order", () => {
    const r = run(series, onBars({ 1: (ctx) => { ctx.sell(5, { trailPercent: 0.05 }); } }));
    const outcome = r.error?.code ?? r.orders[0]?.type;
    expect(outcome, "a sell with trailPercent 0.05 became an immediate market sell").toMatch(/^(BAD_ORDER|trailing_stop)$/);
  });

  it("a trail percentage of 2 without a type is refused rather than ignored", () => {
    const r = run(series, onBars({ 1: (ctx) => { ctx.sell(5, { trailPercent: 2 }); } }));
    expect(r.error?.code).toBe("BAD_ORDER");
  });
});

describe("target orders", () => {
  const T = bars([
    [100, 101, 99, 100],
    [100, 102, 99, 101],
    [102, 103, 101, 102],
    [103, 104, 102, 103],
    [104, 105, 103, 104],
  ]);

  it("orderTargetPercent(1) buys floor(cash / (open × (1 + rate))) units at the fill, not at the last close", () => {
    let estimate = NaN;
    const r = run(T, onBars({ 1: (ctx) => { estimate = ctx.orderTargetPercent(1)!.quantity; } }), { cash: 10_000, commission: 0.001 });
    expect(estimate).toBe(Math.floor(10_000 / (101 * 1.001))); // 98, at the last close
    const units = Math.floor(10_000 / (102 * 1.001)); // 97, at the fill price
    expect(units).toBe(97);
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: units, p: 102 }]);
    expect(r.fills[0]!.commission).toBeCloseTo(units * 102 * 0.001, 12);
    expect(r.orders[0]).toMatchObject({ quantity: 97, filledQuantity: 97, status: "filled" });
    expect(r.finalCash).toBeCloseTo(10_000 - 97 * 102 * 1.001, 9);
    expect(r.rejections).toEqual([]);
  });

  it("orderTargetPercent(1) uses the whole cash when the price gaps down", () => {
    const gap = bars([[100, 101, 99, 100], [100, 102, 99, 100], [50, 51, 49, 50]]);
    const r = run(gap, onBars({ 1: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000 });
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 200, p: 50 }]);
  });

  it("orderTargetPercent rounds down to the lot size", () => {
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000, lotSize: 10 });
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 90, p: 102 }]);
  });

  it("orderTargetPercent(0) closes the position", () => {
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(1); }, 2: (ctx) => { ctx.orderTargetPercent(0); } }), { cash: 10_000, commission: 0.001 });
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 97, p: 102 },
      { t: at(3), id: 2, side: "sell", q: 97, p: 103 },
    ]);
    expect(r.positions[0]!.quantity).toBe(0);
    expect(r.trades).toHaveLength(1);
  });

  it("orderTargetPercent(0) when flat places nothing", () => {
    let answer: unknown = "not called";
    const r = run(T, onBars({ 1: (ctx) => { answer = ctx.orderTargetPercent(0); } }));
    expect(answer).toBeUndefined();
    expect(r.orders).toEqual([]);
  });

  it("orderTargetPercent(-0.5) shorts half the equity at the fill price", () => {
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(-0.5); } }), { cash: 10_000 });
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "sell", q: Math.floor(5_000 / 102), p: 102 }]);
    expect(r.positions[0]!.quantity).toBe(-49);
  });

  it("orderTargetPercent(-0.5) from a long sells the long and the short in one order", () => {
    // long 40 from bar 2 at 102; at bar 3's open 103 equity is 10 000 + 40 × 1 = 10 040 → short floor(5020 / 103) = 48
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetQuantity(40); }, 2: (ctx) => { ctx.orderTargetPercent(-0.5); } }), { cash: 10_000 });
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 40, p: 102 },
      { t: at(3), id: 2, side: "sell", q: 88, p: 103 },
    ]);
    expect(r.positions[0]!.quantity).toBe(-48);
  });

  it("orderTargetPercent twice in one bar buys once: the second finds the target reached at its fill", () => {
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(1); ctx.orderTargetPercent(1); } }), { cash: 10_000 });
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 98, p: 102 }]);
    expect(r.orders[1]).toMatchObject({ status: "canceled", reason: "TARGET_REACHED" });
  });

  it("orderTargetQuantity moves the signed position to the target and returns undefined when there", () => {
    const answers: unknown[] = [];
    const r = run(T, onBars({
      1: (ctx) => { ctx.orderTargetQuantity(30); },
      2: (ctx) => { ctx.orderTargetQuantity(-10); },
      3: (ctx) => { answers.push(ctx.orderTargetQuantity(-10)); },
    }));
    expect(fillsOf(r)).toEqual([
      { t: at(2), id: 1, side: "buy", q: 30, p: 102 },
      { t: at(3), id: 2, side: "sell", q: 40, p: 103 },
    ]);
    expect(answers).toEqual([undefined]);
    expect(r.positions[0]!.quantity).toBe(-10);
  });

  it("target orders are sized with the commission kept back for every model", () => {
    const r = run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(1); } }), { cash: 10_000, commission: percentCommission(0.01) });
    const q = r.fills[0]!.quantity;
    expect(q).toBe(Math.floor(10_000 / (102 * 1.01)));
    expect(r.finalCash).toBeGreaterThanOrEqual(0);
  });

  it("an order's status is open until it fills", () => {
    const seen: string[] = [];
    run(T, onBars({ 1: (ctx) => { ctx.orderTargetPercent(0.5); }, 2: (ctx) => { seen.push(...ctx.openOrders().map((o) => o.status)); } }));
    expect(seen).toEqual([]);
    expect(isOpenStatus("new") && isOpenStatus("partially_filled") && !isOpenStatus("filled")).toBe(true);
  });
});
