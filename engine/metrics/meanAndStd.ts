/**
 * Arithmetic mean and sample standard deviation of `values` in one pass (Welford):
 * mean = Σx / n, std = sqrt(Σ(x − mean)² / (n − 1)). std is NaN when n < 2; mean is NaN when n = 0.
 * A constant series gives std exactly 0.
 *
 * @example
 * meanAndStd(Float64Array.of(1, 2, 3)); // { mean: 2, std: 1 }
 */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
  }
  return { mean: n === 0 ? NaN : mean, std: n < 2 ? NaN : Math.sqrt(m2 / (n - 1)) };
}
