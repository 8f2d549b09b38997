import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import type { ScalarIndicator } from "./types.js";

/**
 * Relative Strength Index with Wilder smoothing; ready after `period + 1` inputs (the first input
 * only provides the first change).
 *
 * Seeding and smoothing as technicalindicators (and Wilder): the first average gain / loss is the
 * plain mean of the first `period` changes, then `avg = (avg * (period - 1) + change) / period`.
 * RSI = 100 * avgGain / (avgGain + avgLoss): 100 when there were only gains, 0 when only losses,
 * and 50 for a window with no change at all (technicalindicators says 100 and TA-Lib 0 there;
 * neither "overbought" nor "oversold" describes a flat market).
 *
 * @example
 * const r = new Rsi(14);
 * for (const c of closes) r.update(c);
 * if (r.value > 70) sell();
 */
export class Rsi extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  /** The last input and the one before it (the reference for `replace`). */
  private prev = NaN;
  private basePrev = NaN;
  /** Sums of gains / losses while seeding, then the smoothed averages; and their state before the last update. */
  private gain = 0;
  private loss = 0;
  private baseGain = 0;
  private baseLoss = 0;

  constructor(period = 14) {
    super();
    this.period = checkPeriod("Rsi", "period", period);
    this.warmup = period + 1;
    this.name = `Rsi(${period})`;
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    this.n++;
    this.basePrev = this.prev;
    this.baseGain = this.gain;
    this.baseLoss = this.loss;
    return this.apply(x);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    return this.apply(x);
  }

  reset(): void {
    this.n = 0;
    this.prev = NaN;
    this.basePrev = NaN;
    this.gain = 0;
    this.loss = 0;
    this.baseGain = 0;
    this.baseLoss = 0;
    this.val = NaN;
  }

  private apply(x: number): number {
    const n = this.n;
    const p = this.period;
    this.prev = x;
    if (n === 1) return this.val;
    const change = x - this.basePrev;
    const g = change > 0 ? change : 0;
    const l = change < 0 ? -change : 0;
    if (n <= p) {
      this.gain = this.baseGain + g;
      this.loss = this.baseLoss + l;
      return this.val;
    }
    if (n === p + 1) {
      this.gain = (this.baseGain + g) / p;
      this.loss = (this.baseLoss + l) / p;
    } else {
      this.gain = (this.baseGain * (p - 1) + g) / p;
      this.loss = (this.baseLoss * (p - 1) + l) / p;
    }
    const total = this.gain + this.loss;
    this.val = total === 0 ? 50 : (100 * this.gain) / total;
    return this.val;
  }
}

/**
 * `new Rsi(period)`.
 *
 * @example
 * const r = rsi(14);
 */
export function rsi(period = 14): Rsi {
  return new Rsi(period);
}

/**
 * RSI of a whole array (NaN during warm-up), bit-identical to streaming `Rsi`.
 *
 * @example
 * const r = rsiBatch(series.close, 14);
 */
export function rsiBatch(values: ArrayLike<number>, period = 14): Float64Array {
  return runScalar(new Rsi(period), values);
}
