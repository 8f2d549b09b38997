/**
 * Time in market from an exposure series: the fraction of samples whose exposure is non-zero,
 * #(exposure_i ≠ 0) / n (0.4 = in the market at 40 % of samples). The size of the exposure does
 * not matter, only whether any is held; signed (net) exposure works as well as gross. NaN samples
 * count as flat. NaN with no samples.
 *
 * @example
 * exposureFraction(Float64Array.of(0, 1, 0.5, 0)); // 2 / 4 = 0.5
 */
export function exposureFraction(exposure: Float64Array): number {
  const n = exposure.length;
  if (n === 0) return NaN;
  let held = 0;
  for (let i = 0; i < n; i++) {
    const x = exposure[i]!;
    if (x > 0 || x < 0) held++;
  }
  return held / n;
}
