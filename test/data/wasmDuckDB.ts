import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as duckdb from "@duckdb/duckdb-wasm/blocking";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import type { BarSeries } from "../../engine/bars.js";

/**
 * The browser's DuckDB (duckdb-wasm 1.32.0 = DuckDB v1.4.3) run in Node through the blocking
 * bundle, with extension autoloading off as in the worker (STACK.md section 4, pitfall P7).
 */
export async function openWasmDuckDB(): Promise<duckdb.DuckDBConnection & { close(): void }> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm"));
  const db = await duckdb.createDuckDB({
    mvp: { mainModule: join(dist, "duckdb-mvp.wasm"), mainWorker: join(dist, "duckdb-node-mvp.worker.cjs") },
    eh: { mainModule: join(dist, "duckdb-eh.wasm"), mainWorker: join(dist, "duckdb-node-eh.worker.cjs") },
  }, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
  const conn = db.connect();
  conn.query("SET autoinstall_known_extensions = false");
  conn.query("SET autoload_known_extensions = false");
  const closeConnection = conn.close.bind(conn);
  return Object.assign(conn, { close: () => { closeConnection(); db.reset(); } });
}

/** Creates table `table` (canonical columns) in duckdb-wasm from BarSeries, through Arrow IPC. */
export function loadSeriesWasm(conn: duckdb.DuckDBConnection, table: string, series: readonly BarSeries[]): void {
  conn.query(`CREATE TABLE ${table} (symbol VARCHAR, time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)`);
  for (const s of series) {
    const arrow = tableFromArrays({ time: s.time, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume });
    conn.insertArrowFromIPCStream(tableToIPC(arrow, "stream"), { name: `${table}_stage`, create: true });
    conn.query(`INSERT INTO ${table} SELECT '${s.symbol.replaceAll("'", "''")}', * FROM ${table}_stage`);
    conn.query(`DROP TABLE ${table}_stage`);
  }
}

/** The columns of a canonical result (symbol, time, open, high, low, close, volume) as plain arrays. */
export function wasmColumns(conn: duckdb.DuckDBConnection, sql: string): Record<string, unknown[]> {
  const result = conn.query(sql);
  const out: Record<string, unknown[]> = {};
  for (const field of result.schema.fields) {
    out[field.name] = Array.from(result.getChild(field.name)!.toArray() as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? Number(v) : v));
  }
  return out;
}
