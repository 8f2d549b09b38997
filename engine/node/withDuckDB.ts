import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/**
 * Runs `fn` on a connection to a fresh in-memory DuckDB instance and closes both afterwards,
 * even when `fn` throws.
 *
 * One instance per call, not a shared one: creating it costs a few milliseconds, temp tables of
 * concurrent calls cannot collide, and nothing stays open that would keep the process alive.
 * The session time zone is UTC so that timestamps without a zone are read as UTC.
 *
 * @example
 * const n = await withDuckDB(async (db) => (await db.runAndReadAll("SELECT 42")).getRows()[0]![0]);
 */
export async function withDuckDB<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  let db: DuckDBConnection | undefined;
  try {
    db = await instance.connect();
    await db.run("SET TimeZone = 'UTC'");
    return await fn(db);
  } finally {
    db?.closeSync();
    instance.closeSync();
  }
}
