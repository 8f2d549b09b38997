import { InputError } from "./errors.js";
import { formatTime, lowerBound } from "./time.js";

/** One symbol's bars as parallel Float64Array columns; `time` is the bar's open time in UTC ms. */
export interface BarSeries {
  readonly symbol: string;
  readonly timeframe: string;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly length: number;
}

export type PriceColumn = "open" | "high" | "low" | "close";
export const PRICE_COLUMNS: readonly PriceColumn[] = ["open", "high", "low", "close"];
export const BAR_COLUMNS = ["time", "open", "high", "low", "close", "volume"] as const;
export type BarColumn = (typeof BAR_COLUMNS)[number];

/** Where the columns came from, so that errors can name the file and its row. */
export interface BarSource {
  readonly file?: string;
  /** File row (1-based) of element 0; e.g. 2 for a CSV with one header line. */
  readonly firstRow?: number;
  /** File row of every element, when rows were dropped or reordered on the way. */
  readonly rows?: ArrayLike<number>;
}

export interface BarSeriesInit {
  symbol: string;
  timeframe?: string;
  time: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume?: ArrayLike<number>;
  source?: BarSource;
}

const asF64 = (a: ArrayLike<number>): Float64Array => (a instanceof Float64Array ? a : Float64Array.from(a));

/**
 * Builds a validated BarSeries. Float64Array inputs are used as they are (no copy).
 * Throws InputError naming file, row and column for: a missing column, columns of different
 * lengths, a non-finite or non-positive price, a negative or non-finite volume, high/low that do
 * not contain open and close, and timestamps that are not strictly increasing.
 *
 * @example
 * const s = barSeries({ symbol: "ORCL", timeframe: "1d", time, open, high, low, close, volume });
 */
export function barSeries(init: BarSeriesInit): BarSeries {
  const source = init.source ?? {};
  for (const col of ["time", "open", "high", "low", "close"] as const) {
    if (init[col] === undefined || init[col] === null) {
      throw new InputError("MISSING_COLUMN", { file: source.file, column: col, symbol: init.symbol },
        `${where(source)}the column "${col}" is missing; bars need time, open, high, low, close (volume optional)`);
    }
  }
  const n = init.time.length;
  const volume = init.volume ?? new Float64Array(n);
  for (const col of ["open", "high", "low", "close"] as const) {
    if (init[col].length !== n) lengthMismatch(source, col, init[col].length, n);
  }
  if (volume.length !== n) lengthMismatch(source, "volume", volume.length, n);
  const s: BarSeries = {
    symbol: init.symbol,
    timeframe: init.timeframe ?? "",
    time: asF64(init.time), open: asF64(init.open), high: asF64(init.high), low: asF64(init.low),
    close: asF64(init.close), volume: asF64(volume), length: n,
  };
  validateBars(s, source);
  return s;
}

function lengthMismatch(source: BarSource, column: string, got: number, want: number): never {
  throw new InputError("COLUMN_LENGTH", { file: source.file, column, length: got, expected: want },
    `${where(source)}column "${column}" has ${got} values but "time" has ${want}; every column needs one value per bar`);
}

/** File row of element `i` under `source` (or the 0-based index when nothing better is known). */
export function rowOf(source: BarSource, i: number): number {
  if (source.rows) return source.rows[i]!;
  return source.firstRow !== undefined ? source.firstRow + i : i;
}

function where(source: BarSource): string {
  return source.file ? `${source.file}: ` : "";
}

function at(source: BarSource, i: number, column: string): string {
  const row = rowOf(source, i);
  const rowWord = source.file || source.firstRow !== undefined || source.rows ? `row ${row}` : `bar index ${row}`;
  return `${column} at ${rowWord}${source.file ? ` of ${source.file}` : ""}`;
}

function validateBars(s: BarSeries, source: BarSource): void {
  const { time, open, high, low, close, volume } = s;
  for (let i = 0; i < s.length; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) {
      fail("BAD_TIMESTAMP", source, i, "time", t, `${at(source, i, "time")} is not a valid timestamp; fix or drop that row`);
    }
    if (i > 0) {
      const prev = time[i - 1]!;
      if (t === prev) {
        fail("DUPLICATE_TIMESTAMP", source, i, "time", t,
          `${at(source, i, "time")} repeats ${formatTime(t)} from the row before; drop the duplicate row`);
      }
      if (t < prev) {
        fail("UNSORTED_TIMESTAMP", source, i, "time", t,
          `${at(source, i, "time")} (${formatTime(t)}) is earlier than the row before (${formatTime(prev)}); sort the file by time`);
      }
    }
    for (const [name, col] of [["open", open], ["high", high], ["low", low], ["close", close]] as const) {
      const v = col[i]!;
      if (Number.isNaN(v)) fail("NAN_PRICE", source, i, name, v, `${at(source, i, name)} is NaN or empty; drop or fill that row before loading`);
      if (!Number.isFinite(v) || v <= 0) {
        fail("NON_POSITIVE_PRICE", source, i, name, v, `${at(source, i, name)} is ${v}; prices must be finite and above zero`);
      }
    }
    const v = volume[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) {
      fail("BAD_VOLUME", source, i, "volume", v, `${at(source, i, "volume")} is ${v}; volume must be a finite number >= 0`);
    }
    const hi = high[i]!, lo = low[i]!, o = open[i]!, c = close[i]!;
    if (hi < lo || hi < o || hi < c) {
      fail("INCONSISTENT_HIGH", source, i, "high", hi, `${at(source, i, "high")} (${hi}) is below the bar's low, open or close (${lo}, ${o}, ${c})`);
    }
    if (lo > o || lo > c) {
      fail("INCONSISTENT_LOW", source, i, "low", lo, `${at(source, i, "low")} (${lo}) is above the bar's open or close (${o}, ${c})`);
    }
  }
}

function fail(code: string, source: BarSource, i: number, column: string, value: number, message: string): never {
  throw new InputError(code, { file: source.file, row: rowOf(source, i), column, value }, message);
}

/**
 * Decimal places that represent every price of the series exactly (at most 8), or undefined when
 * some price needs more. Used to average prices in integer ticks, so that equal windows give
 * exactly equal averages (see the SMA).
 */
export function priceDecimals(s: BarSeries, maxDecimals = 8): number | undefined {
  let d = 0;
  for (const col of PRICE_COLUMNS) {
    const c = columnDecimals(s[col], maxDecimals);
    if (c === undefined) return undefined;
    d = Math.max(d, c);
  }
  return d;
}

// columns are immutable once in a BarSeries, so a sweep of many runs scans each column once
const decimalsCache = new WeakMap<Float64Array, number | undefined>();

/** Decimal places that represent every value of one column exactly (at most `maxDecimals`), or undefined. */
export function columnDecimals(col: Float64Array, maxDecimals = 8): number | undefined {
  if (maxDecimals === 8 && decimalsCache.has(col)) return decimalsCache.get(col);
  let d = 0;
  let scale = 1;
  let found: number | undefined = 0;
  for (let i = 0; i < col.length && found !== undefined; i++) {
    const x = col[i]!;
    while (!isWhole(x * scale)) {
      if (d === maxDecimals) { found = undefined; break; }
      d++;
      scale *= 10;
    }
    if (found !== undefined) found = d;
  }
  if (maxDecimals === 8) decimalsCache.set(col, found);
  return found;
}

function isWhole(x: number): boolean {
  // a few ulps: 2.37037 * 1e5 is 237037.00000000003 in binary floating point
  return Math.abs(x - Math.round(x)) <= 8 * Number.EPSILON * Math.max(1, Math.abs(x));
}

/** The bars with fromMs ≤ time < toMs, as a view sharing the same buffers. */
export function barsBetween(s: BarSeries, fromMs = -Infinity, toMs = Infinity): BarSeries {
  return sliceBars(s, lowerBound(s.time, fromMs), lowerBound(s.time, toMs));
}

/** A view of bars [start, end) sharing the same buffers. */
export function sliceBars(s: BarSeries, start: number, end = s.length): BarSeries {
  return {
    symbol: s.symbol, timeframe: s.timeframe,
    time: s.time.subarray(start, end), open: s.open.subarray(start, end), high: s.high.subarray(start, end),
    low: s.low.subarray(start, end), close: s.close.subarray(start, end), volume: s.volume.subarray(start, end),
    length: Math.max(0, Math.min(end, s.length) - start),
  };
}
