import { runScalar } from "./batch.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { CompensatedSum } from "./compensatedSum.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingWindow } from "./rollingWindow.js";
import { tickScale, toTicks } from "./ticks.js";
import type { DecimalsOptions, ScalarIndicator } from "./types.js";

/**
 * Linearly weighted moving average: weights 1..period, the newest input weighing `period`;
 * ready after `period` inputs. O(1) per update: the weighted sum W and plain sum S of the window
 * roll as `W' = W - S + period * x` and `S' = S - out + x`.
 *
 * Like `Sma`, `{ decimals }` sums integer ticks exactly (equal windows give bit-identical values);
 * without it both sums are Neumaier-compensated and `period * x` is added with its exact rounding
 * error, so W does not drift however long the series (for periods below 2^26).
 *
 * @example
 * const w = new Wma(20);
 * for (const c of closes) w.update(c);
 */
export class Wma extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly scale: number;
  private readonly divisor: number;
  private readonly maxTicks: number;
  /** The window (ticks or raw inputs). */
  private readonly ring: RollingWindow;
  /** The input that left the window on the last update (0 while filling). */
  private out = 0;
  private tickW = 0;
  private tickS = 0;
  private baseTickW = 0;
  private baseTickS = 0;
  private readonly w = new CompensatedSum();
  private readonly s = new CompensatedSum();

  constructor(period: number, options?: DecimalsOptions) {
    super();
    this.period = checkPeriod("Wma", "period", period, 1, 2 ** 26 - 1);
    this.warmup = period;
    this.name = `Wma(${period})`;
    // |W| <= weights * maxTicks keeps every intermediate of the integer path within 2^53
    const ticks = tickScale(this.name, options?.decimals, (period * (period + 1)) / 2, "period * (period + 1) / 2");
    this.scale = ticks.scale;
    this.divisor = ticks.divisor;
    this.maxTicks = ticks.maxTicks;
    this.ring = new RollingWindow(period);
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    const v = this.scale === 0 ? x : toTicks(this.name, x, this.scale, this.maxTicks);
    this.n++;
    this.out = this.ring.push(v);
    this.baseTickW = this.tickW;
    this.baseTickS = this.tickS;
    this.w.mark();
    this.s.mark();
    return this.apply(v);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    const v = this.scale === 0 ? x : toTicks(this.name, x, this.scale, this.maxTicks);
    this.ring.replaceLast(v);
    this.w.restore();
    this.s.restore();
    return this.apply(v);
  }

  reset(): void {
    this.n = 0;
    this.ring.clear();
    this.out = 0;
    this.tickW = 0;
    this.tickS = 0;
    this.baseTickW = 0;
    this.baseTickS = 0;
    this.w.clear();
    this.s.clear();
    this.val = NaN;
  }

  private apply(v: number): number {
    const n = this.n;
    const p = this.period;
    let total: number;
    if (this.scale !== 0) {
      if (n > p) {
        total = this.baseTickW - this.baseTickS + p * v;
        this.tickS = this.baseTickS - this.out + v;
      } else {
        total = this.baseTickW + n * v;
        this.tickS = this.baseTickS + v;
      }
      this.tickW = total;
    } else {
      if (n > p) {
        this.w.subtract(this.s);
        this.w.addProduct(p, v);
        this.s.add(-this.out);
      } else {
        this.w.addProduct(n, v);
      }
      this.s.add(v);
      total = this.w.value;
    }
    this.val = n >= this.warmup ? total / this.divisor : NaN;
    return this.val;
  }
}

/**
 * `new Wma(period, options)`.
 *
 * @example
 * const w = wma(20);
 */
export function wma(period: number, options?: DecimalsOptions): Wma {
  return new Wma(period, options);
}

/**
 * WMA of a whole array (NaN during warm-up), bit-identical to streaming `Wma`.
 *
 * @example
 * const w = wmaBatch(series.close, 20);
 */
export function wmaBatch(values: ArrayLike<number>, period: number, options?: DecimalsOptions): Float64Array {
  return runScalar(new Wma(period, options), values);
}
