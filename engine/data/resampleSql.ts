import { InputError } from "../errors.js";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../time.js";

/** Timeframes resampleSql can produce. */
export type ResampleTimeframe = "5m" | "15m" | "30m" | "1h" | "4h" | "1d" | "1w" | "1M";

export const RESAMPLE_TIMEFRAMES: readonly ResampleTimeframe[] = ["5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"];

export interface ResampleSqlOptions {
  /**
   * A table name or a parenthesised subquery with the canonical columns
   * `symbol, time, open, high, low, close, volume` (time = bar open time, epoch ms as BIGINT or DOUBLE).
   */
  source: string;
  timeframe: ResampleTimeframe;
}

// 1970-01-01 was a Thursday; the first Monday (ISO weeks start on Monday) is four days later.
const FIRST_MONDAY_MS = 4 * DAY_MS;

const FIXED_MS: Readonly<Record<Exclude<ResampleTimeframe, "1w" | "1M">, number>> = {
  "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS, "30m": 30 * MINUTE_MS, "1h": HOUR_MS, "4h": 4 * HOUR_MS, "1d": DAY_MS,
};

/**
 * SQL (DuckDB 1.4 and 1.5 alike: the browser's duckdb-wasm and Node's node-api) that resamples
 * bars of any finer timeframe into `timeframe` bars, one per symbol and bucket that holds bars.
 *
 * Buckets are calendar-aligned in UTC: minute and hour buckets are multiples of their length
 * from 00:00 UTC (4h: 00:00, 04:00, ...), 1d starts at UTC midnight, 1w at Monday 00:00 UTC (ISO
 * week), 1M at the first day of the month 00:00 UTC. A bar belongs to the bucket holding its open
 * time. Aggregation: open = open of the earliest bar, high = max, low = min, close = close of the
 * latest bar, volume = sum.
 *
 * The result has the columns `symbol, time, open, high, low, close, volume`, ordered by symbol then
 * time; `time` is the bucket's open time in UTC ms as a DOUBLE (whole milliseconds), prices and
 * volume are DOUBLE. Volume sums in time order, so both engines give bit-identical results.
 *
 * @example
 * conn.query(resampleSql({ source: "bars", timeframe: "1h" }));
 * conn.query(resampleSql({ source: "(SELECT * FROM bars WHERE symbol = 'BTC/USDT')", timeframe: "1w" }));
 */
export function resampleSql(options: ResampleSqlOptions): string {
  const { source, timeframe } = options;
  // floor() first: a fractional-ms time (µs precision) still lands in the right bucket
  const t = "CAST(floor(time) AS BIGINT)";
  let bucket: string;
  if (timeframe === "1M") {
    bucket = `epoch_ms(date_trunc('month', make_timestamp(${t} * 1000)))`;
  } else if (timeframe === "1w") {
    const w = 7 * DAY_MS;
    bucket = `(${t} - (((${t} - ${FIRST_MONDAY_MS}) % ${w}) + ${w}) % ${w})`;
  } else {
    const step = FIXED_MS[timeframe];
    if (step === undefined) {
      throw new InputError("BAD_TIMEFRAME", { timeframe },
        `cannot resample to "${String(timeframe)}"; use one of ${RESAMPLE_TIMEFRAMES.join(", ")}`);
    }
    bucket = `(${t} - ((${t} % ${step}) + ${step}) % ${step})`;
  }
  return `SELECT symbol, CAST(bucket AS DOUBLE) AS time,
  CAST(arg_min(open, time) AS DOUBLE) AS open, CAST(max(high) AS DOUBLE) AS high,
  CAST(min(low) AS DOUBLE) AS low, CAST(arg_max(close, time) AS DOUBLE) AS close,
  CAST(sum(volume ORDER BY time) AS DOUBLE) AS volume
FROM (SELECT symbol, time, open, high, low, close, volume, ${bucket} AS bucket FROM ${source}) AS resample_input
GROUP BY symbol, bucket
ORDER BY symbol, time`;
}
