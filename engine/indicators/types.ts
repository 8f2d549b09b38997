/**
 * The two shapes every streaming indicator takes. The backtest loop calls `update` once per bar,
 * and live trading calls `replace` while the current bar is still forming, so both must be cheap,
 * allocation-free and give exactly what a fresh indicator fed the final values would give.
 */

/**
 * An indicator fed one number per bar (usually a close).
 *
 * @example
 * const ind: ScalarIndicator = sma(20);
 * for (const c of closes) if (!Number.isNaN(ind.update(c))) use(ind.value);
 */
export interface ScalarIndicator {
  readonly kind: "scalar";
  /** Inputs needed before the first value: `ready` turns true on exactly this input. */
  readonly warmup: number;
  /** Inputs seen since construction or the last `reset()`; `replace` does not change it. */
  readonly count: number;
  /** True once `count >= warmup`; every output field is then defined. */
  readonly ready: boolean;
  /** The main output; NaN until ready. */
  readonly value: number;
  /** Feeds the next input and returns the new value (NaN until ready). Throws InputError on NaN or ±Infinity. */
  update(x: number): number;
  /** Replaces the last input (live: the forming bar changed) and returns the new value. */
  replace(x: number): number;
  /** Forgets every input, as if just constructed. */
  reset(): void;
}

/**
 * An indicator fed a bar's high, low, close and volume. Every argument must be finite, even the
 * ones a particular indicator ignores, so that one feeding loop works for all of them.
 *
 * @example
 * const ind: BarIndicator = atr(14);
 * for (let i = 0; i < s.length; i++) ind.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 */
export interface BarIndicator {
  readonly kind: "bar";
  /** Bars needed before the first value: `ready` turns true on exactly this bar. */
  readonly warmup: number;
  /** Bars seen since construction or the last `reset()`; `replace` does not change it. */
  readonly count: number;
  /** True once `count >= warmup`; every output field is then defined. */
  readonly ready: boolean;
  /** The main output; NaN until ready. */
  readonly value: number;
  /** Feeds the next bar and returns the new value (NaN until ready). Throws InputError on NaN or ±Infinity. */
  update(high: number, low: number, close: number, volume: number): number;
  /** Replaces the last bar (live: the forming bar changed) and returns the new value. */
  replace(high: number, low: number, close: number, volume: number): number;
  /** Forgets every bar, as if just constructed. */
  reset(): void;
}

/**
 * Either shape; switch on `kind` to feed it.
 *
 * @example
 * function feed(ind: Indicator, s: BarSeries, i: number): number {
 *   return ind.kind === "scalar" ? ind.update(s.close[i]!) : ind.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
 * }
 */
export type Indicator = ScalarIndicator | BarIndicator;

/**
 * Exact averaging of prices (see `Sma`): pass `priceDecimals(series)` so that equal windows give
 * bit-identical averages.
 *
 * @example
 * const fast = sma(10, { decimals: priceDecimals(series) });
 */
export interface DecimalsOptions {
  /** Inputs are summed as integer ticks of 10^-decimals; an integer from 0 to 15. */
  readonly decimals?: number;
}
