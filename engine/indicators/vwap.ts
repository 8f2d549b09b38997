import { InputError } from "../errors.js";
import { runBar } from "./batch.js";
import { checkBar, checkPeriod, nothingToReplace } from "./checks.js";
import { CompensatedSum } from "./compensatedSum.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingWindow } from "./rollingWindow.js";
import type { BarIndicator } from "./types.js";

/**
 * Volume-weighted average price of the typical price `(high + low + close) / 3`: cumulative since
 * the first bar (or the last `reset()`, e.g. at a session start) when no period is given, as
 * technicalindicators; over the last `period` bars otherwise. Ready after 1 bar (cumulative) or
 * `period` bars (rolling).
 *
 * Zero volume: when every bar in the window has volume 0 (index data, a halted market) there is
 * nothing to weight by, and the value is the plain mean of the window's typical prices, the
 * limit of equal volumes, rather than 0 / 0. Whether the window has volume is decided by counting
 * bars with volume > 0, never by testing a floating sum against 0. Negative volume throws.
 * Sums are Neumaier-compensated, so a rolling window does not drift.
 *
 * @example
 * const v = new Vwap(); // cumulative; call reset() at each session start
 * for (let i = 0; i < s.length; i++) v.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 * const rolling = new Vwap(20);
 */
export class Vwap extends IndicatorBase implements BarIndicator {
  readonly kind = "bar";
  /** The window length in bars, or undefined for a cumulative VWAP. */
  readonly period: number | undefined;
  readonly warmup: number;
  private readonly name: string;
  /** 0 for cumulative, else the window length (a number, so `update` stays monomorphic). */
  private readonly p: number;
  /** The window's typical prices and volumes (rolling only). */
  private readonly tpWindow: RollingWindow;
  private readonly volWindow: RollingWindow;
  /** The bar that left the window on the last update (0 while filling). */
  private outTp = 0;
  private outVol = 0;
  private readonly pv = new CompensatedSum();
  private readonly vol = new CompensatedSum();
  private readonly tp = new CompensatedSum();
  /** Bars with volume > 0 in the window, and that count before the last update. */
  private traded = 0;
  private baseTraded = 0;

  constructor(period?: number) {
    super();
    this.period = period === undefined ? undefined : checkPeriod("Vwap", "period", period);
    this.p = period ?? 0;
    this.warmup = period ?? 1;
    this.name = period === undefined ? "Vwap" : `Vwap(${period})`;
    this.tpWindow = new RollingWindow(this.p);
    this.volWindow = new RollingWindow(this.p);
  }

  update(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    if (volume < 0) this.negativeVolume(volume);
    const t = (high + low + close) / 3;
    this.n++;
    const p = this.p;
    if (p !== 0) {
      this.outTp = this.tpWindow.push(t);
      this.outVol = this.volWindow.push(volume);
    }
    this.pv.mark();
    this.vol.mark();
    this.tp.mark();
    this.baseTraded = this.traded;
    return this.apply(t, volume);
  }

  replace(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    if (volume < 0) this.negativeVolume(volume);
    if (this.n === 0) nothingToReplace(this.name);
    const t = (high + low + close) / 3;
    if (this.p !== 0) {
      this.tpWindow.replaceLast(t);
      this.volWindow.replaceLast(volume);
    }
    this.pv.restore();
    this.vol.restore();
    this.tp.restore();
    return this.apply(t, volume);
  }

  reset(): void {
    this.n = 0;
    this.tpWindow.clear();
    this.volWindow.clear();
    this.outTp = 0;
    this.outVol = 0;
    this.pv.clear();
    this.vol.clear();
    this.tp.clear();
    this.traded = 0;
    this.baseTraded = 0;
    this.val = NaN;
  }

  private apply(t: number, volume: number): number {
    let traded = this.baseTraded;
    if (this.p !== 0 && this.n > this.p) {
      const ov = this.outVol;
      this.pv.add(-(ov * this.outTp));
      this.vol.add(-ov);
      this.tp.add(-this.outTp);
      if (ov > 0) traded--;
    }
    this.pv.add(volume * t);
    this.vol.add(volume);
    this.tp.add(t);
    if (volume > 0) traded++;
    this.traded = traded;
    if (this.n < this.warmup) return this.val;
    this.val = traded > 0 ? this.pv.value / this.vol.value : this.tp.value / (this.p === 0 ? this.n : this.p);
    return this.val;
  }

  private negativeVolume(volume: number): never {
    throw new InputError("NEGATIVE_VOLUME", { indicator: this.name, argument: "volume", value: volume },
      `${this.name}: volume is ${volume}; volumes weight prices and must be >= 0`);
  }
}

/**
 * `new Vwap(period)`; cumulative without a period.
 *
 * @example
 * const session = vwap();
 * const rolling = vwap(20);
 */
export function vwap(period?: number): Vwap {
  return new Vwap(period);
}

/**
 * VWAP of whole columns (NaN during warm-up), bit-identical to streaming `Vwap`; cumulative
 * without a period.
 *
 * @example
 * const v = vwapBatch(s.high, s.low, s.close, s.volume);      // cumulative
 * const r = vwapBatch(s.high, s.low, s.close, s.volume, 20);  // rolling 20 bars
 */
export function vwapBatch(
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>, period?: number,
): Float64Array {
  return runBar("vwapBatch", () => new Vwap(period), high, low, close, volume);
}
