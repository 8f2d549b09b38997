import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingWindow } from "./rollingWindow.js";
import type { ScalarIndicator } from "./types.js";

/**
 * Rate of change in percent: `(x − x[period]) / x[period] · 100`, where x[period] is the input
 * `period` inputs ago; ready after `period + 1` inputs. Computed in the oracle's order
 * (difference, divide, then times 100), as technicalindicators and TA-Lib's ROC.
 * When x[period] is 0 the rate is undefined and the value is NaN (prices never are 0; other
 * series fed to a ROC can be).
 *
 * @example
 * const r = new Roc(10);
 * for (const c of closes) r.update(c);
 * if (r.value > 5) buy(); // up more than 5% over 10 bars
 */
export class Roc extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  /** The last `period` inputs, NaN where none yet. */
  private readonly ring: RollingWindow;
  /** The input `period` inputs before the last one (the base of the rate). */
  private base = NaN;

  constructor(period: number) {
    super();
    this.period = checkPeriod("Roc", "period", period);
    this.warmup = period + 1;
    this.name = `Roc(${period})`;
    this.ring = new RollingWindow(period, NaN);
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    this.n++;
    this.base = this.ring.push(x);
    return this.apply(x);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    this.ring.replaceLast(x);
    return this.apply(x);
  }

  reset(): void {
    this.n = 0;
    this.ring.clear();
    this.base = NaN;
    this.val = NaN;
  }

  private apply(x: number): number {
    const b = this.base;
    // b is NaN while filling, which gives NaN; b === 0 would give ±Infinity or NaN, so say NaN
    this.val = b === 0 ? NaN : ((x - b) / b) * 100;
    return this.val;
  }
}

/**
 * `new Roc(period)`.
 *
 * @example
 * const r = roc(10);
 */
export function roc(period: number): Roc {
  return new Roc(period);
}

/**
 * ROC of a whole array (NaN during warm-up), bit-identical to streaming `Roc`.
 *
 * @example
 * const r = rocBatch(series.close, 10);
 */
export function rocBatch(values: ArrayLike<number>, period: number): Float64Array {
  return runScalar(new Roc(period), values);
}
