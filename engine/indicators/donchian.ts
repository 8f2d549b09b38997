import { checkBar, checkBarReplace, checkLengths, checkPeriod } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingExtreme } from "./rollingExtreme.js";
import type { BarIndicator } from "./types.js";

/**
 * Donchian channel over the last `period` bars, the current bar included: `upper` = highest high,
 * `lower` = lowest low, `middle` = (upper + lower) / 2; `value` is middle. Ready after `period`
 * bars. Because the current bar is included, a breakout is `close > previous upper`: read `upper`
 * before feeding the bar.
 *
 * O(1) amortised per bar with monotonic deques; `replace` rebuilds them in O(period).
 *
 * @example
 * const dc = new Donchian(20);
 * const breakout = dc.ready && close > dc.upper; // the channel of the 20 bars before this one
 * dc.update(high, low, close, volume);
 */
export class Donchian extends IndicatorBase implements BarIndicator {
  readonly kind = "bar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private up = NaN;
  private low = NaN;

  constructor(period = 20) {
    super();
    this.period = checkPeriod("Donchian", "period", period);
    this.warmup = period;
    this.name = `Donchian(${period})`;
    this.hi = new RollingExtreme(period, 1);
    this.lo = new RollingExtreme(period, -1);
  }

  /** Highest high of the window (NaN until ready). */
  get upper(): number {
    return this.up;
  }

  /** Lowest low of the window (NaN until ready). */
  get lower(): number {
    return this.low;
  }

  /** (upper + lower) / 2 (NaN until ready). */
  get middle(): number {
    return this.val;
  }

  update(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    this.n++;
    this.hi.push(high);
    this.lo.push(low);
    return this.set();
  }

  replace(high: number, low: number, close: number, volume: number): number {
    checkBarReplace(this.name, this.n, high, low, close, volume);
    this.hi.replaceLast(high);
    this.lo.replaceLast(low);
    return this.set();
  }

  reset(): void {
    this.n = 0;
    this.hi.clear();
    this.lo.clear();
    this.up = NaN;
    this.low = NaN;
    this.val = NaN;
  }

  private set(): number {
    if (this.n >= this.warmup) {
      this.up = this.hi.value;
      this.low = this.lo.value;
      this.val = (this.up + this.low) / 2;
    }
    return this.val;
  }
}

/**
 * `new Donchian(period)`.
 *
 * @example
 * const dc = donchian(20);
 */
export function donchian(period = 20): Donchian {
  return new Donchian(period);
}

/**
 * Donchian channel of whole columns (NaN during warm-up), bit-identical to streaming `Donchian`.
 *
 * @example
 * const { upper, middle, lower } = donchianBatch(s.high, s.low, s.close, s.volume, 20);
 */
export function donchianBatch(
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>, period = 20,
): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  const n = checkLengths("donchianBatch", { high, low, close, volume });
  const ind = new Donchian(period);
  const out = { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    ind.update(high[i]!, low[i]!, close[i]!, volume[i]!);
    out.upper[i] = ind.upper;
    out.middle[i] = ind.middle;
    out.lower[i] = ind.lower;
  }
  return out;
}
