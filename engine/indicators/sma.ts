import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { CompensatedSum } from "./compensatedSum.js";
import { IndicatorBase } from "./indicatorBase.js";
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
  /** The input that left the window on the last float update (0 while filling), for `replace`. */
  private out = 0;
  /** The window's sum in integer ticks. */
  private tickSum = 0;
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
    return this.scale !== 0 ? this.updateTicks(x) : this.updateFloat(x);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    const last = this.slot === 0 ? this.period - 1 : this.slot - 1;
    if (this.scale !== 0) {
      const v = toTicks(this.name, x, this.scale, this.maxTicks);
      // integers: taking the replaced input back out is exact, so this equals a fresh update with x
      const total = this.tickSum - this.buf[last]! + v;
      this.buf[last] = v;
      this.tickSum = total;
      return (this.val = this.n >= this.period ? total / this.divisor : NaN);
    }
    this.buf[last] = x;
    this.sum.restore();
    return this.applyFloat(x);
  }

  reset(): void {
    this.n = 0;
    this.slot = 0;
    this.out = 0;
    this.tickSum = 0;
    this.sum.clear();
    this.val = NaN;
  }

  /**
   * The tick path, split from the float path so that it is small enough to be inlined where the
   * engine feeds it once per bar; it stores only what `replace` cannot derive.
   */
  private updateTicks(x: number): number {
    const scaled = x * this.scale;
    const v = Math.round(scaled);
    // one comparison rejects NaN/±Infinity (it is false for them), off-grid inputs and overflow
    if (!(Math.abs(scaled - v) <= 1e-7 + 16 * Number.EPSILON * Math.abs(scaled) && Math.abs(v) <= this.maxTicks)) this.badInput(x);
    const p = this.period;
    const slot = this.slot;
    const n = ++this.n;
    const out = n > p ? this.buf[slot]! : 0;
    this.buf[slot] = v;
    this.slot = slot + 1 === p ? 0 : slot + 1;
    // subtract first: |sum - out| <= (period - 1) * maxTicks, so no intermediate leaves the safe range
    const total = this.tickSum - out + v;
    this.tickSum = total;
    return (this.val = n >= p ? total / this.divisor : NaN);
  }

  private updateFloat(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    const p = this.period;
    const slot = this.slot;
    this.n++;
    this.out = this.n > p ? this.buf[slot]! : 0;
    this.buf[slot] = x;
    this.slot = slot + 1 === p ? 0 : slot + 1;
    this.sum.mark();
    return this.applyFloat(x);
  }

  /** Adds `v` to the compensated sum as it was before the last update; the same steps for update and replace. */
  private applyFloat(v: number): number {
    if (this.n > this.period) this.sum.add(-this.out);
    this.sum.add(v);
    return (this.val = this.n >= this.warmup ? this.sum.value / this.divisor : NaN);
  }

  private badInput(x: number): never {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    return toTicks(this.name, x, this.scale, this.maxTicks) as never;
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
