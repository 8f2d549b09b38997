import { checkLengths } from "./checks.js";
import type { BarIndicator, ScalarIndicator } from "./types.js";

/**
 * The loops behind every `*Batch` function. Each feeds one fresh indicator through `update`, the
 * streaming path itself, which is what makes a batch bit-identical to streaming.
 */

/** The names of `T`'s number-valued fields (the outputs a multi-output batch can copy). */
export type NumberField<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T] & string;

/** One column per named field, in the order given (so the result's keys keep that order). */
type Columns<K extends string> = Record<K, Float64Array>;

/**
 * `ind.update(x)` for every value, in order.
 *
 * @example
 * return runScalar(new Ema(period), values);
 */
export function runScalar(ind: ScalarIndicator, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = ind.update(values[i]!);
  return out;
}

/**
 * `ind.update(high, low, close, volume)` for every bar. The lengths are checked before `make`
 * runs, so a length mismatch is reported ahead of a bad indicator argument.
 *
 * @example
 * return runBar("atrBatch", () => new Atr(period), high, low, close, volume);
 */
export function runBar(
  fn: string, make: () => BarIndicator,
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>,
): Float64Array {
  const n = checkLengths(fn, { high, low, close, volume });
  const ind = make();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ind.update(high[i]!, low[i]!, close[i]!, volume[i]!);
  return out;
}

/**
 * Like `runScalar`, but copies the named output fields after every update, one column each.
 *
 * @example
 * return runScalarFields(new Macd(fast, slow, signal), values, ["macd", "signal", "histogram"]);
 */
export function runScalarFields<T extends ScalarIndicator, K extends NumberField<T>>(
  ind: T, values: ArrayLike<number>, fields: readonly K[],
): Columns<K> {
  const n = values.length;
  const { out, cols } = columns(fields, n);
  for (let i = 0; i < n; i++) {
    ind.update(values[i]!);
    for (let j = 0; j < cols.length; j++) cols[j]![i] = ind[fields[j]!] as number;
  }
  return out;
}

/**
 * Like `runBar`, but copies the named output fields after every bar, one column each.
 *
 * @example
 * return runBarFields("stochasticBatch", () => new Stochastic(k, d), ["k", "d"], high, low, close, volume);
 */
export function runBarFields<T extends BarIndicator, K extends NumberField<T>>(
  fn: string, make: () => T, fields: readonly K[],
  high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, volume: ArrayLike<number>,
): Columns<K> {
  const n = checkLengths(fn, { high, low, close, volume });
  const ind = make();
  const { out, cols } = columns(fields, n);
  for (let i = 0; i < n; i++) {
    ind.update(high[i]!, low[i]!, close[i]!, volume[i]!);
    for (let j = 0; j < cols.length; j++) cols[j]![i] = ind[fields[j]!] as number;
  }
  return out;
}

function columns<K extends string>(fields: readonly K[], n: number): { out: Columns<K>; cols: Float64Array[] } {
  const out = {} as Columns<K>;
  const cols = fields.map((f) => (out[f] = new Float64Array(n)));
  return { out, cols };
}
