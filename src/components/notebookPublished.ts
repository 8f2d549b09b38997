/**
 * A published notebook page (src/notebooks/<slug>.md, written by the hub with
 * engine/node/hub/notebookMarkdown.ts) brought to life: its code cells run in this browser with
 * the live Notebook page's evaluator: the reactive runtime (./notebookRuntime.ts), the same
 * globals (./notebookBuiltins.ts: the built-in hourly sample as the SQL table `data`, SQL in
 * DuckDB in the engine worker), the same output views (./notebookOutput.ts) and, for strategy
 * cells, the same Backtest panel (./notebookBacktest.ts, which transpiles as the editor does).
 * Each cell's output goes into the box the page has for it (`[data-qw-cell="<id>"]`); the
 * returned element is a status line: what runs on what, and how it went.
 *
 * @example
 * // in the page's one ```js block
 * const notebook = runPublishedNotebook(cells, { sampleUrl: await FileAttachment("../data/sample-1h.parquet").url() });
 * invalidation.then(() => notebook.dispose());
 * display(notebook.element);
 */
import type { PublishedCell } from "../engine/node/hub/notebookMarkdown.js";
import { el } from "./dataView.js";
import { openEngine, type Engine, type TableInfo } from "./engineClient.js";
import { sqlNameComment } from "./notebookAnalysis.js";
import { strategyPanel } from "./notebookBacktest.js";
import { notebookBuiltins, SAMPLE_TABLE } from "./notebookBuiltins.js";
import { failureView, inspect, isTable, sqlResultView, valuesView } from "./notebookOutput.js";
import { NotebookRuntime, type CellEvents } from "./notebookRuntime.js";

export type { PublishedCell };

export interface PublishedNotebookOptions {
  /** The built-in sample's URL (the page's FileAttachment), loaded as the table `data`. */
  readonly sampleUrl: string;
  /** The box for cell `id`'s output. Default: the page's element with data-qw-cell="<id>". */
  readonly output?: (id: string) => HTMLElement | null;
}

export interface PublishedNotebook {
  /** The status line: loading, running, and then how many cells ran and which failed. */
  readonly element: HTMLElement;
  /** Stops the cells and the engine's workers. */
  dispose(): void;
}

const fmt = (n: number) => n.toLocaleString("en-US");
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;

/** Where a cell's state and values go: its box, as the live page's cell view shows them. */
function cellEvents(out: HTMLElement, label: (id: string) => string, width: () => number, settled: (ok: boolean) => void): CellEvents {
  let fresh = false; // a run began and has shown nothing yet: its first output replaces the old
  const clearIfFresh = () => {
    if (!fresh) return;
    fresh = false;
    out.replaceChildren();
  };
  const done = (state: string) => {
    out.classList.remove("qw-nb-stale");
    out.dataset.state = state;
  };
  return {
    pending() {
      fresh = true;
      out.classList.add("qw-nb-stale");
      out.dataset.state = "running";
    },
    display(value) {
      clearIfFresh();
      out.classList.remove("qw-nb-stale");
      out.append(el("div", { class: "qw-nb-display" }, inspect(value)));
    },
    fulfilled(result) {
      clearIfFresh();
      done("ok");
      if (result.kind === "expression") {
        if (result.value !== undefined || out.childElementCount === 0) out.append(el("div", { class: "qw-nb-display", "data-testid": "cell-value" }, inspect(result.value)));
      } else if (result.kind === "program") {
        if (Object.keys(result.values).length > 0) out.append(valuesView(result.values));
      } else if (!result.empty) {
        out.append(isTable(result.value) ? sqlResultView(result.value, { width: width(), ...(result.name ? { name: result.name } : {}) }) : inspect(result.value));
      }
      settled(true);
    },
    rejected(failure) {
      clearIfFresh();
      done(failure.input ? "blocked" : "error");
      out.append(failureView(failure, label));
      settled(false);
    },
  };
}

/**
 * Runs `cells` (the page's code cells, in page order) and fills their boxes. Cells that fail
 * show their error in their box; the others run on. Nothing starts the engine when there is no
 * code cell.
 */
export function runPublishedNotebook(cells: readonly PublishedCell[], options: PublishedNotebookOptions): PublishedNotebook {
  const status = el("p", { class: "qw-hint qw-pub-status", "data-testid": "published-status", "aria-live": "polite" });
  const setStatus = (state: string, ...content: (Node | string)[]) => {
    status.dataset.state = state;
    status.replaceChildren(...content);
  };
  if (cells.length === 0) {
    setStatus("ok", "This notebook has no code cells: nothing to run.");
    return { element: status, dispose() {} };
  }

  const boxOf = options.output ?? ((id: string) => document.querySelector<HTMLElement>(`[data-qw-cell="${id}"]`));
  const numbers = new Map(cells.map((c) => [c.id, c.number]));
  const label = (id: string) => (numbers.has(id) ? `cell [${numbers.get(id)}]` : "another cell");

  const engine: Engine = openEngine();
  const sampleReady: Promise<TableInfo> = engine.init().then(() => engine.loadUrl(SAMPLE_TABLE, options.sampleUrl));
  const { builtins, sql } = notebookBuiltins(engine, sampleReady);
  const runtime = new NotebookRuntime(builtins, { sql, sqlReady: sampleReady });

  const evaluated = cells.filter((c) => c.kind === "js" || c.kind === "sql");
  const outcome = new Map<string, boolean>();
  let sampleText = "the built-in hourly sample (table data)";
  let sampleError: string | undefined;
  const strategies = cells.length - evaluated.length;
  const summary = () => {
    if (sampleError) return setStatus("error", el("strong", {}, "The sample could not load: "), sampleError);
    const backtests = strategies ? ` ${strategies === 1 ? "The strategy cell runs" : "Strategy cells run"} when you press its Backtest button.` : "";
    if (evaluated.length === 0) return setStatus("ok", `This notebook runs in your browser on ${sampleText}.${backtests}`);
    const base = `${plural(evaluated.length, "cell")} of this notebook ${evaluated.length === 1 ? "runs" : "run"} in your browser on ${sampleText}`;
    if (outcome.size < evaluated.length) return setStatus("running", `${base}: ${fmt(outcome.size)} of ${fmt(evaluated.length)} done…`);
    const failed = evaluated.filter((c) => outcome.get(c.id) === false);
    if (failed.length === 0) return setStatus("ok", `${base}: all ran.${backtests}`);
    return setStatus("error", `${base}: `, el("span", { class: "qw-bad" },
      `${failed.length === evaluated.length ? "all" : fmt(failed.length)} failed (${failed.map((c) => `cell [${c.number}]`).join(", ")}), see below.`), backtests);
  };
  setStatus("loading", "Loading the built-in hourly sample into DuckDB…");
  sampleReady.then(
    (info) => {
      sampleText = `the built-in hourly sample (table data: ${fmt(info.rows)} bars of ${info.symbols.join(", ")})`;
      summary();
    },
    (error) => {
      sampleError = message(error);
      summary();
    });

  for (const cell of cells) {
    const out = boxOf(cell.id) ?? el("div");
    const width = () => Math.min(900, out.clientWidth || 900);
    if (cell.kind === "strategy") {
      out.dataset.state = "ready";
      out.replaceChildren(strategyPanel({ engine, ready: sampleReady, source: () => cell.source, width }).element);
      continue;
    }
    const name = cell.kind === "sql" ? sqlNameComment(cell.source) ?? cell.name : undefined;
    const events = cellEvents(out, label, width, (ok) => {
      outcome.set(cell.id, ok);
      if (status.dataset.state !== "loading") summary();
    });
    runtime.set({ id: cell.id, kind: cell.kind, source: cell.source, ...(name ? { name } : {}) }, events);
  }

  return {
    element: status,
    dispose() {
      runtime.dispose();
      engine.terminate();
    },
  };
}
