/**
 * runBacktest (engine/backtest.ts): errors that stop a run and keep its result, determinism,
 * several series on one timeline, risk rules and trading states, the event stream, cancel and
 * progress, and parameter checks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  InputError,
  barSeries,
  defineStrategy,
  fixedBpsSlippage,
  formatTime,
  makerTakerCommission,
  riskRules,
  runBacktest,
  type BacktestResult,
  type EngineEvent,
  type Order,
} from "../../engine/index.js";
import { T0, at, bars, decidedAt, fillsOf, onBars, run, runWithEvents, scenarioArb, scenarioStrategy, scripted, type Ctx, type Row } from "./harness.js";

const EIGHT: Row[] = [
  [100, 101, 99, 100],
  [100, 102, 99, 101],
  [102, 104, 101, 103],
  [103, 105, 102, 104],
  [104, 106, 103, 105],
  [105, 107, 104, 106],
  [106, 108, 105, 107],
  [107, 109, 106, 108],
];
const eight = bars(EIGHT);

describe("a strategy that throws", () => {
  const thrower = scripted((ctx) => {
    if (ctx.index === 1) ctx.buy(10);
    if (ctx.index === 3) ctx.buy(5, { limitPrice: 90 });
    if (ctx.index === 5) throw new Error("boom");
  }, { name: "thrower" });

  it("stops the run with STRATEGY_THREW naming the strategy, the callback and the bar's time", () => {
    const r = run(eight, thrower);
    expect(r.error).toEqual({
      code: "STRATEGY_THREW",
      message: `strategy "thrower" onBar threw on the AAA bar of ${formatTime(at(5))}: boom`,
      context: { strategy: "thrower", callback: "onBar", symbol: "AAA", timeMs: at(5), error: "boom" },
    });
    expect(r.error!.message).toContain("2024-01-06");
  });

  it("keeps the result up to and including the failing bar", () => {
    const r = run(eight, thrower);
    expect(Array.from(r.time)).toEqual([0, 1, 2, 3, 4, 5].map((i) => at(i)));
    expect(r.equity).toHaveLength(6);
    expect(r.drawdown).toHaveLength(6);
    expect(r.exposure).toHaveLength(6);
    expect(r.equity[5]).toBe(100_000 + 10 * (106 - 102));
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 1, side: "buy", q: 10, p: 102 }]);
    expect(r.orders.map((o) => o.status)).toEqual(["filled", "new"]);
    expect(r.barsProcessed).toBe(6);
    expect(r.positions[0]).toMatchObject({ quantity: 10, lastPrice: 106 });
    expect(Number.isFinite(r.metrics.totalReturn)).toBe(true);
  });

  it("names the bar's full ISO time for intraday bars", () => {
    const hourly = bars(EIGHT, { start: Date.UTC(2024, 2, 4, 9, 30), stepMs: 3_600_000 });
    const r = run(hourly, thrower);
    expect(r.error!.message).toContain("2024-03-04T14:30:00.000Z");
  });

  it("wraps a thrown non-Error value too", () => {
    const r = run(eight, onBars({ 2: () => { throw "plain string"; } }, "stringy"));
    expect(r.error).toMatchObject({ code: "STRATEGY_THREW", context: { strategy: "stringy", error: "plain string" } });
  });

  it("in init: before the first bar, with an empty result", () => {
    const bad = defineStrategy({ name: "bad-init", params: {}, init: () => { throw new Error("no state"); }, onBar: () => {} });
    const r = run(eight, bad);
    expect(r.error).toMatchObject({ code: "STRATEGY_THREW", message: 'strategy "bad-init" init threw before the first bar: no state' });
    expect(r.equity).toHaveLength(0);
    expect(r.barsProcessed).toBe(0);
  });

  it("in onFill: naming the bar the fill happened in, with the fill kept", () => {
    const bad = scripted((ctx) => { if (ctx.index === 1) ctx.buy(10); }, { name: "bad-fill", onFill: () => { throw new Error("fill handler"); } });
    const r = run(eight, bad);
    expect(r.error).toMatchObject({ code: "STRATEGY_THREW", context: { callback: "onFill", timeMs: at(2) } });
    expect(r.fills).toHaveLength(1);
    expect(r.equity).toHaveLength(3);
  });

  it("in onStop: after every bar, with the whole result", () => {
    const bad = defineStrategy({ name: "bad-stop", params: {}, init: () => ({}), onBar: () => {}, onStop: () => { throw new Error("stop"); } });
    const r = run(eight, bad);
    expect(r.error).toMatchObject({ code: "STRATEGY_THREW", context: { callback: "onStop", timeMs: at(7) } });
    expect(r.equity).toHaveLength(8);
  });
});

describe("determinism", () => {
  const busy = scripted((ctx) => {
    const i = ctx.index;
    if (i === 0) ctx.orderTargetPercent(0.5);
    if (i === 1) ctx.buy(7, { limitPrice: ctx.close - 0.5, stopLoss: ctx.close - 3, takeProfit: ctx.close + 4 });
    if (i === 2) ctx.sell(3, { type: "trailing_stop", trailPercent: 0.01 });
    if (i === 3) ctx.sell(5, { stopPrice: ctx.close - 1, limitPrice: ctx.close - 1.5 });
    if (i === 5) ctx.orderTargetPercent(-0.3);
  }, { name: "busy" });
  const options = { commission: makerTakerCommission(0.0002, 0.001), slippage: fixedBpsSlippage(3), fill: { volumeParticipation: 0.5 } };

  const sameBytes = (a: Float64Array, b: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  function expectIdentical(a: BacktestResult, b: BacktestResult): void {
    expect(sameBytes(a.time, b.time)).toBe(true);
    expect(sameBytes(a.equity, b.equity)).toBe(true);
    expect(sameBytes(a.drawdown, b.drawdown)).toBe(true);
    expect(sameBytes(a.exposure, b.exposure)).toBe(true);
    expect(a.fills).toStrictEqual(b.fills);
    expect(a.orders).toStrictEqual(b.orders);
    expect(a.trades).toStrictEqual(b.trades);
    expect(a.rejections).toStrictEqual(b.rejections);
    expect(a.positions).toStrictEqual(b.positions);
    expect(Object.is(a.finalCash, b.finalCash)).toBe(true);
    expect(a.metrics).toStrictEqual(b.metrics);
    expect(a.error).toStrictEqual(b.error);
  }

  it("a rerun with the same inputs is bit-identical", () => {
    const series = bars(EIGHT.map(([o, h, l, c]) => [o, h, l, c, 40]));
    const a = run(series, busy, options);
    const b = run(series, busy, options);
    expect(a.fills.length).toBeGreaterThan(2);
    expectIdentical(a, b);
  });

  it("random bar series and random order sequences rerun bit-identically (property)", () => {
    fc.assert(
      fc.property(scenarioArb(2), ({ series, actions, options }) => {
        const strategy = scenarioStrategy(actions);
        expectIdentical(run(series, strategy, options), run(series, strategy, options));
      }),
      { seed: 20240101, numRuns: 150 },
    );
  });
});

describe("several series on one timeline", () => {
  // A has no bar on day 3, B none on day 1; every bar is flat at one price except the opens noted
  const A = bars([[10, 10, 10, 10], [11, 11.5, 11, 11.5], [12, 12, 12, 12], [14, 14, 14, 14]], { symbol: "A", times: [at(0), at(1), at(2), at(4)] });
  const B = bars([[20, 20, 20, 20], [22, 22.5, 22, 22.5], [23, 23, 23, 23], [24, 24, 24, 24]], { symbol: "B", times: [at(0), at(2), at(3), at(4)] });
  const own = onBars({ 0: (ctx) => { ctx.buy(10); } });

  it("the timeline is the union of the bar times, with one equity sample per distinct time", () => {
    const r = run([A, B], own);
    expect(Array.from(r.time)).toEqual([0, 1, 2, 3, 4].map((d) => at(d)));
    expect(r.barsProcessed).toBe(8);
    expect(r.symbols).toEqual(["A", "B"]);
  });

  it("each symbol's order fills at the open of its own next bar", () => {
    const r = run([A, B], own);
    expect(r.fills.map((f) => [f.symbol, f.timeMs, f.price])).toEqual([
      ["A", at(1), 11],
      ["B", at(2), 22],
    ]);
  });

  it("equity marks a symbol without a bar at its last close", () => {
    const r = run([A, B], own);
    const cash = 100_000 - 10 * 11 - 10 * 22;
    expect(Array.from(r.equity)).toEqual([
      100_000,
      100_000 - 10 * 11 + 10 * 11.5, // B has no bar and no position yet
      cash + 10 * 12 + 10 * 22.5,
      cash + 10 * 12 + 10 * 23, // A has no bar: its day-2 close
      cash + 10 * 14 + 10 * 24,
    ]);
  });

  it("a strategy sees only the bars of the symbol being handled, in time order", () => {
    const seen: string[] = [];
    run([A, B], scripted((ctx) => { seen.push(`${ctx.symbol}${ctx.index}@${(ctx.time - T0) / DAY_MS}`); }));
    expect(seen).toEqual(["A0@0", "B0@0", "A1@1", "A2@2", "B1@2", "B2@3", "A3@4", "B3@4"]);
  });

  const AA = bars([[10, 10, 10, 10], [11, 11, 11, 11], [12, 12, 12, 12], [13, 13, 13, 13]], { symbol: "A" });
  const BB = bars([[20, 20, 20, 20], [21, 21, 21, 21], [22, 22, 22, 22], [23, 23, 23, 23]], { symbol: "B" });

  it("an order for a later symbol placed at time t fills at that symbol's first bar after t, not at its bar of t", () => {
    // handling A's bar of day 1, the strategy buys B at that bar's close: B's bar of day 1 opened before that decision
    const r = run([AA, BB], scripted((ctx) => { if (ctx.symbol === "A" && ctx.index === 1) ctx.buy(10, { symbol: "B" }); }));
    expect(r.orders[0]!.createdMs).toBe(decidedAt(1));
    expect(r.fills.map((f) => [f.symbol, f.timeMs, f.price])).toEqual([["B", at(2), 22]]);
  });

  it("an order for an earlier symbol placed at time t fills at that symbol's next bar", () => {
    const r = run([AA, BB], scripted((ctx) => { if (ctx.symbol === "B" && ctx.index === 1) ctx.buy(10, { symbol: "A" }); }));
    expect(r.fills.map((f) => [f.symbol, f.timeMs, f.price])).toEqual([["A", at(2), 12]]);
  });

  it("a fill-on-close order for another symbol fills at that symbol's close of the same time, never an earlier one", () => {
    // decided at the close of A's day-1 bar: B's day-1 bar closes at that very time (21), stamped with the close time
    const r = run([AA, BB], scripted((ctx) => { if (ctx.symbol === "A" && ctx.index === 1) ctx.buy(10, { symbol: "B" }); }), { fill: { fillOnClose: true } });
    expect(r.orders[0]!.createdMs).toBe(decidedAt(1));
    expect(r.fills.map((f) => [f.symbol, f.timeMs, f.price])).toEqual([["B", decidedAt(1), 21]]);
  });

  it("a fill-on-close order for a symbol whose bar of that time is still to come does not poison cash with NaN", () => {
    // handling A's first bar, the strategy buys B, whose first bar (same time) has not been handled yet
    let result: BacktestResult | undefined;
    expect(() => {
      result = run([AA, BB], scripted((ctx) => { if (ctx.symbol === "A" && ctx.index === 0) ctx.buy(10, { symbol: "B" }); }), { fill: { fillOnClose: true } });
    }).not.toThrow();
    expect(Number.isFinite(result!.finalCash)).toBe(true);
    // B's first bar closes (at 20) at the decision time, the close of A's first bar
    expect(result!.fills.map((f) => [f.symbol, f.timeMs, f.price])).toEqual([["B", decidedAt(0), 20]]);
  });

  it("a long target for a symbol that has no price yet never becomes a sell", () => {
    const late = bars([[20, 20, 20, 20], [21, 21, 21, 21]], { symbol: "B", times: [at(2), at(3)] });
    const r = run([AA, late], scripted((ctx) => { if (ctx.symbol === "A" && ctx.index === 0) ctx.orderTargetPercent(0.5, { symbol: "B" }); }));
    expect(r.orders.map((o) => `${o.side} ${o.status} ${o.reason ?? ""}`)[0]).toMatch(/^buy /);
  });

  it("a trailing stop for a symbol that has no price yet still trails from that symbol's bars", () => {
    // B's first bar (day 2) sets the level 20 − 1 = 19 at the latest; day 3 falls to 15
    const late = bars([[20, 20, 20, 20], [20, 20, 15, 15]], { symbol: "B", times: [at(2), at(3)] });
    const r = run([AA, late], scripted((ctx) => {
      if (ctx.symbol === "A" && ctx.index === 0) { ctx.buy(10, { symbol: "B" }); ctx.sell(10, { symbol: "B", type: "trailing_stop", trailAmount: 1 }); }
    }));
    expect(r.orders[1]!.stopPrice, "the trailing level").not.toBeNaN();
    expect(r.fills.map((f) => [f.symbol, f.side, f.timeMs, f.price])).toEqual([["B", "buy", at(2), 20], ["B", "sell", at(3), 19]]);
  });

  it("several series with one symbol twice are refused", () => {
    expect(() => run([AA, AA], own)).toThrow(expect.objectContaining({ code: "DUPLICATE_SYMBOL" }));
  });
});

describe("risk rules", () => {
  it("reject orders with a reason code, source risk and a `CODE: key=value` message", () => {
    const statuses: string[] = [];
    const r = run(eight, onBars({ 1: (ctx) => { statuses.push(ctx.buy(20).status, ctx.buy(10).status); } }), { risk: riskRules({ maxOrderQuantity: 10 }) });
    expect(statuses).toEqual(["rejected", "new"]);
    expect(r.rejections).toEqual([{
      timeMs: decidedAt(1), orderId: 1, symbol: "AAA", side: "buy", quantity: 20, code: "MAX_ORDER_QUANTITY", source: "risk",
      message: "MAX_ORDER_QUANTITY: max=10, quantity=20", context: { max: 10, quantity: 20 },
    }]);
    expect(r.orders[0]).toMatchObject({ status: "rejected", reason: "MAX_ORDER_QUANTITY", createdMs: decidedAt(1), updatedMs: decidedAt(1) });
    expect(fillsOf(r)).toEqual([{ t: at(2), id: 2, side: "buy", q: 10, p: 102 }]);
  });

  it("check notional at the last close for market orders and at the limit for limit orders", () => {
    const r = run(eight, onBars({ 1: (ctx) => { ctx.buy(50); ctx.buy(60, { limitPrice: 80 }); ctx.buy(60, { limitPrice: 90 }); } }), { risk: riskRules({ maxOrderNotional: 5_000 }) });
    expect(r.rejections.map((x) => x.message)).toEqual([
      "MAX_ORDER_NOTIONAL: max=5000, notional=5050",
      "MAX_ORDER_NOTIONAL: max=5000, notional=5400",
    ]);
    expect(r.orders.map((o) => o.status)).toEqual(["rejected", "new", "rejected"]);
  });

  it("count orders per UTC day", () => {
    const r = run(eight, onBars({ 1: (ctx) => { ctx.buy(1); ctx.buy(1); ctx.buy(1); }, 2: (ctx) => { ctx.buy(1); } }), { risk: riskRules({ maxOrdersPerDay: 2 }) });
    expect(r.rejections.map((x) => `${x.orderId} ${x.message}`)).toEqual(["3 MAX_ORDERS_PER_DAY: max=2, count=2"]);
    expect(r.fills).toHaveLength(3);
  });

  it("the buying-power rule refuses at submission what the exchange would refuse at the fill", () => {
    const r = run(eight, onBars({ 1: (ctx) => { ctx.buy(150); } }), { cash: 10_000, risk: riskRules({ buyingPower: true }) });
    expect(r.rejections.map((x) => `${x.code} ${x.source}`)).toEqual(["BUYING_POWER risk"]);
  });

  it("a drawdown breaker HALTS trading: new orders are refused, cancels still go through", () => {
    const crash = bars([
      [100, 101, 99, 100],
      [100, 101, 99, 100], // all-in long of 100 at 100; a buy limit at 50 rests
      [95, 96, 84, 85], // equity 8 500: 15 % below the peak → HALTED
      [85, 86, 84, 85], // buy, sell and cancel are tried here
      [85, 86, 84, 85],
    ]);
    const seen: { state: string; buy: string; sell: string; cancel: boolean }[] = [];
    let resting: Readonly<Order> | undefined;
    const { result: r, events } = runWithEvents(crash, onBars({
      0: (ctx) => { ctx.buy(99); },
      1: (ctx) => { resting = ctx.buy(1, { limitPrice: 50 }); },
      3: (ctx) => { seen.push({ state: ctx.tradingState, buy: ctx.buy(1).status, sell: ctx.sell(10).status, cancel: ctx.cancel(resting!) }); },
    }), { cash: 10_000, risk: riskRules({ drawdown: { haltAt: 0.1 } }) });
    expect(seen).toEqual([{ state: "HALTED", buy: "rejected", sell: "rejected", cancel: true }]);
    expect(r.riskTransitions).toEqual([{ timeMs: at(2), from: "ACTIVE", to: "HALTED", code: "DRAWDOWN_HALT", reason: "drawdownCircuitBreaker" }]);
    expect(r.rejections.map((x) => `${x.source} ${x.message}`)).toEqual([
      "risk TRADING_HALTED: cause=DRAWDOWN_HALT, reason=drawdownCircuitBreaker",
      "risk TRADING_HALTED: cause=DRAWDOWN_HALT, reason=drawdownCircuitBreaker",
    ]);
    expect(r.orders[1]).toMatchObject({ status: "canceled", reason: "CANCELED", updatedMs: decidedAt(3) });
    expect(events.filter((e) => e.type === "trading_state")).toEqual([{ type: "trading_state", timeMs: at(2), from: "ACTIVE", to: "HALTED", code: "DRAWDOWN_HALT" }]);
  });

  const dip = bars([[100, 101, 99, 100], [100, 101, 99, 100], [95, 96, 84, 85], [85, 86, 84, 85], [85, 86, 84, 85]]);
  const reducing = { cash: 10_000, risk: riskRules({ drawdown: { reduceAt: 0.1 } }) };

  it("a drawdown breaker at REDUCING lets a closing sell through and refuses a buy or a flip", () => {
    const r = run(dip, onBars({ 0: (ctx) => { ctx.buy(99); }, 3: (ctx) => { ctx.buy(1); ctx.sell(100); ctx.sell(50); } }), reducing);
    expect(r.riskTransitions.map((x) => `${x.to} ${x.code}`)).toEqual(["REDUCING DRAWDOWN_REDUCE"]);
    expect(r.rejections.map((x) => x.code)).toEqual(["TRADING_REDUCING", "TRADING_REDUCING"]);
    expect(r.fills.map((f) => `${f.side} ${f.quantity}`)).toEqual(["buy 99", "sell 50"]);
  });

  it("at REDUCING, two sells that together go past zero cannot flip the long into a short", () => {
    // each sell alone shrinks the 99 held; together (50 + 60) they open a short of 11
    const r = run(dip, onBars({ 0: (ctx) => { ctx.buy(99); }, 3: (ctx) => { ctx.sell(50); ctx.sell(60); } }), reducing);
    expect(r.positions[0]!.quantity).toBeGreaterThanOrEqual(0);
  });

  it("a bad risk config is an InputError naming the key", () => {
    expect(() => riskRules({ maxOrderQuantiy: 5 } as never)).toThrow(expect.objectContaining({ code: "UNKNOWN_RISK_CONFIG_KEY" }));
  });
});

describe("the event stream", () => {
  const orderEvents = (events: readonly EngineEvent[]) => events.filter((e) => e.type !== "bar" && e.type !== "equity");

  it("an accepted order goes order_request → order_accepted → fill → order_status → position", () => {
    const { events } = runWithEvents(eight, onBars({ 1: (ctx) => { ctx.buy(10); } }));
    const seq = orderEvents(events);
    // decided at bar 1's close (day 2, 00:00), filled at bar 2's open (the same instant)
    expect(seq[0]!.timeMs).toBe(decidedAt(1));
    expect(seq.map((e) => `${e.type}@${(e.timeMs - T0) / DAY_MS}`)).toEqual([
      "order_request@2", "order_accepted@2", "fill@2", "order_status@2", "position@2",
    ]);
    expect(seq[0]).toMatchObject({ order: { id: 1, status: "new", quantity: 10 } });
    expect(seq[2]).toMatchObject({ fill: { orderId: 1, quantity: 10, price: 102 } });
    expect(seq[3]).toMatchObject({ orderId: 1, status: "filled", order: { filledQuantity: 10 } });
    expect(seq[4]).toMatchObject({ symbol: "AAA", quantity: 10, averagePrice: 102, realizedPnl: 0 });
  });

  it("a refused order goes order_request → order_rejected → order_status", () => {
    const { events } = runWithEvents(eight, onBars({ 1: (ctx) => { ctx.buy(20); } }), { risk: riskRules({ maxOrderQuantity: 10 }) });
    expect(orderEvents(events).map((e) => e.type)).toEqual(["order_request", "order_rejected", "order_status"]);
  });

  it("bars and equity samples come in time order, one equity event per step after that step's bars", () => {
    const { events } = runWithEvents(eight, onBars({}));
    expect(events.map((e) => `${e.type}@${(e.timeMs - T0) / DAY_MS}`)).toEqual(
      EIGHT.flatMap((_, i) => [`bar@${i}`, `equity@${i}`]),
    );
  });

  it("a run without a listener gives the same result as one with", () => {
    const strategy = onBars({ 1: (ctx) => { ctx.buy(10, { stopLoss: 100, takeProfit: 104 }); } });
    const plain = run(eight, strategy);
    const { result } = runWithEvents(eight, strategy);
    expect(result.fills).toEqual(plain.fills);
    expect(Array.from(result.equity)).toEqual(Array.from(plain.equity));
  });
});

describe("cancel and progress", () => {
  const N = 20_000;
  const long = barSeries({
    symbol: "LONG", timeframe: "1m",
    time: Float64Array.from({ length: N }, (_, i) => T0 + i * 60_000),
    open: new Float64Array(N).fill(100), high: new Float64Array(N).fill(101),
    low: new Float64Array(N).fill(99), close: new Float64Array(N).fill(100),
  });
  const buyFirst = onBars({ 0: (ctx) => { ctx.buy(1); } });

  it("an aborted signal stops the run with CANCELED after 16 384 steps, keeping the partial result", () => {
    const r = run(long, buyFirst, { signal: { aborted: true } });
    expect(r.error).toMatchObject({ code: "CANCELED", message: "the run was canceled after 16384 bars" });
    expect(r.equity).toHaveLength(16_384);
    expect(r.time).toHaveLength(16_384);
    expect(r.time[16_383]).toBe(T0 + 16_383 * 60_000);
    expect(r.barsProcessed).toBe(16_384);
    expect(r.fills).toHaveLength(1);
  });

  it("a signal aborted from the progress callback stops the run at that point", () => {
    const signal = { aborted: false };
    const progress: number[] = [];
    const r = run(long, buyFirst, { signal, onProgress: (f) => { progress.push(f); signal.aborted = true; } });
    expect(progress).toEqual([16_384 / N]);
    expect(r.error?.code).toBe("CANCELED");
    expect(r.equity).toHaveLength(16_384);
  });

  it("without an abort the run completes and reports progress every 16 384 steps", () => {
    const progress: number[] = [];
    const r = run(long, buyFirst, { signal: { aborted: false }, onProgress: (f) => progress.push(f) });
    expect(r.error).toBeUndefined();
    expect(r.equity).toHaveLength(N);
    expect(progress).toEqual([16_384 / N]);
  });
});

describe("parameters", () => {
  const withParams = defineStrategy({
    name: "with-params",
    params: { period: { default: 5, min: 2, max: 10, integer: true }, mode: { default: "fast", options: ["fast", "slow"] } },
    init: () => ({}),
    onBar: () => {},
  });

  it("an unknown parameter is an InputError UNKNOWN_PARAM thrown by runBacktest", () => {
    const call = () => runBacktest({ bars: eight, strategy: withParams, params: { perod: 3 } });
    expect(call).toThrow(InputError);
    expect(call).toThrow(expect.objectContaining({ code: "UNKNOWN_PARAM" }));
  });

  it("a parameter outside its range is an InputError PARAM_OUT_OF_RANGE thrown by runBacktest", () => {
    const call = () => runBacktest({ bars: eight, strategy: withParams, params: { period: 11 } });
    expect(call).toThrow(InputError);
    expect(call).toThrow(expect.objectContaining({ code: "PARAM_OUT_OF_RANGE" }));
  });

  it("string values are parsed and defaults fill the rest", () => {
    const r = runBacktest({ bars: eight, strategy: withParams, params: { period: "7" } });
    expect(r.params).toEqual({ period: 7, mode: "fast" });
  });

  it("the strategy reads its resolved parameters from the context", () => {
    const seen: unknown[] = [];
    const reader = defineStrategy({ name: "reader", params: { k: { default: 1, min: 0, max: 5 } }, init: () => ({}), onBar: (ctx: Ctx) => { if (ctx.index === 0) seen.push(ctx.params.k); } });
    runBacktest({ bars: eight, strategy: reader, params: { k: 3 } });
    expect(seen).toEqual([3]);
  });
});
