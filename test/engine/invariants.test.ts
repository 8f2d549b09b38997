/**
 * Invariants of every run, as seeded fast-check properties over random bar series and random
 * sequences of market / limit / stop / stop-limit / trailing / target / bracket orders, cancels
 * and modifies (slippage off):
 * - equity at every step == cash + Σ position × last close, replayed independently from the fills;
 * - filledQuantity ≤ quantity, and the fills of an order add up to its filledQuantity;
 * - every fill price lies inside its bar's [low, high];
 * - an order fills only on bars after the one it was placed on (same bar only for a fill-on-close market order);
 * - Σ signed fill quantities == final position, per symbol.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BacktestResult, BarSeries } from "../../engine/index.js";
import { perform, run, scenarioArb, scenarioStrategy, scripted, type Action, type Scenario } from "./harness.js";

/** Everything wrong with one run, as readable lines (empty when every invariant holds). */
function violations(s: Scenario, r: BacktestResult): string[] {
  const problems: string[] = [];
  const cash0 = s.options.cash!;
  const fillOnClose = s.options.fill?.fillOnClose === true;
  const bySymbol = new Map<string, BarSeries>(s.series.map((x) => [x.symbol, x]));
  const barIndex = (x: BarSeries, t: number) => x.time.indexOf(t);
  const orderById = new Map(r.orders.map((o) => [o.id, o]));
  const iso = (t: number) => new Date(t).toISOString();

  // fills: inside their bar, after their order's bar, adding up per order
  const filled = new Map<number, number>();
  for (const f of r.fills) {
    const x = bySymbol.get(f.symbol)!;
    const i = barIndex(x, f.timeMs);
    if (i < 0) { problems.push(`fill of order ${f.orderId} at ${iso(f.timeMs)}: ${f.symbol} has no bar then`); continue; }
    if (!(f.price >= x.low[i]! && f.price <= x.high[i]!)) problems.push(`fill of order ${f.orderId} at ${f.price} outside ${f.symbol}'s bar ${i} [${x.low[i]}, ${x.high[i]}]`);
    const o = orderById.get(f.orderId)!;
    const sameBarOk = fillOnClose && o.type === "market" && f.timeMs === o.createdMs && f.price === x.close[i];
    if (!(f.timeMs > o.createdMs || sameBarOk)) problems.push(`order ${o.id} (${o.type} ${o.side} ${o.symbol}) created ${iso(o.createdMs)} filled at ${iso(f.timeMs)} at ${f.price}`);
    if (!(f.quantity > 0)) problems.push(`fill of order ${f.orderId} has quantity ${f.quantity}`);
    filled.set(f.orderId, (filled.get(f.orderId) ?? 0) + f.quantity);
  }
  for (const o of r.orders) {
    if (!(o.filledQuantity <= o.quantity)) problems.push(`order ${o.id}: filledQuantity ${o.filledQuantity} > quantity ${o.quantity}`);
    if ((filled.get(o.id) ?? 0) !== o.filledQuantity) problems.push(`order ${o.id}: fills add up to ${filled.get(o.id) ?? 0}, filledQuantity says ${o.filledQuantity}`);
    if (o.status === "filled" && o.filledQuantity !== o.quantity) problems.push(`order ${o.id} is filled with ${o.filledQuantity} of ${o.quantity}`);
  }

  // equity at every step, replayed from the fills
  const pos = new Map<string, number>(s.series.map((x) => [x.symbol, 0]));
  let cash = cash0;
  let next = 0;
  for (let step = 0; step < r.time.length; step++) {
    const t = r.time[step]!;
    while (next < r.fills.length && r.fills[next]!.timeMs <= t) {
      const f = r.fills[next++]!;
      const signed = f.side === "buy" ? f.quantity : -f.quantity;
      cash -= signed * f.price + f.commission;
      pos.set(f.symbol, pos.get(f.symbol)! + signed);
    }
    let equity = cash;
    for (const x of s.series) {
      const q = pos.get(x.symbol)!;
      if (q === 0) continue;
      let i = -1;
      for (let j = 0; j < x.length && x.time[j]! <= t; j++) i = j;
      equity += q * (i >= 0 ? x.close[i]! : NaN);
    }
    const e = r.equity[step]!;
    if (!(Math.abs(e - equity) <= 1e-9 * Math.max(Math.abs(equity), cash0))) problems.push(`step ${step} (${iso(t)}): equity ${e}, cash + Σ position × last close = ${equity}`);
  }
  if (next !== r.fills.length) problems.push(`${r.fills.length - next} fills are stamped after the last step`);
  if (!(Math.abs(r.finalCash - cash) <= 1e-9 * Math.max(Math.abs(cash), cash0))) problems.push(`final cash ${r.finalCash}, replayed ${cash}`);
  for (const p of r.positions) {
    if (p.quantity !== pos.get(p.symbol)) problems.push(`${p.symbol}: final position ${p.quantity}, Σ signed fills ${pos.get(p.symbol)}`);
  }
  return problems;
}

function check(s: Scenario, strategy = scenarioStrategy(s.actions)): void {
  let r: BacktestResult;
  try {
    r = run(s.series, strategy, s.options);
  } catch (e) {
    throw new Error(`runBacktest threw: ${String(e)}`);
  }
  if (r.error) throw new Error(`the run stopped: ${r.error.message}`);
  const problems = violations(s, r);
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
      const reacting = scripted((ctx) => base.onBar(ctx as never, undefined), {
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
