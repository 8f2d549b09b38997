import { InputError } from "../errors.js";

/**
 * Argument checks shared by the indicators. The throwing paths live in separate functions so that
 * the hot `update` methods stay small enough to be inlined.
 */

/**
 * Returns `value` when it is an integer from `min` to `max`, else throws InputError("BAD_PERIOD").
 *
 * @example
 * this.period = checkPeriod("Sma", "period", period);
 */
export function checkPeriod(indicator: string, name: string, value: number, min = 1, max = 2 ** 31): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError("BAD_PERIOD", { indicator, argument: name, value: String(value) },
      `${indicator}: ${name} is ${String(value)}; it must be an integer >= ${min}` +
      (Number.isInteger(value) && value > max ? ` and <= ${max}` : ""));
  }
  return value;
}

/**
 * Returns 10^decimals when `decimals` is an integer from 0 to 15, undefined when it is undefined,
 * else throws InputError("BAD_DECIMALS").
 *
 * @example
 * const scale = checkDecimals("Sma", options?.decimals); // 1000 for { decimals: 3 }
 */
export function checkDecimals(indicator: string, decimals: number | undefined): number | undefined {
  if (decimals === undefined) return undefined;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15) {
    throw new InputError("BAD_DECIMALS", { indicator, argument: "decimals", value: String(decimals) },
      `${indicator}: decimals is ${String(decimals)}; it must be an integer from 0 to 15 ` +
      `(use priceDecimals(series), or omit it for a compensated floating-point sum)`);
  }
  return 10 ** decimals;
}

/**
 * Throws InputError("NAN_INPUT") for a non-finite input.
 *
 * @example
 * if (!Number.isFinite(x)) nonFinite("Sma(20)", "x", x);
 */
export function nonFinite(indicator: string, argument: string, value: number): never {
  throw new InputError("NAN_INPUT", { indicator, argument, value: String(value) },
    `${indicator}: input "${argument}" is ${String(value)}; indicators need finite numbers ` +
    `(drop or fill missing bars before feeding them, and feed an indicator only once its source is ready)`);
}

/**
 * Throws InputError("NOTHING_TO_REPLACE"): `replace` was called before any `update`.
 *
 * @example
 * if (this.n === 0) nothingToReplace("Sma(20)");
 */
export function nothingToReplace(indicator: string): never {
  throw new InputError("NOTHING_TO_REPLACE", { indicator },
    `${indicator}: replace() was called before any update(); replace() changes the last input, so call update() first`);
}

/**
 * The guards a scalar `replace` starts with: InputError("NAN_INPUT") for a non-finite `x`, then
 * InputError("NOTHING_TO_REPLACE") when nothing was fed since construction or `reset()`.
 *
 * @example
 * checkReplace(this.name, this.n, x);
 */
export function checkReplace(indicator: string, count: number, x: number): void {
  if (!Number.isFinite(x)) nonFinite(indicator, "x", x);
  if (count === 0) nothingToReplace(indicator);
}

/**
 * Returns the common length of batch input columns, or throws InputError("LENGTH_MISMATCH").
 *
 * @example
 * const n = checkLengths("atrBatch", { high, low, close, volume });
 */
export function checkLengths(fn: string, columns: Readonly<Record<string, ArrayLike<number>>>): number {
  let n = -1;
  let first = "";
  for (const [name, col] of Object.entries(columns)) {
    if (n < 0) {
      n = col.length;
      first = name;
    } else if (col.length !== n) {
      throw new InputError("LENGTH_MISMATCH", { function: fn, column: name, length: col.length, expected: n },
        `${fn}: "${name}" has ${col.length} values but "${first}" has ${n}; pass the columns of one series`);
    }
  }
  return Math.max(n, 0);
}

/**
 * Throws InputError("NAN_INPUT") naming the first non-finite argument of a bar.
 *
 * @example
 * checkBar("Atr(14)", high, low, close, volume);
 */
export function checkBar(indicator: string, high: number, low: number, close: number, volume: number): void {
  if (!Number.isFinite(high)) nonFinite(indicator, "high", high);
  if (!Number.isFinite(low)) nonFinite(indicator, "low", low);
  if (!Number.isFinite(close)) nonFinite(indicator, "close", close);
  if (!Number.isFinite(volume)) nonFinite(indicator, "volume", volume);
}

/**
 * The guards a bar `replace` starts with: `checkBar`, then InputError("NOTHING_TO_REPLACE") when
 * nothing was fed since construction or `reset()`.
 *
 * @example
 * checkBarReplace(this.name, this.n, high, low, close, volume);
 */
export function checkBarReplace(
  indicator: string, count: number, high: number, low: number, close: number, volume: number,
): void {
  checkBar(indicator, high, low, close, volume);
  if (count === 0) nothingToReplace(indicator);
}
