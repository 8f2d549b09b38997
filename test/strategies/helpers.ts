/** Shared fixtures and run checks for the strategy tests. */
import { expect } from "vitest";
import {
  barSeries, InputError, resolveParams, runBacktest, sliceBars,
  type AnyStrategy, type BacktestOptions, type BacktestResult, type BarSeries, type OrderRecord,
} from "../../engine/index.js";

export const DAY = 86_400_000;
/** Open time of bar 0 of the hand-built series (a Monday, UTC). */
export const T0 = Date.UTC(2024, 0, 1);
export const dayTime = (i: number): number => T0 + i * DAY;
/**
 * When a strategy decides on daily bar i: at its close, which is bar i + 1's open time. Orders placed
 * in onBar of bar i are stamped with it (`createdMs`), and so are its cancels and modifies (`updatedMs`).
 */
export const decidedOn = (i: number): number => dayTime(i + 1);

/** Daily bars from [open, high, low, close] rows, volume 1000. */
export function dailyBars(rows: readonly (readonly [number, number, number, number])[], symbol = "TEST"): BarSeries {
  return barSeries({
    symbol, timeframe: "1d", time: rows.map((_, i) => dayTime(i)),
    open: rows.map((r) => r[0]), high: rows.map((r) => r[1]), low: rows.map((r) => r[2]), close: rows.map((r) => r[3]),
    volume: rows.map(() => 1000),
  });
}

/**
 * Daily bars from closes: bar i opens `gap` above close i−1 (bar 0 opens at its close), and the
 * range is the body widened by `wick` on each side. Opens differ from the previous close, so a
 * fill "at the next open" cannot be mistaken for a fill at the signal bar's close.
 */
export function barsFromCloses(closes: readonly number[], gap = 0.25, wick = 0.5): BarSeries {
  return dailyBars(closes.map((c, i) => {
    const o = i === 0 ? c : closes[i - 1]! + gap;
    return [o, Math.max(o, c) + wick, Math.min(o, c) - wick, c] as const;
  }));
}

/** Index of the bar whose open time is `timeMs` (−1 if none). */
export function barAt(series: BarSeries, timeMs: number): number {
  let lo = 0, hi = series.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, t = series.time[mid]!;
    if (t === timeMs) return mid;
    if (t < timeMs) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface RecordedRun {
  readonly result: BacktestResult;
  /** Cash after every timeline step. */
  readonly cash: readonly number[];
}

/** runBacktest, also recording cash after every step (from the equity events). */
export function recordedRun(options: BacktestOptions): RecordedRun {
  const cash: number[] = [];
  const result = runBacktest({ ...options, onEvent: (e) => { if (e.type === "equity") cash.push(e.cash); } });
  return { result, cash };
}

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Two runs agree exactly: same fills, orders and trades, and bit-identical equity. */
export function expectIdenticalRuns(a: BacktestResult, b: BacktestResult): void {
  expect(b.fills).toEqual(a.fills);
  expect(b.orders).toEqual(a.orders);
  expect(b.trades).toEqual(a.trades);
  expect(bytes(b.equity).equals(bytes(a.equity))).toBe(true);
  expect(bytes(b.time).equals(bytes(a.time))).toBe(true);
}

/**
 * No fill uses a price the bar it is stamped with could not have traded at, nor a bar before the
 * order existed: market fills at that bar's open; limit fills inside the bar's range and at or
 * better than the limit; stop fills inside the range and at or worse than the stop (the stop, or
 * the open on a gap); and every fill on a bar that opened at or after the order's decision
 * (its createdMs: the close of the bar it was placed on, or the fill time for one placed in onFill).
 */
export function expectFillsWithinTheirBars(result: BacktestResult, series: BarSeries): void {
  const orders = new Map<number, OrderRecord>(result.orders.map((o) => [o.id, o]));
  for (const f of result.fills) {
    const i = barAt(series, f.timeMs);
    const order = orders.get(f.orderId)!;
    const where = `fill of order ${f.orderId} (${order.type} ${f.side}) at ${new Date(f.timeMs).toISOString()}`;
    expect(i, where).toBeGreaterThanOrEqual(0);
    expect(f.timeMs, where).toBeGreaterThanOrEqual(order.createdMs);
    const o = series.open[i]!, h = series.high[i]!, l = series.low[i]!;
    expect(f.price, where).toBeGreaterThanOrEqual(l);
    expect(f.price, where).toBeLessThanOrEqual(h);
    switch (order.type) {
      case "market":
        expect(f.price, where).toBe(o);
        break;
      case "limit":
        if (f.side === "buy") expect(f.price, where).toBeLessThanOrEqual(order.limitPrice!);
        else expect(f.price, where).toBeGreaterThanOrEqual(order.limitPrice!);
        expect(f.price === o || f.price === order.limitPrice, where).toBe(true);
        break;
      case "stop":
      case "trailing_stop":
        if (f.side === "sell") expect(f.price, where).toBeLessThanOrEqual(order.stopPrice!);
        else expect(f.price, where).toBeGreaterThanOrEqual(order.stopPrice!);
        expect(f.price === o || f.price === order.stopPrice, where).toBe(true);
        break;
      default:
        throw new Error(`${where}: unexpected order type`);
    }
  }
}

/**
 * A run over the first `m` bars is the start of the run over all of them: same fills up to bar
 * m−1 and bit-identical equity there. Any use of a later bar would break this.
 */
export function expectPrefixStable(options: BacktestOptions & { bars: BarSeries }, m: number): void {
  const full = runBacktest(options);
  const part = runBacktest({ ...options, bars: sliceBars(options.bars, 0, m) });
  const last = options.bars.time[m - 1]!;
  expect(part.fills).toEqual(full.fills.filter((f) => f.timeMs <= last));
  expect(bytes(part.equity).equals(bytes(full.equity.subarray(0, m)))).toBe(true);
}

/** The InputError code resolveParams gives for these values, or "accepted". */
export function paramRefusal(strategy: AnyStrategy, given: Readonly<Record<string, unknown>>): string {
  try {
    resolveParams(strategy.name, strategy.params, given);
  } catch (e) {
    return e instanceof InputError ? e.code : `not an InputError: ${String(e)}`;
  }
  return "accepted";
}

/** The InputError code runBacktest throws for these values, or "accepted". */
export function backtestRefusal(strategy: AnyStrategy, bars: BarSeries, given: Readonly<Record<string, unknown>>): string {
  try {
    runBacktest({ bars, strategy, params: given });
  } catch (e) {
    return e instanceof InputError ? e.code : `not an InputError: ${String(e)}`;
  }
  return "accepted";
}
