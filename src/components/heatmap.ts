/**
 * A sweep's runs as a chart of one metric, drawn with Observable Plot (bare import, nothing
 * fetched): a pure function (runs, { x, y, metric }) → element.
 *
 * - Two parameters on a grid: a heatmap (Plot `cell`), a color legend, and the value written in
 *   each cell when there are at most 144 cells. Either axis may be a choice or a true/false
 *   parameter (its values in the order the runs give them).
 * - Two parameters from a random search (not a grid): a scatter of dots colored by the metric.
 * - One parameter: the metric against it as a line with a dot per run.
 *
 * Each cell/dot carries `data-run` (the run's index), `data-x`, `data-y` and `data-value`
 * (String(metric), exact) so tests and scripts read raw values; clicking one calls `onSelect`.
 * Runs that failed or whose metric is not finite show as grey cells marked "×" (or are left out
 * of the line chart) and say why in their tooltip.
 */
import * as Plot from "@observablehq/plot";
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import type { SweepRun } from "./backtest.worker.js";

/** The metrics a sweep can show, with how to print them and whether lower is better. */
export const SWEEP_METRICS: readonly { key: keyof Metrics; label: string; percent?: boolean; lowerIsBetter?: boolean }[] = [
  { key: "sharpe", label: "Sharpe" },
  { key: "sortino", label: "Sortino" },
  { key: "calmar", label: "Calmar" },
  { key: "totalReturn", label: "Total return", percent: true },
  { key: "cagr", label: "CAGR", percent: true },
  { key: "maxDrawdown", label: "Max drawdown", percent: true, lowerIsBetter: true },
  { key: "annualVolatility", label: "Annual volatility", percent: true, lowerIsBetter: true },
  { key: "winRate", label: "Win rate", percent: true },
  { key: "profitFactor", label: "Profit factor" },
  { key: "numberOfTrades", label: "Trades" },
  { key: "finalEquity", label: "Final equity" },
];

export interface HeatmapOptions {
  /** The parameter on the x axis. */
  readonly x: string;
  /** The parameter on the y axis; none for a one-parameter sweep. */
  readonly y?: string;
  /** The metric shown. */
  readonly metric: keyof Metrics;
  /** Width in px. Default 760. */
  readonly width?: number;
  /** Called with the index of the run whose cell (or dot) was clicked. */
  readonly onSelect?: (index: number) => void;
  /** The run to outline as selected. */
  readonly selected?: number;
}

interface Datum {
  readonly index: number;
  readonly x: unknown;
  readonly y: unknown;
  readonly value: number;
  readonly error?: string;
}

/** "12.34 %", "1.234", "1,234": the metric's own format. */
export function formatMetric(metric: keyof Metrics, x: number): string {
  if (!Number.isFinite(x)) return x === Infinity ? "∞" : x === -Infinity ? "−∞" : "—";
  const info = SWEEP_METRICS.find((m) => m.key === metric);
  if (info?.percent) return `${(x * 100).toFixed(1)}%`;
  if (metric === "numberOfTrades") return x.toLocaleString("en-US");
  if (metric === "finalEquity") return x.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return x.toFixed(2);
}

/** An axis' values: numbers ascending, false before true, choices in the order they come (a grid's: the schema's). */
const sortValues = (values: unknown[]) => {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => typeof v === "number")) return (distinct as number[]).sort((a, b) => a - b);
  if (distinct.every((v) => typeof v === "boolean")) return distinct.sort((a, b) => Number(a) - Number(b));
  return distinct;
};

/** A linear scale for a numeric axis; a point scale in the values' order for choices and booleans. */
const axisScale = (values: unknown[], label: string): Plot.ScaleOptions =>
  (values.every((v) => typeof v === "number") ? { label } : { type: "point", domain: values, label });

/** Sets data-* on the rendered elements of a mark (they come in the order of `index`). */
function tag(data: readonly Datum[], selector: string) {
  return (index: number[], scales: Plot.ScaleFunctions, values: Plot.ChannelValues, dimensions: Plot.Dimensions, context: Plot.Context, next?: Plot.RenderFunction) => {
    const g = next!(index, scales, values, dimensions, context) as SVGElement;
    const nodes = g.querySelectorAll<SVGElement>(selector);
    index.forEach((i, k) => {
      const d = data[i]!, node = nodes[k];
      if (!node) return;
      node.dataset.run = String(d.index);
      node.dataset.x = String(d.x);
      node.dataset.y = d.y === undefined ? "" : String(d.y);
      node.dataset.value = String(d.value);
      if (d.error) node.dataset.error = d.error;
      node.style.cursor = "pointer";
    });
    return g;
  };
}

/**
 * The chart of `runs` for `options.metric` over `options.x` (and `options.y`).
 *
 * @example
 * display(heatmap(result.runs, { x: "fast", y: "slow", metric: "sharpe", onSelect: (i) => open(result.runs[i]) }));
 */
export function heatmap(runs: readonly SweepRun[], options: HeatmapOptions): HTMLElement {
  const { x, y, metric } = options;
  const width = options.width ?? 760;
  const info = SWEEP_METRICS.find((m) => m.key === metric);
  const label = info?.label ?? metric;
  const data: Datum[] = runs.map((r, index) => ({
    index, x: r.params[x], y: y ? r.params[y] : undefined,
    value: r.metrics ? r.metrics[metric] : NaN,
    ...(r.error ? { error: r.error } : {}),
  }));
  const ok = data.filter((d) => Number.isFinite(d.value));
  const bad = data.filter((d) => !Number.isFinite(d.value));
  const values = ok.map((d) => d.value);
  const lo = Math.min(...values), hi = Math.max(...values);
  const color: Plot.ScaleOptions = {
    legend: true, label, scheme: "RdYlGn", reverse: info?.lowerIsBetter ?? false,
    ...(lo < 0 && hi > 0 ? { type: "diverging" as const, pivot: 0 } : { type: "linear" as const }),
    ...(info?.percent ? { tickFormat: "+.0%" } : {}),
  };
  // how far a value sits toward the dark ends of the color scale (0 = middle, 1 = an end): text on the darkest cells is white
  const diverging = lo < 0 && hi > 0;
  const strong = (v: number) => (diverging ? (v < 0 ? v / lo : v / hi) : hi > lo ? Math.abs(v - (lo + hi) / 2) / ((hi - lo) / 2) : 0) > 0.72;
  const fmt = (d: Datum) => formatMetric(metric, d.value);
  const title = (d: Datum) => `${x} = ${d.x}${y ? `, ${y} = ${d.y}` : ""}\n${label}: ${d.error && !Number.isFinite(d.value) ? `— (${d.error})` : fmt(d)}${d.error && Number.isFinite(d.value) ? `\n${d.error}` : ""}\nclick to open this run`;

  const figure = document.createElement("div");
  figure.className = "qw-heatmap";
  figure.dataset.testid = "heatmap";
  figure.dataset.metric = metric;
  if (runs.length === 0) {
    figure.textContent = "No runs.";
    return figure;
  }

  const xs = sortValues(data.map((d) => d.x));
  const ys = y ? sortValues(data.map((d) => d.y)) : [];
  // a grid has exactly one run per cell (a random search that drew every cell, some twice, is not one)
  const cellCount = new Set(data.map((d) => `${String(d.x)}|${String(d.y)}`)).size;
  const isGrid = y !== undefined && xs.length * ys.length === cellCount && cellCount === data.length;
  let chart: Element;
  if (y && isGrid) {
    figure.dataset.kind = "grid";
    const cellW = Math.max(28, Math.min(100, (width - 90) / xs.length));
    const height = Math.max(160, Math.min(620, ys.length * Math.min(52, cellW * 0.7) + 70));
    const small = xs.length * ys.length <= 144;
    chart = Plot.plot({
      width: Math.min(width, Math.round(cellW * xs.length + 100)), height, marginLeft: 60, marginBottom: 40, padding: 0.04,
      x: { type: "band", domain: xs, label: x, labelAnchor: "center", labelArrow: "none" },
      y: { type: "band", domain: [...ys].reverse(), label: y, labelArrow: "none" },
      color,
      marks: [
        Plot.cell(bad, { x: "x", y: "y", fill: "#e5e7eb", title, render: tag(bad, "rect") }),
        Plot.cell(ok, { x: "x", y: "y", fill: "value", title, render: tag(ok, "rect") }),
        ...(small ? [
          Plot.text(ok, { x: "x", y: "y", text: fmt, fill: (d: Datum) => (strong(d.value) ? "white" : "#111"), fontSize: cellW < 44 ? 9 : 11, fontWeight: 600, pointerEvents: "none" } as Plot.TextOptions),
          Plot.text(bad, { x: "x", y: "y", text: () => "×", fill: "#9ca3af", fontSize: 14, pointerEvents: "none" } as Plot.TextOptions),
        ] : []),
        ...(options.selected !== undefined ? [Plot.cell(data.filter((d) => d.index === options.selected), { x: "x", y: "y", fill: "none", stroke: "#111", strokeWidth: 2.5, pointerEvents: "none" } as Plot.CellOptions)] : []),
      ],
    });
  } else if (y) {
    figure.dataset.kind = "scatter";
    chart = Plot.plot({
      width, height: 420, marginLeft: 60, grid: true,
      x: axisScale(xs, x), y: axisScale(ys, y), color,
      marks: [
        Plot.dot(bad, { x: "x", y: "y", r: 4, stroke: "#9ca3af", symbol: "times", title, render: tag(bad, "path") }),
        Plot.dot(ok, { x: "x", y: "y", r: 6, fill: "value", stroke: "#333", strokeWidth: 0.5, title, render: tag(ok, "circle") }),
        ...(options.selected !== undefined ? [Plot.dot(data.filter((d) => d.index === options.selected), { x: "x", y: "y", r: 10, stroke: "#111", strokeWidth: 2 })] : []),
      ],
    });
  } else {
    figure.dataset.kind = "line";
    const numeric = xs.every((v) => typeof v === "number");
    const sorted = [...ok].sort((a, b) => xs.indexOf(a.x) - xs.indexOf(b.x));
    chart = Plot.plot({
      width, height: 320, marginLeft: 70, grid: true,
      x: numeric ? { label: x } : { type: "point", domain: xs, label: x },
      y: { label, tickFormat: info?.percent ? "+.0%" : undefined, zero: lo > 0 && metric === "numberOfTrades" },
      marks: [
        ...(lo < 0 && hi > 0 ? [Plot.ruleY([0], { stroke: "#999" })] : []),
        Plot.line(sorted, { x: "x", y: "value", stroke: "#2563eb", strokeWidth: 1.5 }),
        Plot.dot(sorted, { x: "x", y: "value", r: 4.5, fill: "value", stroke: "#333", strokeWidth: 0.5, title, render: tag(sorted, "circle") }),
        ...(options.selected !== undefined ? [Plot.dot(sorted.filter((d) => d.index === options.selected), { x: "x", y: "value", r: 9, stroke: "#111", strokeWidth: 2 })] : []),
      ],
      color: { ...color, legend: false },
    });
  }
  figure.append(chart);
  figure.addEventListener("click", (event) => {
    const node = (event.target as Element).closest?.("[data-run]") as HTMLElement | SVGElement | null;
    if (node && options.onSelect) options.onSelect(Number(node.dataset.run));
  });
  return figure;
}
