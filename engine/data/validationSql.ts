import { DAY_MS } from "../time.js";

/** What a problem means for loading: errors refuse the data, warnings and notices do not. */
export type Severity = "error" | "warning" | "notice";

/** Codes validationSql reports, with their severity. */
export const VALIDATION_CODES = {
  BAD_TIMESTAMP: "error",
  NAN_PRICE: "error",
  NON_POSITIVE_PRICE: "error",
  INCONSISTENT_HIGH: "error",
  INCONSISTENT_LOW: "error",
  BAD_VOLUME: "error",
  UNSORTED_TIMESTAMP: "error",
  DUPLICATE_TIMESTAMP: "error",
  MIXED_TIMESTAMP_UNITS: "warning",
  GAP: "warning",
  ZERO_VOLUME: "notice",
} as const satisfies Record<string, Severity>;

export type ValidationCode = keyof typeof VALIDATION_CODES;

/** One row of validationSql's result. */
export interface ValidationProblem {
  /** The source's `row` (the file line) or, without that column, the 1-based position in the source. */
  row: number | null;
  /** The column at fault (`time`, `open`, ..., `volume`), or null. */
  column: string | null;
  code: ValidationCode | (string & {});
  severity: Severity;
  /** The offending value as text (null for a missing value). */
  value: string | null;
  message: string;
  symbol: string;
  /** The bar's time (UTC ms); for a GAP the first bar after it. */
  time: number | null;
  /** GAP only: the last bar before the gap, the first after it, and the number of bars missing between. */
  from?: number | null;
  to?: number | null;
  missing?: number | null;
}

export interface ValidationSqlOptions {
  /**
   * Spacing between consecutive bars (ms) above which a GAP is reported. Default, per symbol from
   * its median spacing `step`: `step` for intraday bars, 4 days for daily bars (weekends and
   * one-day holidays are not gaps), `2 * step` for weekly and longer bars.
   */
  maxGapMs?: number;
  /**
   * True when the source surely has a `row` column: skips numbering rows by position (a window over
   * the whole source). Without it a `row` column is still used when present.
   */
  hasRowColumn?: boolean;
}

// Numeric epoch times from 1e14 up are microseconds (Binance since 2025), from 1e11 milliseconds.
const US_MIN = 1e14;
const MS_MIN = 1e11;

const PRICES = ["open", "high", "low", "close"] as const;

/** SQL text for a UTC ms DOUBLE as `YYYY-MM-DD HH:MM:SS` (no ICU needed: TIMESTAMP, not TIMESTAMPTZ). */
const ts = (ms: string) => `strftime(make_timestamp(CAST(round(${ms} * 1000) AS BIGINT)), '%Y-%m-%d %H:%M:%S')`;
const str = (x: string) => `CAST(${x} AS VARCHAR)`;

/**
 * SQL (DuckDB 1.4 and 1.5 alike) listing EVERY problem of the bars in `source` as rows
 * `row, column, code, severity, value, message, symbol, time, from, to, missing`, ordered by
 * symbol, row and code.
 *
 * `source` is a table name or a parenthesised subquery with the canonical columns `symbol, time,
 * open, high, low, close, volume` (time in UTC ms) and optionally `row` (the file line, used in
 * every problem; otherwise the 1-based position in the source) and `raw_time` (the epoch number
 * as written in the file, before a µs time was turned into ms; otherwise `time` itself is looked
 * at). `symbol` may be absent too (one unnamed series).
 *
 * Codes (see VALIDATION_CODES for severities):
 * - errors: BAD_TIMESTAMP (time missing or not finite), NAN_PRICE (NULL/empty/NaN/infinite price),
 *   NON_POSITIVE_PRICE, INCONSISTENT_HIGH (high below open, close or low), INCONSISTENT_LOW (low
 *   above open or close), BAD_VOLUME (missing, not finite or negative), UNSORTED_TIMESTAMP (earlier
 *   than the row before, per symbol in row order), DUPLICATE_TIMESTAMP (every repeat of a
 *   symbol's time after its first row);
 * - warnings: MIXED_TIMESTAMP_UNITS (the epoch unit switches between ms and µs from one row to
 *   the next), GAP (spacing above `maxGapMs`; `from` = last bar before, `to` = first bar after,
 *   `missing` = bars missing at the median spacing, reported on the row of the bar after it);
 * - notices: ZERO_VOLUME (kept; one per bar).
 *
 * @example
 * const problems = conn.query(validationSql("bars", { maxGapMs: 60_000 }));
 */
export function validationSql(source: string, options: ValidationSqlOptions = {}): string {
  const gapLimit = options.maxGapMs !== undefined
    ? String(Number(options.maxGapMs))
    : `CASE WHEN step < ${DAY_MS} THEN step WHEN step = ${DAY_MS} THEN ${4 * DAY_MS} ELSE 2 * step END`;
  const rowExpr = options.hasRowColumn ? `CAST("row" AS BIGINT)` : `coalesce(CAST("row" AS BIGINT), row_number() OVER ())`;
  const problem = (o: {
    row: string; column: string; code: ValidationCode; value: string; message: string; time?: string;
    from?: string; to?: string; missing?: string; from_: string; where: string;
  }) => `SELECT ${o.row} AS "row", ${o.column} AS "column", '${o.code}' AS code, '${VALIDATION_CODES[o.code]}' AS severity,
    ${o.value} AS value, ${o.message} AS message, sym AS symbol, ${o.time ?? "t"} AS time,
    ${o.from ?? "CAST(NULL AS DOUBLE)"} AS "from", ${o.to ?? "CAST(NULL AS DOUBLE)"} AS "to",
    ${o.missing ?? "CAST(NULL AS BIGINT)"} AS missing
  FROM ${o.from_} WHERE ${o.where}`;

  const checks: string[] = [
    problem({ row: "r", column: "'time'", code: "BAD_TIMESTAMP", value: str("t"), from_: "b",
      where: "t IS NULL OR NOT isfinite(t)",
      message: `'time is ' || coalesce(CAST(t AS VARCHAR), 'missing or not a date') || '; give every bar a valid time or drop the row'` }),
  ];
  for (const p of PRICES) {
    checks.push(problem({ row: "r", column: `'${p}'`, code: "NAN_PRICE", value: str(p), from_: "b",
      where: `${p} IS NULL OR NOT isfinite(${p})`,
      message: `'${p} is ' || coalesce(CAST(${p} AS VARCHAR), 'empty or not a number') || '; fill in the price or drop the row'` }));
    checks.push(problem({ row: "r", column: `'${p}'`, code: "NON_POSITIVE_PRICE", value: str(p), from_: "b",
      where: `${p} <= 0`, message: `'${p} is ' || CAST(${p} AS VARCHAR) || '; prices must be above zero'` }));
  }
  const finite = PRICES.map((p) => `isfinite(${p}) AND ${p} > 0`).join(" AND ");
  checks.push(problem({ row: "r", column: "'high'", code: "INCONSISTENT_HIGH", value: str("high"), from_: "b",
    where: `${finite} AND high < greatest(open, close, low)`,
    message: `'high (' || CAST(high AS VARCHAR) || ') is below the bar''s open, close or low (' || CAST(open AS VARCHAR) || ', ' || CAST(close AS VARCHAR) || ', ' || CAST(low AS VARCHAR) || ')'` }));
  checks.push(problem({ row: "r", column: "'low'", code: "INCONSISTENT_LOW", value: str("low"), from_: "b",
    where: `${finite} AND low > least(open, close)`,
    message: `'low (' || CAST(low AS VARCHAR) || ') is above the bar''s open or close (' || CAST(open AS VARCHAR) || ', ' || CAST(close AS VARCHAR) || ')'` }));
  checks.push(problem({ row: "r", column: "'volume'", code: "BAD_VOLUME", value: str("volume"), from_: "b",
    where: "volume IS NULL OR NOT isfinite(volume) OR volume < 0",
    message: `'volume is ' || coalesce(CAST(volume AS VARCHAR), 'empty or not a number') || '; volume must be a number >= 0'` }));
  checks.push(problem({ row: "r", column: "'volume'", code: "ZERO_VOLUME", value: str("volume"), from_: "b",
    where: "volume = 0", message: `'volume is 0 (no trades); the bar is kept'` }));
  checks.push(problem({ row: "r", column: "'time'", code: "UNSORTED_TIMESTAMP", value: str("t"), from_: "ordered",
    where: "isfinite(t) AND isfinite(prev_t) AND t < prev_t",
    message: `'time ' || ${ts("t")} || ' is earlier than the row before (' || ${ts("prev_t")} || ', row ' || CAST(prev_r AS VARCHAR) || '); sort the bars by time'` }));
  checks.push(problem({ row: "r", column: "'time'", code: "DUPLICATE_TIMESTAMP", value: str("t"), from_: "ordered",
    where: "isfinite(t) AND nth > 1",
    message: `'time ' || ${ts("t")} || ' repeats the bar at row ' || CAST(first_r AS VARCHAR) || '; drop the duplicate row'` }));
  checks.push(problem({ row: "r", column: "'time'", code: "MIXED_TIMESTAMP_UNITS", value: str("rt"), from_: "ordered",
    where: "unit <> prev_unit",
    message: `'time is written in ' || unit || ' (' || CAST(rt AS VARCHAR) || ') but the row before in ' || prev_unit || '; each time was read in its own unit'` }));
  checks.push(problem({ row: "r", column: "'time'", code: "GAP", value: str("gap_ms"), from_: "gaps",
    where: "true", time: "t", from: "prev_t", to: "t", missing: "missing",
    message: `'gap of ' || CAST(missing AS VARCHAR) || ' bar(s) between ' || ${ts("prev_t")} || ' and ' || ${ts("t")}` }));

  return `WITH src AS (
  SELECT * FROM (SELECT CAST(NULL AS BIGINT) AS "row", CAST(NULL AS DOUBLE) AS raw_time, CAST(NULL AS VARCHAR) AS symbol WHERE false) AS optional_columns
  UNION ALL BY NAME SELECT * FROM ${source}
), b AS (
  SELECT ${rowExpr} AS r, coalesce(CAST(symbol AS VARCHAR), '') AS sym, CAST(time AS DOUBLE) AS t,
    CAST(open AS DOUBLE) AS open, CAST(high AS DOUBLE) AS high, CAST(low AS DOUBLE) AS low,
    CAST(close AS DOUBLE) AS close, CAST(volume AS DOUBLE) AS volume, CAST(coalesce(raw_time, time) AS DOUBLE) AS rt
  FROM src
), ordered AS (
  SELECT r, sym, t, rt, unit,
    lag(t) OVER w AS prev_t, lag(r) OVER w AS prev_r, lag(unit) OVER w AS prev_unit,
    row_number() OVER (PARTITION BY sym, t ORDER BY r) AS nth, min(r) OVER (PARTITION BY sym, t) AS first_r
  FROM (SELECT r, sym, t, rt, CASE WHEN abs(rt) >= ${US_MIN} THEN 'microseconds' WHEN abs(rt) >= ${MS_MIN} THEN 'milliseconds' END AS unit FROM b) AS units
  WINDOW w AS (PARTITION BY sym ORDER BY r)
), spacing AS (
  SELECT sym, t, lead(t) OVER (PARTITION BY sym ORDER BY t) AS next_t
  FROM (SELECT DISTINCT sym, t FROM b WHERE isfinite(t)) AS times
), steps AS (
  SELECT sym, quantile_disc(next_t - t, 0.5) AS step FROM spacing WHERE next_t IS NOT NULL GROUP BY sym
), gaps AS (
  SELECT s.sym, s.next_t AS t, s.t AS prev_t, s.next_t - s.t AS gap_ms,
    CAST(round((s.next_t - s.t) / st.step) - 1 AS BIGINT) AS missing,
    (SELECT min(b.r) FROM b WHERE b.sym = s.sym AND b.t = s.next_t) AS r
  FROM spacing AS s JOIN steps AS st ON s.sym = st.sym
  WHERE s.next_t IS NOT NULL AND st.step > 0 AND s.next_t - s.t > ${gapLimit}
)
SELECT * FROM (
${checks.join("\nUNION ALL\n")}
) AS problems
ORDER BY symbol, "row" NULLS FIRST, code`;
}

/** Counts by code; lists by severity. `ok` is false when there is any error. */
export interface ValidationReport {
  ok: boolean;
  errors: ValidationProblem[];
  warnings: ValidationProblem[];
  notices: ValidationProblem[];
  /** Number of problems per code (all of them, also those not listed). */
  counts: Record<string, number>;
  totals: { errors: number; warnings: number; notices: number };
}

/**
 * Turns validationSql's rows into a report. Lists keep at most `maxListed` problems per severity
 * (counts and totals are always complete); `counts` may give complete counts when `problems` is
 * only the first part of the rows.
 *
 * @example
 * const report = validationReport(rows);
 * if (!report.ok) console.log(report.errors[0].message);
 */
export function validationReport(
  problems: readonly ValidationProblem[],
  options: { maxListed?: number; counts?: Readonly<Record<string, number>> } = {},
): ValidationReport {
  const maxListed = options.maxListed ?? Infinity;
  const report: ValidationReport = {
    ok: true, errors: [], warnings: [], notices: [], counts: {}, totals: { errors: 0, warnings: 0, notices: 0 },
  };
  const bucket = { error: report.errors, warning: report.warnings, notice: report.notices } as const;
  const total = { error: "errors", warning: "warnings", notice: "notices" } as const;
  for (const p of problems) {
    const list = bucket[p.severity];
    if (list.length < maxListed) list.push(p);
    if (!options.counts) {
      report.counts[p.code] = (report.counts[p.code] ?? 0) + 1;
      report.totals[total[p.severity]]++;
    }
  }
  if (options.counts) {
    for (const [code, n] of Object.entries(options.counts)) {
      report.counts[code] = n;
      const severity: Severity = (VALIDATION_CODES as Record<string, Severity>)[code] ?? "error";
      report.totals[total[severity]] += n;
    }
  }
  report.ok = report.totals.errors === 0;
  return report;
}

/**
 * SQL counting the rows of a table or subquery holding validationSql's result by code:
 * rows `code, severity, n`.
 */
export function validationCountsSql(problems: string): string {
  return `SELECT code, severity, count(*) AS n FROM ${problems} GROUP BY code, severity ORDER BY code`;
}
