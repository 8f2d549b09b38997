import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { CompensatedSum } from "./compensated-sum.js";
import { IndicatorBase } from "./indicator-base.js";
import { tickScale, toTicks } from "./ticks.js";
import type { DecimalsOptions, ScalarIndicator } from "./types.js";

/**
 * Simple moving average of the last `period` inputs; ready after `period` inputs.
 *
 * Summation, chosen so that crossings of two averages are decided on exact values:
 * - with `{ decimals }` (pass `priceDecimals(series)`), each input becomes integer ticks
 *   `Math.round(x * 10^decimals)` and the window is summed in integers, which is exact; the value
 *   is `sumTicks / (period * 10^decimals)`, one correctly rounded division of exact integers, so
 *   equal windows give bit-identical averages (a floating rolling sum makes SMA(10) and SMA(30)
 *   of ORCL on 2004-06-29 differ by 2e-14 instead of tying at 11.375). An input that is not on
 *   the tick grid, or whose ticks could push the sum past 2^53, throws InputError.
 * - without it, a Neumaier-compensated rolling sum, so long series do not drift.
 *
 * @example
 * const fast = new Sma(10, { decimals: priceDecimals(series) });
 * fast.update(11.37); // NaN until 10 inputs
 */
export class Sma extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  /** 10^decimals, or 0 for the compensated floating path. */
  private readonly scale: number;
  private readonly divisor: number;
  /** Largest |ticks| an input may have so that |sum| stays within 2^53. */
  private readonly maxTicks: number;
  /** The window (ticks or raw inputs); input j sits at j % period. */
  private readonly buf: Float64Array;
  private slot = 0;
  private lastSlot = 0;
  /** The input that left the window on the last update (0 while filling). */
  private out = 0;
  /** Integer tick sums: now, and before the last update (for `replace`). */
  private tickSum = 0;
  private baseTickSum = 0;
  private readonly sum = new CompensatedSum();

  constructor(period: number, options?: DecimalsOptions) {
    super();
    this.period = checkPeriod("Sma", "period", period);
    this.warmup = period;
    this.name = `Sma(${period})`;
    const ticks = tickScale(this.name, options?.decimals, period, "period");
    this.scale = ticks.scale;
    this.divisor = ticks.divisor;
    this.maxTicks = ticks.maxTicks;
    this.buf = new Float64Array(period);
  }

  update(x: number): number {
    const scale = this.scale;
    if (scale !== 0) {
      // the tick path runs once per bar in every SMA strategy: kept flat and inline
      const scaled = x * scale;
      const v = Math.round(scaled);
      // one comparison rejects NaN/±Infinity (it is false for them), off-grid inputs and overflow
      if (!(Math.abs(scaled - v) <= 1e-7 + 16 * Number.EPSILON * Math.abs(scaled) && Math.abs(v) <= this.maxTicks)) {
        if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
        toTicks(this.name, x, scale, this.maxTicks);
      }
      const p = this.period;
      const slot = this.slot;
      const n = ++this.n;
      const out = n > p ? this.buf[slot]! : 0;
      this.buf[slot] = v;
      this.lastSlot = slot;
      this.out = out;
      this.slot = slot + 1 === p ? 0 : slot + 1;
      const base = this.tickSum;
      this.baseTickSum = base;
      const total = base - out + v;
      this.tickSum = total;
      return (this.val = n >= p ? total / this.divisor : NaN);
    }
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    const v = x;
    const p = this.period;
    this.n++;
    this.lastSlot = this.slot;
    this.out = this.n > p ? this.buf[this.slot]! : 0;
    this.buf[this.slot] = v;
    this.slot = this.slot + 1 === p ? 0 : this.slot + 1;
    this.baseTickSum = this.tickSum;
    this.sum.mark();
    return this.apply(v);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    const v = this.scale === 0 ? x : toTicks(this.name, x, this.scale, this.maxTicks);
    this.buf[this.lastSlot] = v;
    this.sum.restore();
    return this.apply(v);
  }

  reset(): void {
    this.n = 0;
    this.slot = 0;
    this.lastSlot = 0;
    this.out = 0;
    this.tickSum = 0;
    this.baseTickSum = 0;
    this.sum.clear();
    this.val = NaN;
  }

  /** Adds `v` to the sum as it was before the last update; the same steps for update and replace. */
  private apply(v: number): number {
    const evict = this.n > this.period;
    let total: number;
    if (this.scale !== 0) {
      // subtract first: |sum - out| <= (period - 1) * maxTicks, so no intermediate leaves the safe range
      total = (evict ? this.baseTickSum - this.out : this.baseTickSum) + v;
      this.tickSum = total;
    } else {
      if (evict) this.sum.add(-this.out);
      this.sum.add(v);
      total = this.sum.value;
    }
    this.val = this.n >= this.warmup ? total / this.divisor : NaN;
    return this.val;
  }
}

/**
 * `new Sma(period, options)`.
 *
 * @example
 * const slow = sma(30, { decimals: 2 });
 */
export function sma(period: number, options?: DecimalsOptions): Sma {
  return new Sma(period, options);
}

/**
 * SMA of a whole array (NaN during warm-up), bit-identical to streaming `Sma`.
 *
 * @example
 * const avg = smaBatch(series.close, 10, { decimals: priceDecimals(series) });
 */
export function smaBatch(values: ArrayLike<number>, period: number, options?: DecimalsOptions): Float64Array {
  return runScalar(new Sma(period, options), values);
}
