/**
 * Tiny building blocks for the engine-core tests: hand-written bars on a regular clock, scripted
 * strategies that place given orders on given bars, and a runBacktest wrapper with quiet defaults.
 */
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
