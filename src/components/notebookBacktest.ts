/**
 * A strategy cell's Backtest bar and results: the cell's source (a module whose default export is
 * a strategy definition, TypeScript or JavaScript) is transpiled in the page (./strategyTranspile.ts,
 * the strategy editor's step) and run in the engine's backtest worker on a symbol of a loaded
 * table (the built-in sample, "data", unless the notebook loaded others), with the strategy's
 * default parameters; the metrics and equity show below the cell. The results are this viewer's:
 * the document holds sources, not outputs.
 */
import { el } from "./dataView.js";
import type { Engine } from "./engineClient.js";
import { equityChart } from "./equityChart.js";
import { metricsTable } from "./metricsTable.js";
import { transpileStrategy } from "./strategyTranspile.js";

export interface StrategyPanelOptions {
  readonly engine: Engine;
  /** The cell's current source. */
  readonly source: () => string;
  /** Resolves once the sample is loaded (the tables exist). */
  readonly ready: Promise<unknown>;
  /** A problem in the code at a line (to mark it in the cell). */
  readonly onProblem?: (line: number, message: string) => void;
  readonly width?: () => number;
}

export interface StrategyPanel {
  /** The bar (dataset, symbol, cash, commission, Backtest) and the results under it. */
  readonly element: HTMLElement;
  run(): Promise<void>;
}

const fmt = (x: number) => x.toLocaleString("en-US");
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function strategyPanel(options: StrategyPanelOptions): StrategyPanel {
  const { engine } = options;
  const datasetSelect = el("select", { "data-testid": "bt-dataset", "aria-label": "Table" }, el("option", { value: "data" }, "data (sample, 1h)"));
  const symbolSelect = el("select", { "data-testid": "bt-symbol", "aria-label": "Symbol" });
  const cashInput = el("input", { type: "number", value: "100000", min: "1", step: "any", "data-testid": "bt-cash", "aria-label": "Cash" });
  const commissionInput = el("input", { type: "number", value: "0.001", min: "0", max: "0.1", step: "any", "data-testid": "bt-commission", "aria-label": "Commission rate" });
  const button = el("button", { type: "button", class: "qw-primary", "data-testid": "backtest" }, "Backtest");
  const progress = el("progress", { max: "1", value: "0" });
  progress.hidden = true;
  const status = el("span", { class: "qw-status", "data-testid": "bt-status", "aria-live": "polite" });
  const results = el("div", { class: "qw-nb-bt-results", "data-testid": "bt-results" });

  async function fillSymbols(): Promise<void> {
    const table = datasetSelect.value;
    const chosen = symbolSelect.value;
    try {
      const info = await engine.table(table);
      symbolSelect.replaceChildren(...info.symbols.map((s) => el("option", s === chosen ? { value: s, selected: "" } : { value: s }, s)));
    } catch (error) {
      status.textContent = `cannot read ${table}: ${message(error)}`;
    }
  }
  async function fillTables(): Promise<void> {
    const chosen = datasetSelect.value;
    const names = await engine.tables().catch(() => ["data"]);
    datasetSelect.replaceChildren(...names.map((n) => el("option", n === chosen ? { value: n, selected: "" } : { value: n }, n === "data" ? "data (sample, 1h)" : n)));
  }
  void options.ready.then(() => fillSymbols(), () => {});
  datasetSelect.addEventListener("focus", () => void fillTables());
  datasetSelect.addEventListener("change", () => void fillSymbols());

  async function run(): Promise<void> {
    const source = options.source();
    const t = transpileStrategy(source);
    if (!t.ok) {
      const p = t.problems[0]!;
      status.textContent = "";
      results.replaceChildren(el("div", { class: "qw-error", role: "alert", "data-testid": "bt-error" }, el("strong", {}, `Line ${p.line}: `), p.message));
      options.onProblem?.(p.line, p.message);
      return;
    }
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "running…";
    const started = performance.now();
    try {
      await options.ready;
      if (!symbolSelect.value) await fillSymbols();
      const request = {
        dataset: datasetSelect.value, symbols: symbolSelect.value, strategy: "notebook", source: t.code, params: {},
        cash: cashInput.valueAsNumber || 100_000, commission: commissionInput.valueAsNumber || 0,
      };
      const result = await engine.backtest(request, (f) => { progress.value = f; }, { watchdogMs: 15_000 });
      const ms = Math.round(performance.now() - started);
      const params = Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(" ");
      const head = el("p", { class: "qw-result-head", "data-testid": "bt-summary" },
        el("strong", {}, result.strategy), ` ${params} on ${result.symbols.join(", ")} · ${fmt(result.barsProcessed)} bars · ${fmt(result.trades.length)} trades · ${fmt(ms)} ms`);
      const stopped = result.error
        ? [el("div", { class: "qw-error", role: "alert", "data-testid": "bt-error" }, el("strong", {}, `The run stopped (${result.error.code}): `), result.error.message,
          el("br"), `The results are those of the ${fmt(result.barsProcessed)} bars up to that point.`)]
        : [];
      const width = Math.max(420, Math.min(900, options.width?.() ?? 760));
      results.replaceChildren(head, ...stopped, metricsTable(result), equityChart(result, { width, height: 200 }));
      status.textContent = result.error ? "stopped by an error" : `done in ${fmt(ms)} ms`;
      const line = result.error && /line (\d+)/.exec(result.error.message)?.[1];
      if (line) options.onProblem?.(Number(line), result.error!.message);
    } catch (error) {
      status.textContent = "failed";
      results.replaceChildren(el("div", { class: "qw-error", role: "alert", "data-testid": "bt-error" }, el("strong", {}, "Could not run: "), message(error)));
      const line = /line (\d+)/.exec(message(error))?.[1];
      if (line) options.onProblem?.(Number(line), message(error));
    } finally {
      button.disabled = false;
      progress.hidden = true;
    }
  }
  button.addEventListener("click", () => void run());

  const field = (label: string, input: HTMLElement) => el("label", { class: "qw-nb-bt-field" }, el("span", {}, label), input);
  const bar = el("div", { class: "qw-nb-bt-bar" },
    field("Table", datasetSelect), field("Symbol", symbolSelect), field("Cash", cashInput), field("Commission", commissionInput),
    button, progress, status);
  return {
    element: el("div", { class: "qw-nb-backtest" }, bar,
      el("small", { class: "qw-hint" }, "Runs the cell's strategy with its parameters' defaults in the backtest worker; the results are yours only (others run it themselves)."),
      results),
    run,
  };
}
