/**
 * The runs of a session: every completed backtest is kept (its label, metrics, and its time and
 * equity arrays; not the trades, fills or orders), listed with key metrics, and any two or more
 * ticked are compared: overlaid equity curves (Observable Plot, one colour per run, a legend)
 * and their metrics side by side. No Framework globals.
 */
import * as Plot from "@observablehq/plot";
import type { BacktestResult } from "../engine/backtest.js";
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import { el } from "./dataView.js";
import { sampleIndices } from "./equityChart.js";
import { METRIC_ROWS } from "./metricsTable.js";

/** What is kept of one run. */
export interface RunRecord {
  readonly id: number;
  readonly label: string;
  readonly initialCash: number;
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly metrics: Metrics;
}

/** "sma-crossover fast=10 slow=30 · SYN-A" */
export function runLabel(result: Pick<BacktestResult, "strategy" | "params" | "symbols">): string {
  const params = Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${result.strategy}${params ? ` ${params}` : ""} · ${result.symbols.join(", ")}`;
}

/** The record of a run: keeps references to the result's (already transferred) time and equity arrays only. */
export function toRunRecord(result: BacktestResult, id: number): RunRecord {
  return Object.freeze({ id, label: runLabel(result), initialCash: result.initialCash, time: result.time, equity: result.equity, metrics: result.metrics });
}

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];
export const runColor = (id: number) => PALETTE[(id - 1) % PALETTE.length]!;
const name = (r: RunRecord) => `#${r.id} ${r.label}`;
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : "—");
const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : x === Infinity ? "∞" : "—");

/**
 * The equity curves of `runs` on one time axis, one colour per run, with a legend. Each run is
 * one path in the `qw-equity` mark, and carries at most about `maxPoints / runs` points.
 */
export function compareChart(runs: readonly RunRecord[], options: { width?: number; height?: number; maxPoints?: number } = {}): HTMLElement {
  const figure = el("div", { class: "qw-chart", "data-testid": "compare-chart", "data-runs": String(runs.length) });
  const per = Math.max(200, Math.floor((options.maxPoints ?? 4000) / Math.max(1, runs.length)));
  const points: { run: string; t: Date; v: number }[] = [];
  for (const r of runs) for (const i of sampleIndices(r.equity, per)) points.push({ run: name(r), t: new Date(r.time[i]!), v: r.equity[i]! });
  figure.append(Plot.plot({
    width: options.width ?? 760, height: options.height ?? 300, marginLeft: 70, marginRight: 20,
    x: { type: "utc", label: null },
    y: { label: "Equity", grid: true, tickFormat: "~s" },
    color: { legend: true, domain: runs.map(name), range: runs.map((r) => runColor(r.id)) },
    marks: [
      Plot.ruleY([...new Set(runs.map((r) => r.initialCash))], { stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "4,3" }),
      Plot.lineY(points, { x: "t", y: "v", stroke: "run", z: "run", strokeWidth: 1.5, className: "qw-equity" }),
    ],
  }));
  return figure;
}

/** The metrics of `runs` side by side: one column per run; cells carry data-run, data-metric, data-value. */
export function compareMetrics(runs: readonly RunRecord[]): HTMLElement {
  const head = el("tr", {}, el("th", {}, "Metric"), ...runs.map((r) =>
    el("th", { class: "qw-num", "data-run": String(r.id), title: r.label }, el("span", { style: `color:${runColor(r.id)}` }, "■ "), `#${r.id}`, el("br"), el("small", {}, r.label))));
  const rows = METRIC_ROWS.map(([label, key, format]) => el("tr", {}, el("th", {}, label), ...runs.map((r) =>
    el("td", { class: "qw-num", "data-run": String(r.id), "data-metric": key, "data-value": String(r.metrics[key]) }, format(r.metrics[key])))));
  return el("table", { class: "qw-table qw-compare", "data-testid": "compare-metrics" }, el("thead", {}, head), el("tbody", {}, ...rows));
}

/**
 * The "Runs" panel: `add(result)` after every completed run. Keeps at most `maxRuns` (the
 * oldest go first). A "Clear" button forgets them all.
 */
export function runsPanel(options: { width?: () => number; maxRuns?: number } = {}): { element: HTMLElement; add: (result: BacktestResult) => RunRecord; clear: () => void; runs: () => readonly RunRecord[] } {
  const maxRuns = options.maxRuns ?? 20;
  let runs: RunRecord[] = [];
  const ticked = new Set<number>();
  let nextId = 1;
  const list = el("tbody");
  const compare = el("div", { "data-testid": "compare" });
  const clearButton = el("button", { "data-testid": "runs-clear" }, "Clear");
  const status = el("span", { class: "qw-status" });

  const renderCompare = () => {
    const chosen = runs.filter((r) => ticked.has(r.id));
    if (chosen.length < 2) {
      compare.replaceChildren(el("p", { class: "qw-status" }, runs.length < 2 ? "Run two or more backtests to compare them." : "Tick two or more runs to compare them."));
      return;
    }
    const width = Math.max(480, Math.min(960, options.width?.() ?? 760));
    compare.replaceChildren(compareChart(chosen, { width }), el("div", { class: "qw-scroll" }, compareMetrics(chosen)));
  };
  const render = () => {
    list.replaceChildren(...runs.map((r) => {
      const box = el("input", { type: "checkbox", "data-testid": `run-check-${r.id}`, "aria-label": `Compare run #${r.id}` });
      box.checked = ticked.has(r.id);
      box.addEventListener("change", () => {
        if (box.checked) ticked.add(r.id);
        else ticked.delete(r.id);
        renderCompare();
      });
      const m = r.metrics;
      return el("tr", { "data-run": String(r.id) },
        el("td", {}, box),
        el("td", {}, el("span", { style: `color:${runColor(r.id)}` }, "■ "), `#${r.id}`),
        el("td", { class: "qw-run-label" }, r.label),
        el("td", { class: "qw-num" }, pct(m.totalReturn)),
        el("td", { class: "qw-num" }, ratio(m.sharpe)),
        el("td", { class: "qw-num" }, pct(m.maxDrawdown)),
        el("td", { class: "qw-num" }, m.numberOfTrades.toLocaleString("en-US")));
    }));
    status.textContent = runs.length === 0 ? "No runs yet: every completed run is added here." : `${runs.length} run${runs.length === 1 ? "" : "s"} kept (at most ${maxRuns})`;
    clearButton.disabled = runs.length === 0;
    renderCompare();
  };
  const clear = () => {
    runs = [];
    ticked.clear();
    render();
  };
  clearButton.addEventListener("click", clear);
  const table = el("table", { class: "qw-table qw-runs", "data-testid": "runs" },
    el("thead", {}, el("tr", {}, el("th", {}, "Compare"), el("th", {}, "Run"), el("th", {}, "Strategy · params · symbol"),
      el("th", { class: "qw-num" }, "Return"), el("th", { class: "qw-num" }, "Sharpe"), el("th", { class: "qw-num" }, "Max DD"), el("th", { class: "qw-num" }, "Trades"))),
    list);
  render();
  return {
    element: el("div", { class: "qw-runs-panel" }, el("div", { class: "qw-run" }, clearButton, status), table, compare),
    add(result) {
      const record = toRunRecord(result, nextId++);
      runs.push(record);
      while (runs.length > maxRuns) ticked.delete(runs.shift()!.id);
      render();
      return record;
    },
    clear,
    runs: () => runs,
  };
}
