/**
 * Invariants of every run, as seeded fast-check properties over random bar series and random
 * sequences of market / limit / stop / stop-limit / trailing / target / bracket orders, cancels
 * and modifies (slippage off). The engine's clock: a bar opening at t trades from t, and the
 * strategy decides at its close t + bar length, so:
 * - no fill is stamped before its order's decision (createdMs);
 * - a fill made while the bars of step S trade is stamped S and lies on the bar of its symbol opening
 *   at S (inside [low, high]; a market order at that bar's open) — a bar that opened at or after the decision;
 * - the only other fill is a fill-on-close market order's: stamped with its decision time, which is the
 *   close time (open + bar length) of its symbol's bar of step S, at that bar's close;
 * - a DAY order fills only on the UTC day of its decision; an IOC order only in the one bar it met first;
 * - equity at every step == cash + Σ position × last close, replayed from the fills in event order;
 * - filledQuantity ≤ quantity, and the fills of an order add up to its filledQuantity;
 * - Σ signed fill quantities == final position, per symbol.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcDayStart, type BacktestResult, type BarSeries, type EngineEvent } from "../../engine/index.js";
import { perform, runWithEvents, scenarioArb, scenarioStrategy, scripted, type Action, type Scenario } from "./harness.js";

/** A series' bar length as the engine takes it for a series without a timeframe: the (lower) median spacing of its bars. */
function barLength(x: BarSeries): number {
  const n = Math.min(x.length, 1001);
  if (n < 2) return 0;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(x.time[i]! - x.time[i - 1]!);
  gaps.sort((a, b) => a - b);
  return gaps[(n - 2) >> 1]!;
}

/** When bar j closes as the engine takes it: open + bar length, but never after the next bar opens. */
function closeOf(x: BarSeries, j: number, length: number): number {
  const close = x.time[j]! + length;
  return j + 1 < x.length && x.time[j + 1]! < close ? x.time[j + 1]! : close;
}

/** Everything wrong with one run, as readable lines (empty when every invariant holds). */
function violations(s: Scenario, r: BacktestResult, events: readonly EngineEvent[]): string[] {
  const problems: string[] = [];
  const cash0 = s.options.cash!;
  const fillOnClose = s.options.fill?.fillOnClose === true;
  const bySymbol = new Map<string, BarSeries>(s.series.map((x) => [x.symbol, x]));
  const lengthOf = new Map<string, number>(s.series.map((x) => [x.symbol, barLength(x)]));
  const orderById = new Map(r.orders.map((o) => [o.id, o]));
  const iso = (t: number) => new Date(t).toISOString();
  const steps = Array.from(r.time);

  // fills and equity, replayed in the order the engine reported them: the fills of a step come
  // before that step's equity sample
  const filled = new Map<number, number>();
  /** The steps in which each order filled. */
  const fillTimes = new Map<number, Set<number>>();
  const pos = new Map<string, number>(s.series.map((x) => [x.symbol, 0]));
  let cash = cash0;
  let step = 0;
  for (const e of events) {
    if (e.type === "equity") {
      const t = steps[step];
      if (e.timeMs !== t) problems.push(`equity event ${step} at ${iso(e.timeMs)}, the step is ${t === undefined ? "missing" : iso(t)}`);
      let equity = cash;
      for (const x of s.series) {
        const q = pos.get(x.symbol)!;
        if (q === 0) continue;
        let i = -1;
        for (let j = 0; j < x.length && x.time[j]! <= e.timeMs; j++) i = j;
        equity += q * (i >= 0 ? x.close[i]! : NaN);
      }
      const eq = r.equity[step]!;
      if (!(Math.abs(eq - equity) <= 1e-9 * Math.max(Math.abs(equity), cash0))) problems.push(`step ${step} (${iso(e.timeMs)}): equity ${eq}, cash + Σ position × last close = ${equity}`);
      if (!(Math.abs(e.cash - cash) <= 1e-9 * Math.max(Math.abs(cash), cash0))) problems.push(`step ${step} (${iso(e.timeMs)}): cash ${e.cash}, replayed ${cash}`);
      step++;
      continue;
    }
    if (e.type !== "fill") continue;
    const f = e.fill;
    const S = steps[step]!;
    const x = bySymbol.get(f.symbol)!;
    const o = orderById.get(f.orderId)!;
    const what = `fill of order ${o.id} (${o.type} ${o.side} ${o.symbol} ${o.timeInForce}, decided ${iso(o.createdMs)}) at ${iso(f.timeMs)} for ${f.price} in step ${iso(S)}`;
    if (!(f.timeMs >= o.createdMs)) problems.push(`${what}: before its decision`);
    const i = x.time.indexOf(S);
    if (f.timeMs === S) {
      // traded at bar i, which opened at S
      if (i < 0) problems.push(`${what}: ${f.symbol} has no bar opening then`);
      else if (!(f.price >= x.low[i]! && f.price <= x.high[i]!)) problems.push(`${what}: outside ${f.symbol}'s bar ${i} [${x.low[i]}, ${x.high[i]}]`);
      else if (o.type === "market" && f.price !== x.open[i]) problems.push(`${what}: a market order, not at ${f.symbol}'s bar ${i} open ${x.open[i]}`);
    } else {
      // only a fill-on-close market order fills at another time: decided (in this step) at a close still
      // to come, it takes the close of its symbol's bar that closes then (see closeOf), one already open
      const j = x.time.findIndex((t, jj) => closeOf(x, jj, lengthOf.get(f.symbol)!) === f.timeMs && t <= S);
      const ok = fillOnClose && o.type === "market" && f.timeMs === o.createdMs && f.timeMs > S && j >= 0 && x.time[j]! <= S && f.price === x.close[j];
      if (!ok) problems.push(`${what}: neither at the open of ${f.symbol}'s bar ${i} nor a fill-on-close at the close of a bar closing at ${iso(f.timeMs)}`);
    }
    if (o.timeInForce === "DAY" && utcDayStart(f.timeMs) !== utcDayStart(o.createdMs)) problems.push(`${what}: a DAY order filled on another UTC day`);
    if (!(f.quantity > 0)) problems.push(`fill of order ${f.orderId} has quantity ${f.quantity}`);
    filled.set(f.orderId, (filled.get(f.orderId) ?? 0) + f.quantity);
    if (!fillTimes.has(o.id)) fillTimes.set(o.id, new Set());
    fillTimes.get(o.id)!.add(S);
    const signed = f.side === "buy" ? f.quantity : -f.quantity;
    cash -= signed * f.price + f.commission;
    pos.set(f.symbol, pos.get(f.symbol)! + signed);
  }
  if (step !== steps.length) problems.push(`${step} equity events for ${steps.length} steps`);
  if (events.filter((e) => e.type === "fill").length !== r.fills.length) problems.push("the fill events and the fills differ in number");

  for (const o of r.orders) {
    if (!(o.filledQuantity <= o.quantity)) problems.push(`order ${o.id}: filledQuantity ${o.filledQuantity} > quantity ${o.quantity}`);
    if ((filled.get(o.id) ?? 0) !== o.filledQuantity) problems.push(`order ${o.id}: fills add up to ${filled.get(o.id) ?? 0}, filledQuantity says ${o.filledQuantity}`);
    if (o.status === "filled" && o.filledQuantity !== o.quantity) problems.push(`order ${o.id} is filled with ${o.filledQuantity} of ${o.quantity}`);
    if (o.timeInForce === "IOC" && (fillTimes.get(o.id)?.size ?? 0) > 1) problems.push(`IOC order ${o.id} filled in more than one step: ${[...fillTimes.get(o.id)!].map(iso).join(", ")}`);
  }
  if (!(Math.abs(r.finalCash - cash) <= 1e-9 * Math.max(Math.abs(cash), cash0))) problems.push(`final cash ${r.finalCash}, replayed ${cash}`);
  for (const p of r.positions) {
    if (p.quantity !== pos.get(p.symbol)) problems.push(`${p.symbol}: final position ${p.quantity}, Σ signed fills ${pos.get(p.symbol)}`);
  }
  return problems;
}

function check(s: Scenario, strategy = scenarioStrategy(s.actions)): void {
  let r: BacktestResult;
  let events: EngineEvent[];
  try {
    ({ result: r, events } = runWithEvents(s.series, strategy, s.options));
  } catch (e) {
    throw new Error(`runBacktest threw: ${String(e)}`);
  }
  if (r.error) throw new Error(`the run stopped: ${r.error.message}`);
  const problems = violations(s, r, events);
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

const params = (seed: number) => ({ seed, numRuns: 300 });

describe("run invariants", () => {
  it("hold for one symbol and random orders, cancels and modifies", () => {
    fc.assert(fc.property(scenarioArb(1), (s) => check(s)), params(1));
  });

  it("hold for two symbols on different calendars, each trading its own symbol", () => {
    fc.assert(fc.property(scenarioArb(2), (s) => check(s)), params(2));
  });

  it("hold for two symbols when a symbol's bar places orders for the other", () => {
    fc.assert(fc.property(scenarioArb(2, true), (s) => check(s)), params(3));
  });

  it("hold when the strategy also reacts to fills by placing orders from onFill", () => {
    fc.assert(fc.property(scenarioArb(1), fc.constantFrom<Action["kind"]>("market", "limit", "stop"), (s, kind) => {
      const base = scenarioStrategy(s.actions);
      const reacting = scripted((ctx) => base.onBar(ctx as never, {}), {
        name: "reacting",
        onFill: (ctx, fill) => {
          if (fill.orderId % 2 === 0) return;
          perform(ctx, { bar: ctx.index, from: fill.symbol, symbol: fill.symbol, kind, side: fill.side === "buy" ? "sell" : "buy", quantity: 1, offset: 1, timeInForce: "GTC" });
        },
      });
      check(s, reacting);
    }), params(4));
  });
});
