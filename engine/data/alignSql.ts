/** How alignSql treats a symbol that has no bar at a time of the shared timeline. */
export type AlignFill = "none" | "previous";

export interface AlignSqlOptions {
  /**
   * One table/parenthesised subquery holding many symbols, or several (each with one or more
   * symbols), all with the canonical columns `symbol, time, open, high, low, close, volume`.
   */
  sources: string | readonly string[];
  fill: AlignFill;
}

/**
 * SQL (DuckDB 1.4 and 1.5 alike) putting several symbols onto one timeline: the union of all their
 * bar times. Result columns `symbol, time, open, high, low, close, volume, filled`, ordered by time
 * then symbol, with `time` as DOUBLE UTC ms and `filled` a BOOLEAN.
 *
 * - `fill: "none"`: only real bars; a symbol without a bar at a timeline time has no row there
 *   (`filled` is always false). The same rows as the sources, in timeline order.
 * - `fill: "previous"`: every symbol has a row at every timeline time from its own first bar on
 *   (never before it: nothing is invented before a listing). A missing bar is a flat bar at the
 *   previous close (open = high = low = close = last close) with zero volume and `filled = true`.
 *   After a symbol's last bar the close keeps being carried to the end of the timeline.
 *
 * @example
 * conn.query(alignSql({ sources: ["btc", "eth"], fill: "previous" }));
 */
export function alignSql(options: AlignSqlOptions): string {
  const list = typeof options.sources === "string" ? [options.sources] : [...options.sources];
  if (list.length === 0) throw new Error("alignSql: sources is empty");
  const union = list.map((s) => `SELECT CAST(symbol AS VARCHAR) AS symbol, CAST(time AS DOUBLE) AS time,
    CAST(open AS DOUBLE) AS open, CAST(high AS DOUBLE) AS high, CAST(low AS DOUBLE) AS low,
    CAST(close AS DOUBLE) AS close, CAST(volume AS DOUBLE) AS volume FROM ${s}`).join("\nUNION ALL\n");
  if (options.fill === "none") {
    return `SELECT symbol, time, open, high, low, close, volume, false AS filled
FROM (${union}) AS aligned
ORDER BY time, symbol`;
  }
  return `WITH bars AS (${union}),
timeline AS (SELECT DISTINCT time FROM bars),
firsts AS (SELECT symbol, min(time) AS first_time FROM bars GROUP BY symbol),
grid AS (SELECT f.symbol, tl.time FROM firsts AS f JOIN timeline AS tl ON tl.time >= f.first_time),
joined AS (
  SELECT g.symbol, g.time, b.open, b.high, b.low, b.close, b.volume,
    last_value(b.close IGNORE NULLS) OVER (PARTITION BY g.symbol ORDER BY g.time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS carried
  FROM grid AS g LEFT JOIN bars AS b ON b.symbol = g.symbol AND b.time = g.time
)
SELECT symbol, time, coalesce(open, carried) AS open, coalesce(high, carried) AS high,
  coalesce(low, carried) AS low, coalesce(close, carried) AS close,
  coalesce(volume, CAST(0 AS DOUBLE)) AS volume, close IS NULL AS filled
FROM joined
ORDER BY time, symbol`;
}
