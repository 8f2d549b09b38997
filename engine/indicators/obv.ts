import { runBar } from "./batch.js";
import { checkBar, checkBarReplace } from "./checks.js";
import { CompensatedSum } from "./compensatedSum.js";
import { IndicatorBase } from "./indicatorBase.js";
import type { BarIndicator } from "./types.js";

/**
 * On-Balance Volume: a running total that adds the bar's volume when the close rose, subtracts it
 * when the close fell, and leaves it when unchanged. Ready on the first bar, where it is 0 (there
 * is no earlier close to compare with; technicalindicators emits nothing for that bar, so its
 * i-th value is our (i+1)-th). The total is Neumaier-compensated, exact for share volumes and
 * without drift for fractional (crypto) ones.
 *
 * @example
 * const o = new Obv();
 * for (let i = 0; i < s.length; i++) o.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 */
export class Obv extends IndicatorBase implements BarIndicator {
  readonly kind = "bar";
  readonly warmup = 1;
  private readonly name = "Obv";
  private readonly sum = new CompensatedSum();
  private prevClose = NaN;
  private basePrevClose = NaN;

  update(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    this.n++;
    this.basePrevClose = this.prevClose;
    this.sum.mark();
    return this.apply(close, volume);
  }

  replace(high: number, low: number, close: number, volume: number): number {
    checkBarReplace(this.name, this.n, high, low, close, volume);
    this.sum.restore();
    return this.apply(close, volume);
  }

  reset(): void {
    this.n = 0;
    this.sum.clear();
    this.prevClose = NaN;
    this.basePrevClose = NaN;
    this.val = NaN;
  }

  private apply(close: number, volume: number): number {
    const pc = this.basePrevClose;
    // comparisons with NaN are false on the first bar, so it adds nothing
    if (close > pc) this.sum.add(volume);
    else if (close < pc) this.sum.add(-volume);
    this.prevClose = close;
    this.val = this.sum.value;
    return this.val;
  }
}

/**
 * `new Obv()`.
 *
 * @example
 * const o = obv();
 */
export function obv(): Obv {
  return new Obv();
}

/**
 * OBV of whole columns, bit-identical to streaming `Obv`; `high` and `low` are not used but taken
 * like every bar indicator's batch.
 *
 * @example
 * const o = obvBatch(s.high, s.low, s.close, s.volume);
 */
export function obvBatch(
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>,
): Float64Array {
  return runBar("obvBatch", () => new Obv(), high, low, close, volume);
}
