import { DOUBLE, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { appendColumns } from "../engine/node/appendColumns.js";
import { barSeries, type BarSeries, type BarSource } from "../engine/bars.js";
import { InputError } from "../engine/errors.js";
import { fetchDoubles } from "../engine/node/readBars.js";

/**
 * Bulk columnar moves between BarSeries and DuckDB tables with the canonical columns
 * `symbol VARCHAR, time DOUBLE, open, high, low, close, volume DOUBLE` (Node, @duckdb/node-api).
 */

/**
 * Creates table `table` with the canonical columns and appends every series to it: the columns go
 * in as whole data chunks (one native call per 2048 rows, no per-row objects); the symbol is added
 * by SQL afterwards, not per row.
 */
export async function appendBars(db: DuckDBConnection, table: string, series: readonly BarSeries[]): Promise<void> {
  const seen = new Set<string>();
  for (const s of series) {
    if (seen.has(s.symbol)) {
      throw new InputError("DUPLICATE_SYMBOL", { symbol: s.symbol },
        `two series are both named "${s.symbol}"; give every series its own symbol (or merge them first)`);
    }
    seen.add(s.symbol);
  }
  await db.run(`CREATE TEMP TABLE ${table} (symbol VARCHAR, time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)`);
  const stage = `${table}_stage`;
  await db.run(`CREATE TEMP TABLE ${stage} (time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)`);
  for (const s of series) {
    await appendColumns(db, stage, [s.time, s.open, s.high, s.low, s.close, s.volume]);
    await db.run(`INSERT INTO ${table} SELECT ${quotedString(s.symbol)}, * FROM ${stage}`);
    await db.run(`DELETE FROM ${stage}`);
  }
  await db.run(`DROP TABLE ${stage}`);
}

export interface FetchSeriesOptions {
  /** Timeframe label of every series, or a function of its times. */
  timeframe: string | ((time: Float64Array) => string);
  /** File the rows came from; with a `row` column in the table, errors name its lines. */
  file?: string;
  /** The table has a `row` column (file line numbers) to keep as `source.rows`. */
  rows?: boolean;
  /** Symbols in the order wanted; others follow in the table's order of first appearance. */
  order?: readonly string[];
}

/**
 * Reads table (or parenthesised subquery) `from`, with the canonical columns, into one validated
 * BarSeries per symbol, each ordered by time: one bulk fetch of all columns, sliced per symbol
 * (the series share the fetched buffers).
 */
export async function fetchSeries(db: DuckDBConnection, from: string, options: FetchSeriesOptions): Promise<BarSeries[]> {
  const groups = (await db.runAndReadAll(
    `SELECT symbol, count(*) AS n FROM ${from} AS fetched GROUP BY symbol ORDER BY symbol`)).getRows()
    .map((r) => ({ symbol: String(r[0]), n: Number(r[1]) }));
  const rowColumn = options.rows ? `CAST("row" AS DOUBLE)` : "CAST(0 AS DOUBLE)";
  const [rows, time, open, high, low, close, volume] = await fetchDoubles(db,
    `SELECT ${rowColumn}, CAST(time AS DOUBLE), CAST(open AS DOUBLE), CAST(high AS DOUBLE), CAST(low AS DOUBLE),
       CAST(close AS DOUBLE), CAST(volume AS DOUBLE) FROM ${from} AS fetched ORDER BY symbol, time`, 7);
  const out: BarSeries[] = [];
  let at = 0;
  for (const { symbol, n } of groups) {
    const cut = (a: Float64Array) => a.subarray(at, at + n);
    const t = cut(time!);
    const source: BarSource = { ...(options.file ? { file: options.file } : {}), ...(options.rows ? { rows: cut(rows!) } : {}) };
    out.push(barSeries({
      symbol,
      timeframe: typeof options.timeframe === "string" ? options.timeframe : options.timeframe(t),
      time: t, open: cut(open!), high: cut(high!), low: cut(low!), close: cut(close!), volume: cut(volume!), source,
    }));
    at += n;
  }
  if (options.order) {
    const rank = new Map(options.order.map((s, i) => [s, i]));
    const big = options.order.length;
    out.sort((a, b) => (rank.get(a.symbol) ?? big) - (rank.get(b.symbol) ?? big));
  }
  return out;
}

/** SQL for a TIMESTAMP from a UTC-ms DOUBLE column, exact to the microsecond (no ICU needed). */
export function timestampSql(column: string): string {
  return `make_timestamp(CAST(round(${column} * 1000) AS BIGINT))`;
}

/**
 * Writes the canonical table `table` to `file`: Parquet (zstd) unless the name ends in .csv.
 * Columns `symbol, time, open, high, low, close, volume`; in Parquet `time` is BIGINT epoch ms
 * (the canonical schema), in CSV an ISO-8601 UTC text that readBars reads back.
 */
export async function writeCanonical(db: DuckDBConnection, table: string, file: string): Promise<void> {
  if (/\.csv$/i.test(file)) {
    await db.run(
      `COPY (SELECT symbol, strftime(${timestampSql("time")}, '%Y-%m-%dT%H:%M:%S.%gZ') AS time,
         CAST(open AS VARCHAR) AS open, CAST(high AS VARCHAR) AS high, CAST(low AS VARCHAR) AS low,
         CAST(close AS VARCHAR) AS close, CAST(volume AS VARCHAR) AS volume FROM ${table} ORDER BY symbol, time)
       TO ${quotedString(file)} (FORMAT csv, HEADER true, DELIMITER ',')`);
  } else {
    await db.run(
      `COPY (SELECT symbol, CAST(round(time) AS BIGINT) AS time, open, high, low, close, volume FROM ${table} ORDER BY symbol, time)
       TO ${quotedString(file)} (FORMAT parquet, COMPRESSION zstd)`);
  }
}
