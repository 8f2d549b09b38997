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
