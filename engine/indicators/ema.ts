import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import type { ScalarIndicator } from "./types.js";

/**
 * Exponential moving average with alpha = 2 / (period + 1); ready after `period` inputs.
 *
 * Seeding: the first value is the SMA of the first `period` inputs (as technicalindicators and
 * TA-Lib do), then `ema = (x - ema) * alpha + ema`, the oracle's exact arithmetic, so values agree
 * with technicalindicators to the last bit or so.
 *
 * @example
 * const e = new Ema(20);
 * for (const c of closes) e.update(c);
 * e.value;
 */
export class Ema extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly warmup: number;
  readonly alpha: number;
  private readonly name: string;
  /** Plain sum of the first `period` inputs (the seed), and the state before the last update. */
  private seedSum = 0;
  private baseSeedSum = 0;
  private baseVal = NaN;

  constructor(period: number) {
    super();
    this.period = checkPeriod("Ema", "period", period);
    this.warmup = period;
    this.alpha = 2 / (period + 1);
    this.name = `Ema(${period})`;
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    this.n++;
    this.baseSeedSum = this.seedSum;
    this.baseVal = this.val;
    return this.apply(x);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    return this.apply(x);
  }

  reset(): void {
    this.n = 0;
    this.seedSum = 0;
    this.baseSeedSum = 0;
    this.val = NaN;
    this.baseVal = NaN;
  }

  private apply(x: number): number {
    const n = this.n;
    const p = this.period;
    if (n > p) {
      this.val = (x - this.baseVal) * this.alpha + this.baseVal;
    } else {
      this.seedSum = this.baseSeedSum + x;
      this.val = n === p ? this.seedSum / p : NaN;
    }
    return this.val;
  }
}

/**
 * `new Ema(period)`.
 *
 * @example
 * const e = ema(20);
 */
export function ema(period: number): Ema {
  return new Ema(period);
}

/**
 * EMA of a whole array (NaN during warm-up), bit-identical to streaming `Ema`.
 *
 * @example
 * const e = emaBatch(series.close, 20);
 */
export function emaBatch(values: ArrayLike<number>, period: number): Float64Array {
  return runScalar(new Ema(period), values);
}
