/**
 * The notebook cells' globals (src/components/notebookBuiltins.ts), wired to a stand-in engine,
 * in the reactive runtime as the published page uses them: every name a cell may read is there,
 * SQL goes to the engine once the sample is loaded and comes back as an Arquero table, and
 * backtest() sends the strategy transpiled (as the editor does) to run on the sample.
 */
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { describe, expect, it, vi } from "vitest";
import * as qw from "../../engine/index.ts";
import { NOTEBOOK_GLOBALS } from "../../engine/node/hub/notebookMarkdown.ts";
import type { BacktestRequest, Engine, TableInfo } from "../../src/components/engineClient.ts";
import { notebookBuiltins, SAMPLE_TABLE } from "../../src/components/notebookBuiltins.ts";
import { NotebookRuntime, type CellEvents, type CellResult, type CellFailure } from "../../src/components/notebookRuntime.ts";

// the browser (UMD) build has no ES default export under Node: the package's own entry is the same API
vi.mock("arquero/dist/arquero.min.js", async () => ({ default: await import("arquero") }));

const SAMPLE: TableInfo = { name: SAMPLE_TABLE, rows: 6, format: "parquet", symbols: ["SYN-A", "SYN-B"], badRows: 0 };

/** An engine that answers every query with two rows and records what it was asked. */
function standIn() {
  const queries: string[] = [];
  const backtests: BacktestRequest[] = [];
  const engine = {
    query: async (q: string) => {
      queries.push(q);
      return tableToIPC(tableFromArrays({ symbol: ["SYN-A", "SYN-B"], n: Int32Array.from([4, 2]) }), "stream");
    },
    backtest: async (request: BacktestRequest) => {
      backtests.push(request);
      return { metrics: { finalEquity: 1 } };
    },
    bars: async (table: string, symbol?: string) => ({ table, symbol }),
  } as unknown as Engine;
  return { engine, queries, backtests };
}

function settle(): { events: CellEvents; done: Promise<CellResult | CellFailure> } {
  let resolve!: (v: CellResult | CellFailure) => void;
  const done = new Promise<CellResult | CellFailure>((r) => { resolve = r; });
  return { events: { pending() {}, display() {}, fulfilled: resolve, rejected: resolve }, done };
}

describe("notebookBuiltins", () => {
  it("defines every global the page lists, and the engine's API by name", () => {
    const { builtins } = notebookBuiltins(standIn().engine, Promise.resolve(SAMPLE));
    for (const name of NOTEBOOK_GLOBALS) if (name !== "display") expect(builtins, name).toHaveProperty(name);
    expect(builtins.qw).toBe(qw);
    expect(builtins.runBacktest).toBe(qw.runBacktest);
    expect(builtins.sma).toBe(qw.sma);
  });

  it("runs an SQL cell on the engine once the sample is in, and a JavaScript cell reads its table", async () => {
    const { engine, queries } = standIn();
    let load!: (info: TableInfo) => void;
    const ready = new Promise<TableInfo>((r) => { load = r; });
    const { builtins, sql } = notebookBuiltins(engine, ready);
    const nb = new NotebookRuntime(builtins, { sql, sqlReady: ready });
    try {
      const q = settle();
      const j = settle();
      nb.set({ id: "q", kind: "sql", source: "select symbol, count(*) as n from data group by symbol", name: "counts" }, q.events);
      nb.set({ id: "j", kind: "js", source: "const total = counts.array(\"n\").reduce((s, x) => s + x, 0);\nconst first = sample.symbols[0];" }, j.events);
      await new Promise((r) => setTimeout(r, 20));
      expect(queries).toEqual([]);
      load(SAMPLE);
      expect(await j.done).toEqual({ kind: "program", values: { total: 6, first: "SYN-A" } });
      expect(queries).toEqual(["select symbol, count(*) as n from data group by symbol"]);
      expect(((await q.done) as Extract<CellResult, { kind: "sql" }>).value).toMatchObject({ numRows: expect.any(Function) });
    } finally {
      nb.dispose();
    }
  });

  it("backtest() sends the strategy transpiled, on the sample's first symbol; a syntax error says its line", async () => {
    const { engine, backtests } = standIn();
    const { builtins } = notebookBuiltins(engine, Promise.resolve(SAMPLE));
    const backtest = builtins.backtest as (source: string, params?: object) => Promise<unknown>;
    const source = "import { defineStrategy } from \"qw\";\nconst n: number = 3;\nexport default defineStrategy({ name: \"x\", params: {}, onBar() {} });\n";
    await backtest(source, { fast: 5 });
    expect(backtests).toHaveLength(1);
    expect(backtests[0]).toMatchObject({ dataset: "data", symbols: "SYN-A", strategy: "notebook", params: { fast: 5 }, cash: 100_000, commission: 0.001 });
    expect(backtests[0]!.source).not.toContain("n: number");
    await expect(backtest("export default {\n  name: ,\n};")).rejects.toThrow(/^line 2: /);
  });
});
