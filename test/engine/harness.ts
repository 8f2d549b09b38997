/**
 * Tiny building blocks for the engine-core tests: hand-written bars on a regular clock, scripted
 * strategies that place given orders on given bars, and a runBacktest wrapper with quiet defaults.
 */
import fc from "fast-check";
import {
  DAY_MS,
  barSeries,
  defineStrategy,
  runBacktest,
  type BacktestOptions,
  type BacktestResult,
  type BarSeries,
  type EngineEvent,
  type Fill,
  type OrderOptions,
  type StrategyContext,
} from "../../engine/index.js";

/** 2024-01-01T00:00:00Z, a Monday: bar 0 of every hand-built series unless said otherwise. */
export const T0 = Date.UTC(2024, 0, 1);

/** One bar: open, high, low, close and (optionally) volume. */
export type Row = readonly [open: number, high: number, low: number, close: number, volume?: number];

export interface Clock {
  readonly start?: number;
  readonly stepMs?: number;
}

/** Open time of bar i on a clock (daily from T0 by default). */
export function at(i: number, clock: Clock = {}): number {
  return (clock.start ?? T0) + i * (clock.stepMs ?? DAY_MS);
}

/**
 * When a strategy decides on bar i: at its close, the open time of bar i + 1 on a regular clock.
 * Orders placed in onBar of bar i are stamped with it (`createdMs`), and so are cancels and
 * modifies (`updatedMs`), risk rejections and log entries; a fill-on-close fill happens then too.
 */
export function decidedAt(i: number, clock: Clock = {}): number {
  return at(i + 1, clock);
}

/** A BarSeries from rows, one bar per step of the clock (or at the given times). */
export function bars(rows: readonly Row[], options: Clock & { symbol?: string; times?: readonly number[] } = {}): BarSeries {
  return barSeries({
    symbol: options.symbol ?? "AAA",
    timeframe: "",
    time: options.times ?? rows.map((_, i) => at(i, options)),
    open: rows.map((r) => r[0]),
    high: rows.map((r) => r[1]),
    low: rows.map((r) => r[2]),
    close: rows.map((r) => r[3]),
    volume: rows.map((r) => r[4] ?? 1_000_000),
  });
}

export type Ctx = StrategyContext;

/** A strategy that runs `plan[i]` on the bar with index i (of any symbol). */
export function onBars(plan: Readonly<Record<number, (ctx: Ctx) => void>>, name = "script") {
  return scripted((ctx) => plan[ctx.index]?.(ctx), { name });
}

/** A strategy whose onBar is `body` (and optionally an onFill). */
export function scripted(body: (ctx: Ctx) => void, options: { name?: string; onFill?: (ctx: Ctx, fill: Fill) => void } = {}) {
  const onFill = options.onFill;
  return defineStrategy({
    name: options.name ?? "script",
    params: {},
    init: () => ({}),
    onBar: (ctx) => body(ctx as Ctx),
    onFill: onFill ? (ctx, _state, fill) => onFill(ctx as Ctx, fill) : undefined,
  });
}

/** runBacktest with 100 000 cash, no costs, and whatever `options` override. */
export function run(series: BarSeries | readonly BarSeries[], strategy: BacktestOptions["strategy"], options: Partial<BacktestOptions> = {}): BacktestResult {
  return runBacktest({ bars: series, strategy, cash: 100_000, ...options });
}

/** Runs and also collects every engine event. */
export function runWithEvents(series: BarSeries | readonly BarSeries[], strategy: BacktestOptions["strategy"], options: Partial<BacktestOptions> = {}) {
  const events: EngineEvent[] = [];
  const result = run(series, strategy, { ...options, onEvent: (e) => events.push(e) });
  return { result, events };
}

/** The fields of a fill that the tests compare, in a stable shape. */
export function fillsOf(result: BacktestResult): { t: number; id: number; side: string; q: number; p: number }[] {
  return result.fills.map((f) => ({ t: f.timeMs, id: f.orderId, side: f.side, q: f.quantity, p: f.price }));
}

/** Order statuses reported for one order, in event order. */
export function statusTrail(events: readonly EngineEvent[], orderId: number): string[] {
  return events.flatMap((e) => (e.type === "order_status" && e.orderId === orderId ? [e.status] : []));
}

// ---- random scenarios for the property tests ------------------------------------------------

export type ActionKind = "market" | "limit" | "stop" | "stop_limit" | "trailing" | "target" | "bracket" | "cancel" | "modify";

/** One scripted request: on bar `bar` of symbol `from`, do `kind` on symbol `symbol`. */
export interface Action {
  readonly bar: number;
  readonly from: string;
  readonly symbol: string;
  readonly kind: ActionKind;
  readonly side: "buy" | "sell";
  readonly quantity: number;
  readonly offset: number;
  readonly timeInForce: "GTC" | "DAY" | "IOC";
}

export interface Scenario {
  readonly series: BarSeries[];
  readonly actions: Action[];
  readonly options: Partial<BacktestOptions>;
}

const SIX_HOURS = DAY_MS / 4;

/** Bars on a 6-hour clock (four a UTC day), prices 1–160 in steps of 0.5, some bars without volume. */
export function rowsArb(minLength: number, maxLength: number): fc.Arbitrary<Row[]> {
  const row = fc.record({
    o: fc.integer({ min: 100, max: 300 }), c: fc.integer({ min: 100, max: 300 }),
    up: fc.integer({ min: 0, max: 20 }), down: fc.integer({ min: 0, max: 20 }), v: fc.integer({ min: 0, max: 40 }),
  });
  return fc.array(row, { minLength, maxLength }).map((rows) => rows.map((r): Row => [
    r.o / 2, (Math.max(r.o, r.c) + r.up) / 2, (Math.max(2, Math.min(r.o, r.c) - r.down)) / 2, r.c / 2, r.v * 25,
  ]));
}

/**
 * A random run: one or two symbols (the second on its own calendar, a subset of a shared clock),
 * requests of every kind, and random fill/cost options (never slippage, so fills stay inside their bar).
 * `cross`: requests may name the other symbol than the bar being handled.
 */
export function scenarioArb(symbols: 1 | 2, cross = false): fc.Arbitrary<Scenario> {
  const names = symbols === 1 ? ["AAA"] : ["AAA", "BBB"];
  const calendars = fc.tuple(...names.map(() => fc.array(fc.boolean(), { minLength: 10, maxLength: 10 })))
    .map((masks) => masks.map((m, k) => (symbols === 1 || k === 0 ? m.map(() => true) : m)))
    .filter((masks) => masks.every((m) => m.filter(Boolean).length >= 3));
  return calendars.chain((masks) => {
    const seriesArb = fc.tuple(...masks.map((mask, k) => {
      const days = mask.flatMap((on, d) => (on ? [d] : []));
      return rowsArb(days.length, days.length).map((rows) => bars(rows, { symbol: names[k]!, times: days.map((d) => T0 + d * SIX_HOURS) }));
    }));
    const action = fc.record({
      bar: fc.integer({ min: 0, max: 9 }),
      from: fc.constantFrom(...names),
      symbol: fc.constantFrom(...names),
      kind: fc.constantFrom<ActionKind>("market", "limit", "stop", "stop_limit", "trailing", "target", "bracket", "cancel", "modify"),
      side: fc.constantFrom<"buy" | "sell">("buy", "sell"),
      quantity: fc.integer({ min: 1, max: 60 }),
      offset: fc.integer({ min: -12, max: 12 }),
      timeInForce: fc.constantFrom<"GTC" | "DAY" | "IOC">("GTC", "GTC", "DAY", "IOC"),
    }).map((a) => (cross ? a : { ...a, symbol: a.from }));
    const options = fc.record({
      fillOnClose: fc.boolean(),
      participation: fc.constantFrom(undefined, 0.05, 0.3),
      commission: fc.constantFrom(0, 0.001, 0.01),
      leverage: fc.constantFrom(1, 2),
      cash: fc.constantFrom(3_000, 100_000),
    }).map((o): Partial<BacktestOptions> => ({
      cash: o.cash, leverage: o.leverage, commission: o.commission,
      fill: { fillOnClose: o.fillOnClose, ...(o.participation === undefined ? {} : { volumeParticipation: o.participation }) },
    }));
    return fc.record({ series: seriesArb, actions: fc.array(action, { maxLength: 25 }), options });
  });
}

/** Carries out one scripted request on the bar being handled. */
export function perform(ctx: Ctx, a: Action): void {
  const ref = ctx.close;
  const px = (x: number) => Math.max(0.5, ref + x);
  const base = { symbol: a.symbol, timeInForce: a.timeInForce };
  const place = (opts: OrderOptions) => (a.side === "buy" ? ctx.buy(a.quantity, { ...base, ...opts }) : ctx.sell(a.quantity, { ...base, ...opts }));
  const away = a.side === "buy" ? -1 : 1;
  switch (a.kind) {
    case "market": place({}); break;
    case "limit": place({ limitPrice: px(a.offset) }); break;
    case "stop": place({ stopPrice: px(a.offset) }); break;
    case "stop_limit": place({ stopPrice: px(a.offset), limitPrice: px(a.offset - 2 * away) }); break;
    case "trailing": place({ type: "trailing_stop", trailAmount: 0.5 + Math.abs(a.offset) / 2 }); break;
    case "target": ctx.orderTargetQuantity((a.side === "buy" ? 1 : -1) * a.quantity, { symbol: a.symbol }); break;
    case "bracket": place({ stopLoss: px(away * (3 + Math.abs(a.offset))), takeProfit: px(-away * (3 + Math.abs(a.offset))) }); break;
    case "cancel": { const o = ctx.openOrders(a.symbol)[0]; if (o) ctx.cancel(o); break; }
    case "modify": {
      const o = ctx.openOrders(a.symbol).find((x) => x.limitPrice !== undefined);
      if (o) ctx.modify(o, { limitPrice: px(a.offset), quantity: o.filledQuantity + a.quantity });
      break;
    }
  }
}

/** A strategy that carries out the scripted requests. */
export function scenarioStrategy(actions: readonly Action[]) {
  return scripted((ctx) => {
    for (const a of actions) if (a.bar === ctx.index && a.from === ctx.symbol) perform(ctx, a);
  }, { name: "random" });
}
