import { DOUBLE, DuckDBDataChunk, DuckDBVector, type DuckDBConnection } from "@duckdb/node-api";

/**
 * Appends Float64Array columns (all of one length) to a DuckDB table whose columns are DOUBLE, in
 * order. Whole data chunks, not appendDouble per value: one native call per 2048 rows instead of
 * one per value.
 *
 * @example
 * await appendColumns(db, "bars", [s.time, s.open, s.high, s.low, s.close, s.volume]);
 */
export async function appendColumns(db: DuckDBConnection, table: string, columns: readonly Float64Array[]): Promise<void> {
  const length = columns[0]?.length ?? 0;
  const appender = await db.createAppender(table);
  try {
    const size = DuckDBVector.standardSize();
    for (let start = 0; start < length; start += size) {
      const n = Math.min(size, length - start);
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
}
