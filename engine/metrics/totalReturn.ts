/**
 * Total return of the run as a fraction: equity[n−1] / initialCash − 1 (0.25 = +25 %).
 * Empty equity means nothing happened, so the final value is initialCash and the result 0.
 *
 * @example
 * totalReturn(Float64Array.of(100, 110, 99, 121), 100); // 0.21
 */
export function totalReturn(equity: Float64Array, initialCash: number): number {
  const n = equity.length;
  const finalValue = n === 0 ? initialCash : equity[n - 1]!;
  return finalValue / initialCash - 1;
}
