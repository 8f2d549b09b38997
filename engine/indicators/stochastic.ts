import { checkBar, checkBarReplace, checkLengths, checkPeriod } from "./checks.js";
import { IndicatorBase } from "./indicatorBase.js";
import { RollingExtreme } from "./rollingExtreme.js";
import { Sma } from "./sma.js";
import type { BarIndicator } from "./types.js";

/**
 * Stochastic oscillator: `%K = (close − lowest low) / (highest high − lowest low) · 100` over the
 * last `kPeriod` bars (current bar included), `%D` = SMA(dPeriod) of %K; `value` is %K.
 *
 * Ready, with both fields at once, after `kPeriod + dPeriod − 1` bars (16 for 14/3), like TA-Lib,
 * so a strategy that sees `ready` can compare k with d.
 * A flat window (highest high == lowest low) has no range to place the close in: %K is 50 there,
 * the midpoint, rather than technicalindicators' 0 or a division by zero, so a flat market reads
 * as neither overbought nor oversold.
 * The rolling extremes are monotonic deques: O(1) amortised per bar.
 *
 * @example
 * const st = new Stochastic(14, 3);
 * for (let i = 0; i < s.length; i++) st.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 * if (st.ready && st.k < 20 && st.k > st.d) buy();
 */
export class Stochastic extends IndicatorBase implements BarIndicator {
  readonly kind = "bar";
  readonly kPeriod: number;
  readonly dPeriod: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private readonly dSma: Sma;
  private dv = NaN;

  constructor(kPeriod = 14, dPeriod = 3) {
    super();
    this.kPeriod = checkPeriod("Stochastic", "kPeriod", kPeriod);
    this.dPeriod = checkPeriod("Stochastic", "dPeriod", dPeriod);
    this.warmup = kPeriod + dPeriod - 1;
    this.name = `Stochastic(${kPeriod},${dPeriod})`;
    this.hi = new RollingExtreme(kPeriod, 1);
    this.lo = new RollingExtreme(kPeriod, -1);
    this.dSma = new Sma(dPeriod);
  }

  /** %K, 0 to 100 (NaN until ready). */
  get k(): number {
    return this.val;
  }

  /** %D, the SMA of %K (NaN until ready). */
  get d(): number {
    return this.dv;
  }

  update(high: number, low: number, close: number, volume: number): number {
    checkBar(this.name, high, low, close, volume);
    this.n++;
    this.hi.push(high);
    this.lo.push(low);
    if (this.n < this.kPeriod) return this.val;
    const k = this.rawK(close);
    return this.set(k, this.dSma.update(k));
  }

  replace(high: number, low: number, close: number, volume: number): number {
    checkBarReplace(this.name, this.n, high, low, close, volume);
    this.hi.replaceLast(high);
    this.lo.replaceLast(low);
    if (this.n < this.kPeriod) return this.val;
    const k = this.rawK(close);
    return this.set(k, this.dSma.replace(k));
  }

  reset(): void {
    this.n = 0;
    this.hi.clear();
    this.lo.clear();
    this.dSma.reset();
    this.val = NaN;
    this.dv = NaN;
  }

  private rawK(close: number): number {
    const hh = this.hi.value;
    const ll = this.lo.value;
    return hh === ll ? 50 : ((close - ll) / (hh - ll)) * 100;
  }

  private set(k: number, d: number): number {
    if (this.n >= this.warmup) {
      this.val = k;
      this.dv = d;
    }
    return this.val;
  }
}

/**
 * `new Stochastic(kPeriod, dPeriod)`.
 *
 * @example
 * const st = stochastic(14, 3);
 */
export function stochastic(kPeriod = 14, dPeriod = 3): Stochastic {
  return new Stochastic(kPeriod, dPeriod);
}

/**
 * Stochastic of whole columns (NaN during warm-up), bit-identical to streaming `Stochastic`.
 *
 * @example
 * const { k, d } = stochasticBatch(s.high, s.low, s.close, s.volume, 14, 3);
 */
export function stochasticBatch(
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>,
  kPeriod = 14, dPeriod = 3,
): { k: Float64Array; d: Float64Array } {
  const n = checkLengths("stochasticBatch", { high, low, close, volume });
  const ind = new Stochastic(kPeriod, dPeriod);
  const out = { k: new Float64Array(n), d: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    ind.update(high[i]!, low[i]!, close[i]!, volume[i]!);
    out.k[i] = ind.k;
    out.d[i] = ind.d;
  }
  return out;
}
