import type { BarSeries } from "../engine/index.js";

/**
 * The SMA crossover with no engine: the same signals (backtrader's crossing rule on exact tick
 * sums), the same next-open all-in sizing and commission, equity per bar, over the same arrays.
 * The floor under what the engine can reach.
 */
export function bareSmaCross(s: BarSeries, fast: number, slow: number, cash0: number, rate: number, scale: number): { equity: Float64Array; fills: number; final: number } {
  const { open, close } = s;
  const n = s.length;
  const equity = new Float64Array(n);
  const ticks = new Float64Array(n);
  let sumF = 0, sumS = 0, lastDiff = 0, cash = cash0, pos = 0, pending = 0, fills = 0;
  for (let i = 0; i < n; i++) {
    if (pending !== 0) {
      const p = open[i]!;
      if (pending > 0) {
        const q = Math.floor(cash / (p * (1 + rate)));
        if (q > 0) {
          cash -= q * p + q * p * rate;
          pos = q;
          fills++;
        }
      } else {
        cash += pos * p - pos * p * rate;
        pos = 0;
        fills++;
      }
      pending = 0;
    }
    const t = Math.round(close[i]! * scale);
    ticks[i] = t;
    sumF += t; sumS += t;
    if (i >= fast) sumF -= ticks[i - fast]!;
    if (i >= slow) sumS -= ticks[i - slow]!;
    if (i >= slow - 1) {
      const diff = sumF / (fast * scale) - sumS / (slow * scale);
      if (diff > 0 && lastDiff < 0 && pos === 0) pending = 1;
      else if (diff < 0 && lastDiff > 0 && pos > 0) pending = -1;
      if (diff !== 0) lastDiff = diff;
    }
    equity[i] = cash + pos * close[i]!;
  }
  return { equity, fills, final: equity[n - 1]! };
}
