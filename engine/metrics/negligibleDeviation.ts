/**
 * Per-period return deviations at or below 1e-12 are treated as zero risk. A constant-growth
 * equity path recomputed in floating point yields returns that differ in the last bits
 * (deviation ≈ 1e-16); dividing by that would report a Sharpe near 1e15 instead of "undefined".
 *
 * @example
 * NEGLIGIBLE_DEVIATION; // 1e-12
 */
export const NEGLIGIBLE_DEVIATION = 1e-12;
