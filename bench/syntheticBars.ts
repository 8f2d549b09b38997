import { barSeries, type BarSeries } from "../engine/index.js";

/** Seeded random walk bars with prices on a 0.01 tick grid (so exact tick averages apply). */
export function syntheticBars(symbol: string, n: number, seed: number, stepMs = 60_000): BarSeries {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: fast, seedable, good enough for a benchmark's price path
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  let price = 100;
  const t0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < n; i++) {
    const o = price;
    const c = Math.max(1, Math.round((o * (1 + (rand() - 0.5) * 0.004)) * 100) / 100);
    const h = Math.round((Math.max(o, c) + rand() * 0.1) * 100) / 100;
    const l = Math.max(0.01, Math.round((Math.min(o, c) - rand() * 0.1) * 100) / 100);
    time[i] = t0 + i * stepMs; open[i] = o; high[i] = h; low[i] = l; close[i] = c; volume[i] = Math.round(rand() * 1000);
    price = c;
  }
  return barSeries({ symbol, timeframe: "1m", time, open, high, low, close, volume });
}
