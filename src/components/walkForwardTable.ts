/**
 * A walk-forward's numbers as tables: one row per window, and the walk-forward efficiency. Pure
 * functions of the result (no Framework globals). Cells carry the raw number in `data-value`
 * (String(x), exact) so that tests and scripts read what the engine computed, not its rounding.
 */
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import type { WalkForwardResult, WalkForwardRow } from "../engine/walkForwardCombine.js";
import { el } from "./dataView.js";
import { formatMetric, SWEEP_METRICS } from "./heatmap.js";

/** "2024-03-01", or "2024-03-01 09:00" off midnight. */
const stamp = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ");
};
/** "2024-01-01 → 03-01": a year is written only where it changes (from `yearOf`'s, then from the start's). */
const period = (fromMs: number, toMs: number, yearOf = NaN) => {
  const a = stamp(fromMs), b = stamp(toMs);
  const before = Number.isNaN(yearOf) ? "" : stamp(yearOf).slice(0, 5);
  return `${a.slice(0, 5) === before ? a.slice(5) : a} → ${a.slice(0, 5) === b.slice(0, 5) ? b.slice(5) : b}`;
};
const finite = (f: (x: number) => string) => (x: number) => (Number.isFinite(x) ? f(x) : x === Infinity ? "∞" : "—");
const pct = finite((x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)} %`);
const ratio = finite((x) => x.toFixed(2));
const money = finite((x) => x.toLocaleString("en-US", { maximumFractionDigits: 0 }));
const labelOf = (metric: keyof Metrics) => SWEEP_METRICS.find((m) => m.key === metric)?.label ?? metric;

/** A number cell: the formatted text, the exact value in data-value, and its column in data-col. */
const num = (col: string, value: number, text: string, cls = "") => el("td", { class: `qw-num ${cls}`.trim(), "data-col": col, "data-value": String(value) }, text);
const sign = (x: number) => (x > 0 ? "qw-gain" : x < 0 ? "qw-loss" : "");

export interface WindowsTableOptions {
  /** The optimised parameters: the ones shown as the choice. Default all of the chosen set. */
  readonly params?: readonly string[];
}

/**
 * One row per window: its in-sample and out-of-sample spans, the chosen parameters, the metric in
 * and out of sample, the window's out-of-sample return and trades, the equity it ended with, and
 * its efficiency. A window that did not trade says why. Rows carry `data-window` (its index) and
 * `data-params` (the chosen set as JSON).
 *
 * @example
 * display(walkForwardTable(result, { params: ["fast", "slow"] }));
 */
export function walkForwardTable(result: WalkForwardResult, options: WindowsTableOptions = {}): HTMLElement {
  const { metric } = result;
  const label = labelOf(metric);
  const names = options.params;
  const chosen = (r: WalkForwardRow) => {
    if (!r.params) return el("span", { class: "qw-bad" }, r.note ?? "—");
    const text = names ? names.map((n) => String(r.params![n])).join(" · ") : Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(" ");
    return el("span", { title: Object.entries(r.params).map(([k, v]) => `${k} = ${String(v)}`).join("\n") }, text, ...(r.note ? [el("br"), el("small", { class: "qw-bad" }, r.note)] : []));
  };
  const rows = result.windows.map((r) => {
    const w = r.window;
    const ret = r.endEquity / r.startEquity - 1;
    const oosValue = r.outOfSample ? r.outOfSample[metric] : NaN;
    return el("tr", { "data-window": String(w.index), "data-params": r.params ? JSON.stringify(r.params) : "" },
      el("td", { class: "qw-num" }, String(w.index + 1)),
      el("td", {}, period(w.inSample.fromMs, w.inSample.toMs)),
      el("td", {}, period(w.outOfSample.fromMs, w.outOfSample.toMs, w.inSample.toMs), ...(w.partial ? [el("small", { title: "cut short by the end of the data" }, " *")] : [])),
      el("td", { "data-col": "params" }, chosen(r)),
      num("is-metric", r.selection.value, formatMetric(metric, r.selection.value)),
      num("oos-metric", oosValue, formatMetric(metric, oosValue)),
      num("oos-return", ret, pct(ret), sign(ret)),
      num("trades", r.outOfSample?.numberOfTrades ?? 0, String(r.outOfSample?.numberOfTrades ?? 0)),
      num("end-equity", r.endEquity, money(r.endEquity)),
      num("efficiency", r.efficiency, ratio(r.efficiency)),
      el("td", { class: "qw-num", title: `${r.selection.qualified} qualified, ${r.selection.failed} failed, ${r.selection.unscored} without a ${metric}` }, `${r.selection.qualified}/${r.candidates.length}`));
  });
  const head = ["#", "In sample", "Out of sample", names ? names.join(" · ") : "Chosen", `IS ${label}`, `OOS ${label}`, "OOS return", "Trades", "End equity", "Efficiency", "Runs"];
  const partial = result.windows.some((r) => r.window.partial) ? " *: cut short by the end of the data." : "";
  return el("div", { class: "qw-scroll", "data-testid": "wf-windows" },
    el("table", { class: "qw-table qw-wf-windows" },
      el("caption", {}, `${result.windows.length} windows, each trading the set with its best in-sample ${label}. Efficiency: annualised OOS return ÷ annualised IS return. Runs: in-sample runs that qualified (hover for why not).${partial}`),
      el("thead", {}, el("tr", {}, ...head.map((h, i) => el("th", { class: i === 0 || i >= 4 ? "qw-num" : "" }, h)))),
      el("tbody", {}, ...rows)));
}

/**
 * The walk-forward efficiency (Pardo's ratio of annualised out-of-sample to in-sample returns)
 * and the same for the selection metric, with the means behind them.
 *
 * @example
 * display(efficiencyTable(result));
 */
export function efficiencyTable(result: WalkForwardResult): HTMLElement {
  const e = result.efficiency;
  const label = labelOf(result.metric);
  const row = (name: string, key: string, value: number, text: string, hint = "") =>
    el("tr", {}, el("th", {}, name, ...(hint ? [el("br"), el("small", {}, hint)] : [])), el("td", { class: "qw-num", "data-metric": key, "data-value": String(value) }, text));
  return el("table", { class: "qw-table qw-metrics qw-wf-efficiency", "data-testid": "wf-efficiency" },
    el("tbody", {},
      row("Walk-forward efficiency", "efficiency", e.ratio, ratio(e.ratio), "annualised OOS ÷ IS return; above 0.5 is usually called robust"),
      row("In-sample return (annualised)", "isAnnualReturn", e.inSampleAnnualReturn, pct(e.inSampleAnnualReturn), "mean over the windows, of the chosen sets"),
      row("Out-of-sample return (annualised)", "oosAnnualReturn", e.outOfSampleAnnualReturn, pct(e.outOfSampleAnnualReturn)),
      row(`${label}: in sample → out of sample`, "metricRatio", e.metric.ratio,
        `${formatMetric(result.metric, e.metric.inSample)} → ${formatMetric(result.metric, e.metric.outOfSample)}${Number.isFinite(e.metric.ratio) ? ` (${ratio(e.metric.ratio)}×)` : ""}`, "means over the windows"),
      row("Windows that traded", "windows", e.windows, `${e.windows} of ${result.windows.length}`)));
}
