/**
 * Arithmetic mean and sample standard deviation of `values`:
 * mean = Σx / n, std = sqrt(Σ(x − mean)² / (n − 1)). std is NaN when n < 2; mean is NaN when n = 0.
 * A constant series gives a std of 0 up to rounding (see NEGLIGIBLE_DEVIATION).
 *
 * Two passes rather than Welford's one: no division per element (several times faster on a
 * million returns) and the squared deviations are taken from the exact-as-possible mean.
 *
 * @example
 * meanAndStd(Float64Array.of(1, 2, 3)); // { mean: 2, std: 1 }
 */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
  }
  return { mean, std: n < 2 ? NaN : Math.sqrt(m2 / (n - 1)) };
}
