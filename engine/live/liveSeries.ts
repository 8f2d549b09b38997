import type { BarSeries } from "../bars.js";
import { InputError } from "../errors.js";
import { formatTime } from "../time.js";

/** One bar as a feed delivers it: open time in UTC ms, prices and volume. */
export interface LiveBar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * A BarSeries that grows as closed bars arrive (live and paper trading). Its columns are
 * preallocated and doubled when full, so appending is amortised O(1); after an append that may
 * have reallocated, tell the engine with `engine.seriesGrew(k)`. Bars are checked as they come,
 * with the same rules as barSeries(): a feed's bad bar is refused, never stored.
 */
export class LiveSeries implements BarSeries {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length = 0;

  constructor(readonly symbol: string, readonly timeframe: string, capacity = 1024) {
    const n = Math.max(16, capacity);
    this.time = new Float64Array(n);
    this.open = new Float64Array(n);
    this.high = new Float64Array(n);
    this.low = new Float64Array(n);
    this.close = new Float64Array(n);
    this.volume = new Float64Array(n);
  }

  /** The open time of the last bar (NaN when empty). */
  get lastTime(): number {
    return this.length > 0 ? this.time[this.length - 1]! : NaN;
  }

  /** Appends a closed bar and returns its index. Throws InputError (nothing stored) for a bar out of order or with impossible prices. */
  append(bar: LiveBar): number {
    const { time, open, high, low, close, volume } = bar;
    const where = `${this.symbol} ${this.timeframe} bar of ${Number.isFinite(time) ? formatTime(time) : String(time)}`;
    if (!Number.isFinite(time)) throw new InputError("BAD_TIME", { symbol: this.symbol, time }, `${where}: its time is not a number`);
    if (this.length > 0 && !(time > this.lastTime)) {
      throw new InputError(time === this.lastTime ? "DUPLICATE_TIME" : "UNSORTED_TIME", { symbol: this.symbol, time, last: this.lastTime },
        `${where}: comes after the bar of ${formatTime(this.lastTime)}; bars must arrive once each, in time order`);
    }
    for (const [name, v] of [["open", open], ["high", high], ["low", low], ["close", close]] as const) {
      if (!(v > 0) || !Number.isFinite(v)) throw new InputError("BAD_PRICE", { symbol: this.symbol, time, column: name, value: v }, `${where}: ${name} is ${v}; prices must be finite and positive`);
    }
    if (!(volume >= 0) || !Number.isFinite(volume)) throw new InputError("BAD_VOLUME", { symbol: this.symbol, time, value: volume }, `${where}: volume is ${volume}`);
    if (high < Math.max(open, close, low) || low > Math.min(open, close)) {
      throw new InputError("INCONSISTENT_BAR", { symbol: this.symbol, time, open, high, low, close }, `${where}: high ${high} / low ${low} do not contain open ${open} and close ${close}`);
    }
    if (this.length === this.time.length) this.grow();
    const i = this.length;
    this.time[i] = time;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    this.length = i + 1;
    return i;
  }

  private grow(): void {
    const n = this.time.length * 2;
    for (const col of ["time", "open", "high", "low", "close", "volume"] as const) {
      const next = new Float64Array(n);
      next.set(this[col]);
      this[col] = next;
    }
  }
}
