import { InputError } from "../errors.js";
import { checkDecimals } from "./checks.js";

/**
 * Converts a price to integer ticks of 1 / `scale` (scale = 10^decimals), for exact sums.
 * Throws InputError when `x` is not on the tick grid (more decimals than declared: rounding it
 * silently would change the average) or when |ticks| > `maxTicks` (the caller's bound that keeps
 * its integer sums below 2^53, where they stop being exact).
 *
 * @example
 * toTicks("Sma(10)", 11.375, 1000, 1e12); // 11375
 */
export function toTicks(indicator: string, x: number, scale: number, maxTicks: number): number {
  const scaled = x * scale;
  const t = Math.round(scaled);
  // a few ulps of slack: 2.37037 * 1e5 is 237037.00000000003 in binary floating point
  if (Math.abs(scaled - t) > 1e-7 + 16 * Number.EPSILON * Math.abs(scaled) || Math.abs(t) > maxTicks) {
    badTicks(indicator, x, t, scale, maxTicks);
  }
  return t;
}

/**
 * How an average with integer `weights` (the sum of its weights: `period` for an SMA) sums its
 * inputs: `scale` = 10^decimals (0 without decimals: a compensated floating sum instead), the
 * `divisor` that turns the weighted sum into the average, and `maxTicks`, the largest |ticks| an
 * input may have so that the weighted sum stays within 2^53. Throws InputError("BAD_DECIMALS")
 * when decimals are invalid or `weights * 10^decimals` passes 2^53, where the division could not
 * be exact; `weightsText` names `weights` in that message.
 *
 * @example
 * const { scale, divisor, maxTicks } = tickScale("Sma(10)", 2, 10, "period"); // 100, 1000, 900719925474099
 */
export function tickScale(
  indicator: string, decimals: number | undefined, weights: number, weightsText: string,
): { scale: number; divisor: number; maxTicks: number } {
  const scale = checkDecimals(indicator, decimals);
  const divisor = scale === undefined ? weights : weights * scale;
  if (scale !== undefined && divisor > Number.MAX_SAFE_INTEGER) {
    throw new InputError("BAD_DECIMALS", { indicator, argument: "decimals", value: decimals },
      `${indicator}: ${weightsText} * 10^decimals exceeds 2^53, so the average could not be exact; use fewer decimals`);
  }
  return { scale: scale ?? 0, divisor, maxTicks: Math.floor(Number.MAX_SAFE_INTEGER / weights) };
}

function badTicks(indicator: string, x: number, t: number, scale: number, maxTicks: number): never {
  const decimals = Math.round(Math.log10(scale));
  if (Math.abs(t) > maxTicks) {
    throw new InputError("SUM_OVERFLOW", { indicator, value: x, decimals },
      `${indicator}: input ${x} at ${decimals} decimals is ${t} ticks, too many for its window to be summed exactly ` +
      `below 2^53; use fewer decimals or a shorter period`);
  }
  throw new InputError("OFF_TICK_GRID", { indicator, value: x, decimals },
    `${indicator}: input ${x} has more than ${decimals} decimals, so it cannot be summed in ticks of 10^-${decimals}; ` +
    `pass decimals: priceDecimals(series) (or more decimals), or omit decimals for inputs that are not prices`);
}
