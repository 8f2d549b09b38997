import { runBar } from "./batch.js";
import { checkBar, checkBarReplace, checkPeriod } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import type { BarIndicator } from "./types.js";

/**
 * Average True Range with Wilder smoothing; ready after `period + 1` bars.
 *
 * True range needs the previous close, so the first bar only provides it (as technicalindicators,
 * TA-Lib and backtrader): TR = max(high − low, |high − prevClose|, |low − prevClose|) from bar 2.
 * The first ATR is the mean of the first `period` true ranges, then
 * `atr = (tr − atr) · (1 / period) + atr`, the oracle's exact arithmetic.
 *
 * @example
 * const a = new Atr(14);
 * for (let i = 0; i < s.length; i++) a.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 * const stop = close - 3 * a.value;
 */
export class Atr extends IndicatorBase implements BarIndicator {
  readonly kind = "bar";
  readonly period: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly alpha: number;
  private prevClose = NaN;
  private basePrevClose = NaN;
  /** Sum of true ranges while seeding, then the ATR itself; and its state before the last update. */
  private acc = 0;
  private baseAcc = 0;

  constructor(period = 14) {
    super();
    this.period = checkPeriod("Atr", "period", period);
    this.warmup = period + 1;
    this.alpha = 1 / period;
    this.name = `Atr(${period})`;
  }

  update(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    this.n++;
    this.basePrevClose = this.prevClose;
    this.baseAcc = this.acc;
    return this.apply(high, low, close);
  }

  replace(high: number, low: number, close: number, volume: number): number {
    checkBarReplace(this.name, this.n, high, low, close, volume);
    return this.apply(high, low, close);
  }

  reset(): void {
    this.n = 0;
    this.prevClose = NaN;
    this.basePrevClose = NaN;
    this.acc = 0;
    this.baseAcc = 0;
    this.val = NaN;
  }

  private apply(high: number, low: number, close: number): number {
    const n = this.n;
    const p = this.period;
    this.prevClose = close;
    if (n === 1) return this.val;
    const pc = this.basePrevClose;
    const tr = Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
    if (n <= p) {
      this.acc = this.baseAcc + tr;
    } else if (n === p + 1) {
      this.acc = (this.baseAcc + tr) / p;
      this.val = this.acc;
    } else {
      this.acc = (tr - this.baseAcc) * this.alpha + this.baseAcc;
      this.val = this.acc;
    }
    return this.val;
  }
}

/**
 * `new Atr(period)`.
 *
 * @example
 * const a = atr(14);
 */
export function atr(period = 14): Atr {
  return new Atr(period);
}

/**
 * ATR of whole columns (NaN during warm-up), bit-identical to streaming `Atr`. `volume` is not
 * used but taken, like every bar indicator's batch, so that callers can pass a series' columns.
 *
 * @example
 * const a = atrBatch(s.high, s.low, s.close, s.volume, 14);
 */
export function atrBatch(
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>, period = 14,
): Float64Array {
  return runBar("atrBatch", () => new Atr(period), high, low, close, volume);
}
