/**
 * The live-versus-backtest report on hand-built cases: a "trader" here is the LiveEngine driven as
 * trader.ts drives it (warmed on history, handed bars one at a time, hot updates between bars),
 * with its orders and fills written down as the account store journals them. The report replays
 * the recorded bars and must find no drift in an identical run, and exactly the difference that
 * was planted otherwise: a missed fill, a slipped price, a late fill, an order from outside.
 */
import { describe, expect, it } from "vitest";
import type { BarSeries } from "../../engine/bars.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { driftReport, type TraderFill, type TraderOrder } from "../../engine/live/driftReport.ts";
import { LiveEngine } from "../../engine/live/liveEngine.ts";
import type { LiveBar } from "../../engine/live/liveSeries.ts";
import type { RecordedRun } from "../../engine/live/liveReplay.ts";
import type { Order } from "../../engine/orders.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";

const HOUR = 3_600_000;
const [A, B] = syntheticMarket({ symbols: ["SYN-A", "SYN-B"], bars: 1200, timeframe: "1h", seed: 11 }) as [BarSeries, BarSeries];
const rows = (s: BarSeries): LiveBar[] => Array.from({ length: s.length }, (_, i) => ({ time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! }));
const BARS = { "SYN-A": rows(A), "SYN-B": rows(B) };
const WARM = 200;
const FIRST = A.time[WARM]!;

interface Trader {
  readonly orders: TraderOrder[];
  readonly fills: TraderFill[];
}

/** What a run was started with; `overrides` change it. */
function recorded(overrides: Partial<RecordedRun> = {}): RecordedRun {
  return {
    strategy: smaCrossover, mode: "paper", timeframe: "1h", symbols: ["SYN-A", "SYN-B"], bars: BARS, firstBarMs: FIRST,
    warmupBars: WARM, cash: 50_000, params: { fast: 5, slow: 20, allocation: 0.45 }, priceDecimals: 2, lotSize: 0.001, commission: 0.001,
    ...overrides,
  };
}

/** Runs `run` as the trader does and journals what it did; `between(i, engine)` runs after bar i (a hot update, a manual order). */
function trade(run: RecordedRun, between: (i: number, live: LiveEngine) => void = () => {}): Trader {
  const live = new LiveEngine({ strategy: run.strategy, params: run.params, symbols: run.symbols, timeframe: run.timeframe, mode: run.mode,
    cash: run.cash, priceDecimals: run.priceDecimals, lotSize: run.lotSize, commission: run.commission });
  for (const s of run.symbols) live.warm(s, run.bars[s]!.filter((b) => b.time < run.firstBarMs).slice(-run.warmupBars));
  const working: Order[] = [];
  for (let i = WARM; i < A.length; i++) {
    const t = A.time[i]!;
    // live: the exchange fills at the first price after the decision (this bar's open), stamped by
    // its clock a moment before the bar's open time (as the simulator does: the close of the last)
    for (const o of working.splice(0)) {
      const price = run.bars[o.symbol]![i]!.open;
      const q = o.quantity - o.filledQuantity;
      live.engine.applyVenueFill(o, { quantity: q, price, commission: q * price * run.commission, liquidity: "taker", timeMs: t - 1 });
    }
    live.onBars(t, { "SYN-A": BARS["SYN-A"][i]!, "SYN-B": BARS["SYN-B"][i]! });
    if (run.mode === "live") for (const intent of live.venue!.drain()) if (intent.kind === "submit") working.push(intent.order);
    between(i, live);
  }
  return {
    orders: live.engine.orders.map((o) => ({ clientOrderId: `qw1-${o.id}`, symbol: o.symbol, side: o.side, quantity: o.quantity, createdMs: o.createdMs,
      source: o.tag?.startsWith("manual") ? "manual" : "strategy", tag: o.tag })),
    fills: live.engine.fills.map((f) => ({ clientOrderId: `qw1-${f.orderId}`, symbol: f.symbol, side: f.side, quantity: f.quantity, price: f.price, fee: f.commission, timeMs: f.timeMs })),
  };
}

const PAPER = trade(recorded());

describe("the live-versus-backtest report", () => {
  it("finds no drift when the trader did exactly what the replay does, trade by trade", () => {
    const report = driftReport({ ...recorded(), ...PAPER });
    expect(PAPER.fills.length).toBeGreaterThan(10);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual({ matches: PAPER.fills.length, drifts: 0, missing: 0, extra: 0, maxPriceBps: 0, meanPriceBps: 0, maxTimingMs: 0 });
    expect(report.bars).toBe(A.length - WARM);
    expect(report.warmedBars).toBe(WARM);
    expect(report.rows.every((r) => r.kind === "match" && r.replay!.price === r.live!.price && r.replay!.quantity === r.live!.quantity)).toBe(true);
    expect(new Set(report.rows.map((r) => r.symbol))).toEqual(new Set(["SYN-A", "SYN-B"]));
    expect(report.notes).toEqual([]);
  });

  it("reports a fill the trader missed as missing, and nothing else", () => {
    const dropped = PAPER.fills[4]!;
    const report = driftReport({ ...recorded(), orders: PAPER.orders, fills: PAPER.fills.filter((f) => f !== dropped) });
    expect(report.ok).toBe(false);
    expect(report.summary).toMatchObject({ matches: PAPER.fills.length - 1, drifts: 0, missing: 1, extra: 0 });
    const missing = report.rows.find((r) => r.kind === "missing")!;
    expect(missing.replay).toMatchObject({ symbol: dropped.symbol, side: dropped.side, timeMs: dropped.timeMs, quantity: dropped.quantity, price: dropped.price });
    expect(missing.live).toBeUndefined();
  });

  it("measures a slipped price in basis points against the trader, on that trade only", () => {
    const i = PAPER.fills.findIndex((f) => f.side === "buy");
    const j = PAPER.fills.findIndex((f) => f.side === "sell");
    const fills = PAPER.fills.map((f, n) => (n === i ? { ...f, price: f.price * 1.0005 } : n === j ? { ...f, price: f.price * 0.9998 } : f));
    const report = driftReport({ ...recorded(), orders: PAPER.orders, fills });
    expect(report.summary).toMatchObject({ matches: PAPER.fills.length - 2, drifts: 2, missing: 0, extra: 0 });
    const [buy, sell] = [PAPER.fills[i]!, PAPER.fills[j]!].map((f) => report.rows.find((r) => r.live?.timeMs === f.timeMs && r.side === f.side)!);
    expect(buy!.kind).toBe("drift");
    expect(buy!.differences).toHaveLength(1);
    expect(buy!.differences[0]).toMatchObject({ field: "price", replay: PAPER.fills[i]!.price });
    expect((buy!.differences[0] as { bps: number }).bps).toBeCloseTo(5, 9); // a dearer buy: 5 bps against the trader
    expect((sell!.differences[0] as { bps: number }).bps).toBeCloseTo(2, 9); // a cheaper sell: 2 bps against
    expect(report.summary.maxPriceBps).toBeCloseTo(5, 9);
    // a tolerance wide enough takes both as matches
    expect(driftReport({ ...recorded(), orders: PAPER.orders, fills, tolerance: { priceBps: 6 } }).ok).toBe(true);
  });

  it("pairs a fill one bar late with its trade and reports the timing; further apart they are missing and extra", () => {
    const n = 6;
    const late = PAPER.fills.map((f, k) => (k === n ? { ...f, timeMs: f.timeMs + HOUR } : f));
    const report = driftReport({ ...recorded(), orders: PAPER.orders, fills: late });
    expect(report.summary).toMatchObject({ drifts: 1, missing: 0, extra: 0, maxTimingMs: HOUR });
    expect(report.rows.find((r) => r.kind === "drift")!.differences).toEqual([{ field: "time", replay: PAPER.fills[n]!.timeMs, live: PAPER.fills[n]!.timeMs + HOUR, deltaMs: HOUR }]);
    const strict = driftReport({ ...recorded(), orders: PAPER.orders, fills: late, tolerance: { pairWithinMs: HOUR / 2 } });
    expect(strict.summary).toMatchObject({ drifts: 0, missing: 1, extra: 1 });
  });

  it("lists an order from outside the strategy as extra, with a note", () => {
    const trader = trade(recorded(), (i, live) => {
      if (i === 700) live.engine.submit({ symbol: "SYN-B", side: "buy", quantity: 1, tag: "manual:alice" });
    });
    const report = driftReport({ ...recorded(), ...trader });
    const extra = report.rows.filter((r) => r.kind === "extra");
    expect(extra).toHaveLength(1);
    expect(extra[0]!.live).toMatchObject({ symbol: "SYN-B", side: "buy", quantity: 1, tag: "manual:alice" });
    expect(report.notes.join(" ")).toMatch(/1 order was placed from outside the strategy/);
  });

  it("replays hot parameter updates at the bar they took effect; without them the trades differ", () => {
    const after = A.time[600]!;
    const trader = trade(recorded(), (i, live) => { if (i === 600) live.engine.setParams({ allocation: 0.2 }); });
    const changes = [{ afterBarMs: after, params: { fast: 5, slow: 20, allocation: 0.2 } }];
    const report = driftReport({ ...recorded({ paramChanges: changes }), ...trader });
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual(["1 parameter change was replayed at the bar it took effect"]);
    const unaware = driftReport({ ...recorded(), ...trader });
    expect(unaware.ok).toBe(false);
    expect(unaware.rows.filter((r) => r.kind === "drift").every((r) => r.differences.some((d) => d.field === "quantity") && r.live!.timeMs > after)).toBe(true);
  });

  it("replays a live-mode run: sized at the decision, filled by the next bar's open", () => {
    const run = recorded({ mode: "live" });
    const trader = trade(run);
    expect(trader.fills.length).toBeGreaterThan(10);
    const report = driftReport({ ...run, ...trader });
    expect(report.ok).toBe(true);
    expect(report.summary.matches).toBe(trader.fills.length);
    // the exchange's fills come a millisecond before the replay's (the next bar's open): on time, and said
    expect(report.summary.maxTimingMs).toBe(1);
    expect(report.rows.every((r) => r.differences.length === 0)).toBe(true);
    expect(driftReport({ ...run, ...trader, tolerance: { timeMs: 0 } }).summary.drifts).toBe(trader.fills.length);
    // the same trades replayed as paper (sized at the fill) are not what a live trader does
    expect(driftReport({ ...run, mode: "paper", ...trader }).ok).toBe(false);
  });

  it("pairs an order the exchange filled before the next bar closed with the replay's decision, by quantity and tag", () => {
    const run = recorded({ mode: "live" });
    const trader = trade(run);
    // the trader has handled up to the bar at whose close it sent its 6th order; the exchange filled it at once
    const sixth = trader.orders.filter((o) => o.source === "strategy")[5]!;
    const lastBarMs = sixth.createdMs - HOUR;
    const toMs = lastBarMs + HOUR;
    const report = driftReport({ ...run, ...trader, lastBarMs, toMs });
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ matches: 6, drifts: 0, missing: 0, extra: 0 });
    const last = report.rows.at(-1)!;
    expect(last.replay).toMatchObject({ pending: true, quantity: sixth.quantity, decidedMs: sixth.createdMs });
    expect(Number.isNaN(last.replay!.price)).toBe(true);
    expect(report.notes).toEqual(["1 order sent at the last replayed bar filled before the next bar closed: compared by quantity and tag, not price"]);
  });

  it("compares only the period asked for, and leaves out an earlier run's orders", () => {
    const fromMs = A.time[500]!;
    const toMs = A.time[900]!;
    const inside = PAPER.fills.filter((f) => f.timeMs >= fromMs && f.timeMs < toMs).length;
    const earlier: TraderOrder = { clientOrderId: "qw0-1", symbol: "SYN-A", side: "buy", quantity: 3, createdMs: FIRST - 5 * HOUR, source: "strategy" };
    const report = driftReport({ ...recorded(), orders: [earlier, ...PAPER.orders],
      fills: [{ clientOrderId: "qw0-1", symbol: "SYN-A", side: "buy", quantity: 3, price: 100, fee: 0.3, timeMs: FIRST - 4 * HOUR }, ...PAPER.fills], fromMs, toMs });
    expect(inside).toBeGreaterThan(2);
    expect(report).toMatchObject({ fromMs, toMs, ok: true });
    expect(report.rows).toHaveLength(inside);
  });

  it("keeps what it replayed when the strategy throws, and says where it stopped", () => {
    const stopAt = A.time[800]!;
    const fragile = defineStrategy({
      ...smaCrossover,
      name: "fragile",
      onBar(ctx, s) {
        if (ctx.time === stopAt) throw new Error("boom");
        smaCrossover.onBar(ctx, s);
      },
    });
    const report = driftReport({ ...recorded({ strategy: fragile }), ...PAPER });
    expect(report.ok).toBe(false);
    expect(report.notes[0]).toMatch(/^the replay stopped at the bar of .*boom/);
    expect(report.summary.matches).toBeGreaterThan(0);
    expect(report.summary.matches).toBe(PAPER.fills.filter((f) => f.timeMs <= stopAt).length);
    expect(report.summary.extra).toBe(PAPER.fills.filter((f) => f.timeMs > stopAt).length);
  });

  it("gives the same report for the same inputs", () => {
    expect(JSON.stringify(driftReport({ ...recorded(), ...PAPER }))).toBe(JSON.stringify(driftReport({ ...recorded(), ...PAPER })));
  });
});
