/**
 * The page's handle on the engine worker (./engine.worker.ts): DuckDB-wasm in a web worker,
 * driven through comlink.
 *
 * @example
 * const engine = openEngine();
 * await engine.init();                                   // {duckdb: "v1.4.3", bundle: "eh"}
 * await engine.loadUrl("btc", await FileAttachment("data/sample-1h.parquet").url());
 * const report = await engine.validate("btc");           // {ok, errorCount, errors: [{row, column, code, value, message}]}
 * const bars = await engine.bars("btc");                 // BarSeries; its Float64Arrays were transferred, not copied
 */
import * as Comlink from "comlink";
import type { BarSeries } from "../engine/bars.js";
import type { EngineApi, EngineInfo, TableInfo, DataReport, LoadOptions } from "./engine.worker.js";

export type { EngineInfo, TableInfo, DataReport, LoadOptions };

/** The engine as the page sees it: a frozen plain object (never the raw comlink proxy, see STACK.md P9). */
export interface Engine {
  init(): Promise<EngineInfo>;
  /** Loads a file from a URL (relative URLs are taken relative to the page); `options.columns` maps a generic CSV's header. */
  loadUrl(name: string, url: string, options?: LoadOptions): Promise<TableInfo>;
  /** Loads a picked or dropped File (CSV or Parquet); `options.columns` maps a generic CSV's header. */
  loadFile(name: string, file: File, options?: LoadOptions): Promise<TableInfo>;
  table(name: string): Promise<TableInfo>;
  validate(name: string, limit?: number): Promise<DataReport>;
  resample(name: string, timeframe: Parameters<EngineApi["resample"]>[1], as: string): Promise<TableInfo>;
  bars(name: string, symbol?: string): Promise<BarSeries>;
  /** Arrow IPC stream bytes; decode with apache-arrow's tableFromIPC. */
  query(sql: string): Promise<Uint8Array>;
  tables(): Promise<string[]>;
  /** Stops the worker (and DuckDB with it). */
  terminate(): void;
}

/** Starts an engine worker. Call `init()` before anything else, and `terminate()` when done. */
export function openEngine(): Engine {
  // Framework rewrites this literal to the built worker module and bundles its imports (STACK.md
  // 2.3); `new URL(..., import.meta.url)` would 404 in the built site (P10).
  const worker = new Worker(import.meta.resolve("./engine.worker.js"), { type: "module", name: "engine" });
  const remote = Comlink.wrap<EngineApi>(worker);
  // Errors thrown in the worker arrive as Errors with the worker's message.
  const absolute = (url: string) => new URL(url, globalThis.location?.href).href;
  return Object.freeze({
    init: () => remote.init(),
    loadUrl: (name: string, url: string, options?: LoadOptions) => remote.loadUrl(name, absolute(url), options),
    loadFile: (name: string, file: File, options?: LoadOptions) => remote.loadFile(name, file, options),
    table: (name: string) => remote.table(name),
    validate: (name: string, limit?: number) => remote.validate(name, limit),
    resample: (name: string, timeframe: Parameters<EngineApi["resample"]>[1], as: string) => remote.resample(name, timeframe, as),
    bars: (name: string, symbol?: string) => remote.bars(name, symbol),
    query: (sql: string) => remote.query(sql),
    tables: () => remote.tables(),
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  });
}
