/** UTC epoch-millisecond helpers. Every time in the engine is UTC ms; bars are stamped with their open time. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const TIMEFRAME_MS: Readonly<Record<string, number>> = {
  "1s": 1000, "1m": MINUTE_MS, "3m": 3 * MINUTE_MS, "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS,
  "30m": 30 * MINUTE_MS, "1h": HOUR_MS, "2h": 2 * HOUR_MS, "4h": 4 * HOUR_MS, "6h": 6 * HOUR_MS,
  "8h": 8 * HOUR_MS, "12h": 12 * HOUR_MS, "1d": DAY_MS, "1w": 7 * DAY_MS,
};

/** Nominal length of a timeframe in ms ("1M" is taken as 30 days); undefined when unknown. */
export function timeframeMs(timeframe: string): number | undefined {
  if (timeframe === "1M") return 30 * DAY_MS;
  return TIMEFRAME_MS[timeframe];
}

/** Start of the UTC day containing `timeMs`. */
export function utcDayStart(timeMs: number): number {
  return timeMs - (((timeMs % DAY_MS) + DAY_MS) % DAY_MS);
}

/** ISO-8601 form of a UTC ms time, date only when it falls on midnight. */
export function formatTime(timeMs: number): string {
  if (!Number.isFinite(timeMs)) return String(timeMs);
  const iso = new Date(timeMs).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
}

// Labels the engine knows, smallest first.
const LABELS = ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w"] as const;

/**
 * Median spacing of the first `limit` bars of `time` (sorted UTC ms), or NaN with fewer than two.
 * The median, not the minimum or the mean, so that weekend and holiday gaps in daily or hourly
 * data (and the odd missing minute) do not change the answer.
 */
export function medianSpacingMs(time: ArrayLike<number>, limit = Infinity): number {
  const n = Math.min(time.length, limit);
  if (n < 2) return NaN;
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = time[i]! - time[i - 1]!;
  gaps.sort();
  return gaps[(n - 2) >> 1]!;
}

/**
 * The timeframe label ("1m", "1h", "1d", "1w", "1M", ...) whose length equals the median spacing
 * of `time`, or "" when there are fewer than two bars or the spacing matches no label. Months vary
 * from 28 to 31 days, so any median in that range is "1M".
 *
 * @example
 * inferTimeframe(new Float64Array([0, 60_000, 120_000])); // "1m"
 */
export function inferTimeframe(time: ArrayLike<number>): string {
  const median = medianSpacingMs(time);
  for (const label of LABELS) if (timeframeMs(label) === median) return label;
  if (median >= 28 * DAY_MS && median <= 31 * DAY_MS) return "1M";
  return "";
}

/** Index of the first element ≥ value in an ascending array (its length when none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
