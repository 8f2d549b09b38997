/**
 * Simple period returns of an equity path: r_i = equity_i / equity_{i−1} − 1 for i = 0 … n−1,
 * with equity_{−1} = initialCash, so n samples give n returns and the first one is the move from
 * the starting cash to the first mark. Returns are fractions (0.1 = +10 %). Once equity reaches
 * 0 the next return divides by zero (±Infinity or NaN) and so does every statistic built on it;
 * no clamping is applied because any finite stand-in would be invented. Empty equity → empty array.
 *
 * @example
 * periodReturns(Float64Array.of(100, 110, 99), 100); // [0, 0.1, -0.1]
 */
export function periodReturns(equity: Float64Array, initialCash: number): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let previous = initialCash;
  for (let i = 0; i < n; i++) {
    const value = equity[i]!;
    out[i] = value / previous - 1;
    previous = value;
  }
  return out;
}
