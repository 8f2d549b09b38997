import { open } from "node:fs/promises";
import { DOUBLE, DuckDBDataChunk, DuckDBVector, quotedString } from "@duckdb/node-api";
import type { BarSeries } from "../bars.js";
import { DAY_MS } from "../time.js";
import { withDuckDB } from "./withDuckDB.js";

const HEADER = "time,open,high,low,close,volume\n";
// Rows per write call: large enough that the file system sees few writes, small enough to keep the
// pending text to a few MB.
const ROWS_PER_WRITE = 50_000;

/**
 * Writes `series` as a canonical CSV (`time,open,high,low,close,volume`) that readBars reads back
 * to the same numbers. Times are `YYYY-MM-DD` when every bar starts at midnight UTC, otherwise
 * ISO-8601 UTC with milliseconds (`2020-01-01T09:30:00.000Z`). Numbers are written in JavaScript's
 * shortest round-trip form; DuckDB's CSV writer is not used because it rounds (0.1 + 0.2 becomes 0.3).
 * The symbol is not written: readBars takes it from the file name or options.symbol.
 *
 * @example
 * await writeBarsCsv("/tmp/ORCL.csv", orcl);
 */
export async function writeBarsCsv(file: string, series: BarSeries): Promise<void> {
  const { time, open: o, high, low, close, volume, length } = series;
  let daily = true;
  for (let i = 0; i < length && daily; i++) daily = time[i]! % DAY_MS === 0;
  const stamp = daily
    ? (t: number) => new Date(t).toISOString().slice(0, 10)
    : (t: number) => new Date(t).toISOString();
  const handle = await open(file, "w");
  try {
    await handle.write(HEADER);
    for (let start = 0; start < length; start += ROWS_PER_WRITE) {
      const end = Math.min(length, start + ROWS_PER_WRITE);
      const lines: string[] = [];
      for (let i = start; i < end; i++) {
        lines.push(`${stamp(time[i]!)},${o[i]},${high[i]},${low[i]},${close[i]},${volume[i]}\n`);
      }
      await handle.write(lines.join(""));
    }
  } finally {
    await handle.close();
  }
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
    await db.run("CREATE TABLE bars (time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)");
    const columns = [series.time, series.open, series.high, series.low, series.close, series.volume];
    const appender = await db.createAppender("bars");
    try {
      // Whole data chunks, not appendDouble per value: one native call per 2048 rows instead of six per row.
      const size = DuckDBVector.standardSize();
      for (let start = 0; start < series.length; start += size) {
        const n = Math.min(size, series.length - start);
        const chunk = DuckDBDataChunk.create(columns.map(() => DOUBLE), n);
        columns.forEach((column, c) => {
          const vector = chunk.getColumnVector(c);
          for (let i = 0; i < n; i++) vector.setItem(i, column[start + i]!);
          vector.flush();
        });
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await db.run(
      `COPY (SELECT make_timestamp(CAST(round(time * 1000) AS BIGINT)) AS time, open, high, low, close, volume FROM bars)
       TO ${quotedString(file)} (FORMAT parquet)`);
  });
}
