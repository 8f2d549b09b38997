import { InputError } from "../errors.js";
import { checkPeriod, checkReplace, nonFinite } from "./checks.js";
import { Ema } from "./ema.js";
import { IndicatorBase } from "./indicatorBase.js";
import type { ScalarIndicator } from "./types.js";

/**
 * Moving Average Convergence/Divergence: `macd = EMA(fast) - EMA(slow)`, `signal = EMA(signal)`
 * of macd, `histogram = macd - signal`; `value` is macd.
 *
 * Every EMA is seeded with the SMA of its first inputs (see `Ema`), as technicalindicators with
 * `SimpleMAOscillator: false, SimpleMASignal: false`. The macd line exists from input `slow`, but
 * the indicator becomes ready, with all three fields at once, after `slow + signal - 1` inputs
 * (34 for 12/26/9), like TA-Lib: a strategy that sees `ready` can use every field.
 *
 * @example
 * const m = new Macd(12, 26, 9);
 * for (const c of closes) m.update(c);
 * if (m.ready && m.histogram > 0) buy();
 */
export class Macd extends IndicatorBase implements ScalarIndicator {
  readonly kind = "scalar";
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  readonly warmup: number;
  private readonly name: string;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly sig: Ema;
  private s = NaN;
  private h = NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    super();
    this.fastPeriod = checkPeriod("Macd", "fast", fast);
    this.slowPeriod = checkPeriod("Macd", "slow", slow);
    this.signalPeriod = checkPeriod("Macd", "signal", signal);
    this.name = `Macd(${fast},${slow},${signal})`;
    if (fast >= slow) {
      throw new InputError("BAD_PERIOD", { indicator: this.name, argument: "fast", value: fast, slow },
        `${this.name}: fast period ${fast} must be shorter than slow period ${slow} (e.g. 12 and 26)`);
    }
    this.warmup = slow + signal - 1;
    this.fast = new Ema(fast);
    this.slow = new Ema(slow);
    this.sig = new Ema(signal);
  }

  /** EMA(fast) - EMA(slow) (NaN until ready). */
  get macd(): number {
    return this.val;
  }

  /** EMA(signal) of the macd line (NaN until ready). */
  get signal(): number {
    return this.s;
  }

  /** macd - signal (NaN until ready). */
  get histogram(): number {
    return this.h;
  }

  update(x: number): number {
    if (!Number.isFinite(x)) nonFinite(this.name, "x", x);
    this.n++;
    const line = this.fast.update(x) - this.slow.update(x);
    const s = this.n >= this.slowPeriod ? this.sig.update(line) : NaN;
    return this.set(line, s);
  }

  replace(x: number): number {
    checkReplace(this.name, this.n, x);
    const line = this.fast.replace(x) - this.slow.replace(x);
    const s = this.n >= this.slowPeriod ? this.sig.replace(line) : NaN;
    return this.set(line, s);
  }

  reset(): void {
    this.n = 0;
    this.fast.reset();
    this.slow.reset();
    this.sig.reset();
    this.val = NaN;
    this.s = NaN;
    this.h = NaN;
  }

  private set(line: number, s: number): number {
    if (this.n >= this.warmup) {
      this.val = line;
      this.s = s;
      this.h = line - s;
    } else {
      this.val = NaN;
      this.s = NaN;
      this.h = NaN;
    }
    return this.val;
  }
}

/**
 * `new Macd(fast, slow, signal)`.
 *
 * @example
 * const m = macd(); // 12, 26, 9
 */
export function macd(fast = 12, slow = 26, signal = 9): Macd {
  return new Macd(fast, slow, signal);
}

/**
 * MACD of a whole array (NaN during warm-up), bit-identical to streaming `Macd`.
 *
 * @example
 * const { macd, signal, histogram } = macdBatch(series.close, 12, 26, 9);
 */
export function macdBatch(
  values: ArrayLike<number>, fast = 12, slow = 26, signal = 9,
): { macd: Float64Array; signal: Float64Array; histogram: Float64Array } {
  const ind = new Macd(fast, slow, signal);
  const n = values.length;
  const out = { macd: new Float64Array(n), signal: new Float64Array(n), histogram: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    ind.update(values[i]!);
    out.macd[i] = ind.macd;
    out.signal[i] = ind.signal;
    out.histogram[i] = ind.histogram;
  }
  return out;
}
