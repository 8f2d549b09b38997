import { checkLengths } from "./checks.js";
import type { BarIndicator, ScalarIndicator } from "./types.js";

/**
 * The loops behind the single-output `*Batch` functions. Each feeds one fresh indicator through
 * `update`, the streaming path itself, which is what makes a batch bit-identical to streaming.
 *
 * A shared loop is as fast as a per-indicator one while one kind of indicator runs through it;
 * once several kinds have, V8 stops inlining `update` here and a value costs a few ns more.
 * Multi-output batches keep their own loops: reading outputs by field name from a shared loop
 * measured 2 to 4 times slower per bar.
 */

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
 * `ind.update(high, low, close, volume)` for every bar. `make` runs after the lengths are
 * checked, so a length mismatch is reported ahead of a bad indicator argument, as before.
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
