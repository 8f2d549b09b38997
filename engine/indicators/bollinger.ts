import { InputError } from "../errors.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingWindow } from "./rollingWindow.js";
import { Sma } from "./sma.js";
import type { DecimalsOptions, ScalarIndicator } from "./types.js";

/**
 * Bollinger Bands: `middle` = SMA(period), `upper` / `lower` = middle ± k · σ, where σ is the
 * population standard deviation of the window (divide by `period`, as technicalindicators, TA-Lib
 * and most packages); `value` is middle. Ready after `period` inputs.
 *
 * The middle band is an `Sma` and takes the same `{ decimals }` option, so it ties exactly with
 * an SMA of the same window; σ is computed two-pass over the window, Σ(x − middle)² / period, in
 * O(period) per update: no cancellation (a flat window gives exactly 0) and no drift, which a
 * rolling sum of squares cannot promise; for the usual period of 20 it costs a few nanoseconds.
 *
 * @example
 * const bb = new Bollinger(20, 2, { decimals: priceDecimals(series) });
 * for (const c of closes) bb.update(c);
 * if (close < bb.lower) buy();
 */
export class Bollinger extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly period: number;
  readonly k: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly sma: Sma;
  /** The window's raw inputs. */
  private readonly ring: RollingWindow;
  private up = NaN;
  private low = NaN;

  constructor(period = 20, k = 2, options?: DecimalsOptions) {
    super();
    this.period = checkPeriod("Bollinger", "period", period);
    this.name = `Bollinger(${period},${k})`;
    if (typeof k !== "number" || !Number.isFinite(k) || k <= 0) {
      throw new InputError("BAD_MULTIPLIER", { indicator: this.name, argument: "k", value: String(k) },
        `${this.name}: k is ${String(k)}; the band width in standard deviations must be a finite number > 0 (usually 2)`);
    }
    this.k = k;
    this.warmup = period;
    this.sma = new Sma(period, options);
    this.ring = new RollingWindow(period);
  }

  /** SMA(period) (NaN until ready). */
  get middle(): number {
    return this.val;
  }

  /** middle + k · σ (NaN until ready). */
  get upper(): number {
    return this.up;
  }

  /** middle − k · σ (NaN until ready). */
  get lower(): number {
    return this.low;
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    const mid = this.sma.update(x);
    this.n++;
    this.ring.push(x);
    return this.apply(mid);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    const mid = this.sma.replace(x);
    this.ring.replaceLast(x);
    return this.apply(mid);
  }

  reset(): void {
    this.sma.reset();
    this.n = 0;
    this.ring.clear();
    this.val = NaN;
    this.up = NaN;
    this.low = NaN;
  }

  private apply(mid: number): number {
    if (this.n < this.warmup) return this.val;
    const buf = this.ring.buf;
    const head = this.ring.head;
    const p = this.period;
    // oldest to newest, so equal windows give bit-identical σ whatever the ring's rotation
    let ss = 0;
    for (let i = head; i < p; i++) {
      const d = buf[i]! - mid;
      ss += d * d;
    }
    for (let i = 0; i < head; i++) {
      const d = buf[i]! - mid;
      ss += d * d;
    }
    const width = this.k * Math.sqrt(ss / p);
    this.val = mid;
    this.up = mid + width;
    this.low = mid - width;
    return mid;
  }
}

/**
 * `new Bollinger(period, k, options)`.
 *
 * @example
 * const bb = bollinger(20, 2, { decimals: 2 });
 */
export function bollinger(period = 20, k = 2, options?: DecimalsOptions): Bollinger {
  return new Bollinger(period, k, options);
}

/**
 * Bollinger Bands of a whole array (NaN during warm-up), bit-identical to streaming `Bollinger`.
 *
 * @example
 * const { upper, middle, lower } = bollingerBatch(series.close, 20, 2, { decimals: priceDecimals(series) });
 */
export function bollingerBatch(
  values: ArrayLike<number>, period = 20, k = 2, options?: DecimalsOptions,
): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  const ind = new Bollinger(period, k, options);
  const n = values.length;
  const out = { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    ind.update(values[i]!);
    out.upper[i] = ind.upper;
    out.middle[i] = ind.middle;
    out.lower[i] = ind.lower;
  }
  return out;
}
