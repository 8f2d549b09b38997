/**
 * What every notebook cell may read besides the other cells' names, for a page that has an
 * engine (./engineClient.ts) loading the built-in sample as the SQL table `data`: Plot, aq
 * (Arquero), the engine's public API (each export by name, and all of it as `qw`), `engine`,
 * `sample` (the table's TableInfo), `sql(query)`, `bars(symbol)`, `backtest(source, params?)`
 * (strategy code transpiled as the strategy editor does), `table(t)`, `chart(t)`, `inspect`,
 * `el`, `metricsTable`, `equityChart`. The names are NOTEBOOK_GLOBALS (a cell's result may not
 * take them) plus the API's.
 *
 * The published notebook page (./notebookPublished.ts) evaluates cells with these; they are the
 * ones the live Notebook page (src/notebook.md) defines, so a cell gives the same value on both.
 *
 * @example
 * const ready = engine.init().then(() => engine.loadUrl(SAMPLE_TABLE, url));
 * const { builtins, sql } = notebookBuiltins(engine, ready);
 * const runtime = new NotebookRuntime(builtins, { sql, sqlReady: ready });
 */
import * as Plot from "@observablehq/plot";
import type { ColumnTable } from "arquero";
import aq from "arquero/dist/arquero.min.js";
import * as qw from "../engine/index.js";
import { el } from "./dataView.js";
import type { BacktestResult, Engine, TableInfo } from "./engineClient.js";
import { equityChart } from "./equityChart.js";
import { metricsTable } from "./metricsTable.js";
import { quickChart } from "./notebookChart.js";
import { inspect, tableView } from "./notebookOutput.js";
import { transpileStrategy } from "./strategyTranspile.js";

/** The SQL table the built-in sample is loaded as. */
export const SAMPLE_TABLE = "data";

export interface BacktestOptions {
  readonly symbol?: string;
  readonly table?: string;
  readonly cash?: number;
  readonly commission?: number;
}

export interface NotebookBuiltins {
  /** For `new NotebookRuntime(builtins, …)`. */
  readonly builtins: Readonly<Record<string, unknown>>;
  /** Runs a query once the sample is loaded; an Arquero table. What SQL cells run. */
  readonly sql: (query: string) => Promise<ColumnTable>;
}

/** The cells' globals for `engine`, whose sample table is ready when `sampleReady` resolves. */
export function notebookBuiltins(engine: Engine, sampleReady: Promise<TableInfo>): NotebookBuiltins {
  const sql = async (query: string): Promise<ColumnTable> => {
    await sampleReady;
    return aq.fromArrow(await engine.query(query));
  };
  const bars = async (symbol?: string, table = SAMPLE_TABLE) => {
    await sampleReady;
    return engine.bars(table, symbol);
  };
  /** Backtests strategy code (a module whose default export is the definition) in the backtest worker. */
  const backtest = async (source: string, params: Record<string, unknown> = {}, options: BacktestOptions = {}): Promise<BacktestResult> => {
    const { symbol, table = SAMPLE_TABLE, cash = 100_000, commission = 0.001 } = options;
    const info = await sampleReady;
    const t = transpileStrategy(source);
    if (!t.ok) throw new Error(`line ${t.problems[0]!.line}: ${t.problems[0]!.message}`);
    return engine.backtest({ dataset: table, symbols: symbol ?? info.symbols[0]!, strategy: "notebook", source: t.code, params, cash, commission });
  };
  const engineApi = Object.fromEntries(Object.entries(qw).filter(([k]) => /^[A-Za-z_$][\w$]*$/.test(k)));
  const builtins = {
    ...engineApi, qw, Plot, aq,
    engine: sampleReady.then(() => engine), sample: sampleReady,
    sql, bars, backtest,
    table: (t: ColumnTable, limit = 20) => tableView(t, { limit }),
    chart: (t: ColumnTable, options?: Parameters<typeof quickChart>[1]) =>
      quickChart(t, options) ?? el("p", { class: "qw-status" }, "nothing to chart: no number column"),
    inspect, el, metricsTable, equityChart,
  };
  return { builtins, sql };
}
