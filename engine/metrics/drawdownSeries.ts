/**
 * Drawdown at every sample as a fraction: d_i = equity_i / max(equity_0 … equity_i) − 1, so
 * d_i ≤ 0 and 0 at each new high (−0.25 = 25 % below the best value so far). The running peak
 * is taken over the samples only; initialCash is not a peak, which keeps the series aligned
 * one-to-one with the timeline. Meaningful while the peak is positive.
 *
 * @example
 * drawdownSeries(Float64Array.of(100, 110, 99, 121)); // [0, 0, -0.1, 0]
 */
export function drawdownSeries(equity: Float64Array): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let peak = -Infinity;
  // the reciprocal changes only at a new peak: a multiply per sample instead of a divide (within an ulp of value / peak)
  let inverse = NaN;
  for (let i = 0; i < n; i++) {
    const value = equity[i]!;
    if (value >= peak) {
      peak = value;
      inverse = 1 / value;
      out[i] = 0;
    } else {
      out[i] = peak > 0 ? value * inverse - 1 : value / peak - 1;
    }
  }
  return out;
}
