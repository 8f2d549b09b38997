import { DAY_MS, timeframeMs } from "../time.js";

// Labels the engine knows (engine/time.ts), smallest first.
const LABELS = ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w"] as const;

/**
 * The timeframe label ("1m", "1h", "1d", "1w", "1M", ...) whose length equals the median spacing of
 * `time` (sorted UTC ms), or "" when there are fewer than two bars or the spacing matches no label.
 *
 * The median, not the minimum or the mean, so that weekend and holiday gaps in daily or hourly data
 * (and the odd missing minute) do not change the answer. Months vary from 28 to 31 days, so any
 * median in that range is "1M".
 *
 * @example
 * inferTimeframe(new Float64Array([0, 60_000, 120_000])); // "1m"
 */
export function inferTimeframe(time: ArrayLike<number>): string {
  const n = time.length;
  if (n < 2) return "";
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = time[i]! - time[i - 1]!;
  gaps.sort();
  const median = gaps[(n - 2) >> 1]!;
  for (const label of LABELS) if (timeframeMs(label) === median) return label;
  if (median >= 28 * DAY_MS && median <= 31 * DAY_MS) return "1M";
  return "";
}
