/**
 * Maximum drawdown as a positive fraction: max_i (1 − equity_i / max(equity_0 … equity_i)),
 * i.e. the deepest point of {@link drawdownSeries} with its sign flipped (0.25 = a 25 % fall from
 * a peak). 0 for an empty or never-falling series.
 *
 * @example
 * maxDrawdown(Float64Array.of(100, 110, 99, 121)); // 1 − 99/110 = 0.1
 */
export function maxDrawdown(equity: Float64Array): number {
  let peak = -Infinity;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const value = equity[i]!;
    if (value > peak) {
      peak = value;
      continue;
    }
    const drawdown = 1 - value / peak;
    if (drawdown > worst) worst = drawdown;
  }
  return worst;
}
