import { DOUBLE, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { appendColumns } from "./appendColumns.js";
import type { BarSeries } from "../bars.js";
import { DAY_MS } from "../time.js";
import { withDuckDB } from "./withDuckDB.js";

/**
 * Writes `series` as a canonical CSV (`time,open,high,low,close,volume`) that readBars reads back
 * to identical numbers. Times are `YYYY-MM-DD` when every bar starts at midnight UTC, otherwise
 * ISO-8601 UTC to the millisecond (`2020-01-01T09:30:00.000Z`). The symbol is not written: readBars
 * takes it from the file name or options.symbol.
 *
 * Numbers are written by DuckDB as CAST(x AS VARCHAR), which is the shortest text that reads back
 * to the same double (DuckDB's CSV writer left to format DOUBLE columns itself rounds: 0.1 + 0.2
 * came out as 0.3), and several times faster than building the text in JavaScript.
 *
 * @example
 * await writeBarsCsv("/tmp/ORCL.csv", orcl);
 */
export async function writeBarsCsv(file: string, series: BarSeries): Promise<void> {
  let daily = true;
  for (let i = 0; i < series.length && daily; i++) daily = series.time[i]! % DAY_MS === 0;
  const format = daily ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%S.%gZ";
  await withDuckDB(async (db) => {
    await loadSeries(db, series);
    await db.run(
      `COPY (SELECT strftime(${timestamp("time")}, '${format}') AS time,
         CAST(open AS VARCHAR) AS open, CAST(high AS VARCHAR) AS high, CAST(low AS VARCHAR) AS low,
         CAST(close AS VARCHAR) AS close, CAST(volume AS VARCHAR) AS volume FROM bars)
       TO ${quotedString(file)} (FORMAT csv, HEADER true, DELIMITER ',')`);
  });
}

/**
 * Writes `series` as a Parquet file with columns time (TIMESTAMP, UTC), open, high, low, close and
 * volume (DOUBLE) via DuckDB's COPY ... (FORMAT parquet); readBars reads it back to identical
 * Float64Arrays (times are kept to the microsecond). The symbol is not written.
 *
 * @example
 * await writeBarsParquet("/tmp/ORCL.parquet", orcl);
 */
export async function writeBarsParquet(file: string, series: BarSeries): Promise<void> {
  await withDuckDB(async (db) => {
    await loadSeries(db, series);
    await db.run(
      `COPY (SELECT ${timestamp("time")} AS time, open, high, low, close, volume FROM bars)
       TO ${quotedString(file)} (FORMAT parquet)`);
  });
}

/** SQL for a TIMESTAMP from a UTC-ms DOUBLE column, exact to the microsecond. */
function timestamp(column: string): string {
  return `make_timestamp(CAST(round(${column} * 1000) AS BIGINT))`;
}

/** Copies the series into a table `bars` (time, open, high, low, close, volume as DOUBLE), in order. */
async function loadSeries(db: DuckDBConnection, series: BarSeries): Promise<void> {
  await db.run("CREATE TABLE bars (time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)");
  await appendColumns(db, "bars", [series.time, series.open, series.high, series.low, series.close, series.volume]);
}
