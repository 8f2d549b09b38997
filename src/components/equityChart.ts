/**
 * Equity and drawdown of a backtest, drawn with Observable Plot (bare import: bundled from
 * node_modules, nothing fetched). A pure function of the result: (result, options) → element.
 */
import * as Plot from "@observablehq/plot";
import type { BacktestResult } from "../engine/backtest.js";

export interface EquityChartOptions {
  /** Width in px. Default 760. */
  readonly width?: number;
  /** Height of the equity panel in px; the drawdown panel is 40 % of it. Default 280. */
  readonly height?: number;
  /** At most about this many points are drawn (min and max per bucket, so no spike is lost). Default 2000. */
  readonly maxPoints?: number;
}

/**
 * Indices to draw from `n` samples: all when `n <= maxPoints`, else per bucket the first, and the
 * smallest and largest `values`, in time order, and always the last.
 */
export function sampleIndices(values: Float64Array, maxPoints: number): number[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const size = Math.ceil(n / Math.max(1, Math.floor(maxPoints / 3)));
  const out: number[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = start, hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i]! < values[lo]!) lo = i;
      if (values[i]! > values[hi]!) hi = i;
    }
    for (const i of [...new Set([start, lo, hi])].sort((a, b) => a - b)) out.push(i);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/**
 * Two panels sharing the time axis: equity (with the starting cash as a rule) and drawdown (as a
 * negative percentage area).
 *
 * @example
 * display(equityChart(result, { width }));
 */
export function equityChart(result: BacktestResult, options: EquityChartOptions = {}): HTMLElement {
  const width = options.width ?? 760;
  const height = options.height ?? 280;
  const { time, equity, drawdown } = result;
  const figure = document.createElement("div");
  figure.className = "qw-chart";
  figure.dataset.testid = "equity-chart";
  if (time.length === 0) {
    figure.textContent = "No equity samples: the run stopped before its first bar.";
    return figure;
  }
  const index = sampleIndices(equity, options.maxPoints ?? 2000);
  const drawIndex = sampleIndices(drawdown, options.maxPoints ?? 2000);
  const date = (i: number) => new Date(time[i]!);
  const domain = [new Date(time[0]!), new Date(time[time.length - 1]!)];
  const common = { width, marginLeft: 70, marginRight: 20, x: { type: "utc" as const, domain } };
  const top = Plot.plot({
    ...common,
    height,
    marginBottom: 24,
    y: { label: "Equity", grid: true, tickFormat: "~s" },
    x: { ...common.x, label: null },
    marks: [
      Plot.ruleY([result.initialCash], { stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "4,3" }),
      Plot.lineY(index, { x: date, y: (i: number) => equity[i]!, stroke: "#2563eb", strokeWidth: 1.5 }),
    ],
  });
  const bottom = Plot.plot({
    ...common,
    height: Math.round(height * 0.4),
    y: { label: "Drawdown (%)", grid: true, domain: [Math.min(-0.001, ...Array.from(drawIndex, (i) => drawdown[i]!)) * 100, 0] },
    x: { ...common.x, label: null },
    marks: [
      Plot.areaY(drawIndex, { x: date, y: (i: number) => drawdown[i]! * 100, fill: "#dc2626", fillOpacity: 0.3 }),
      Plot.lineY(drawIndex, { x: date, y: (i: number) => drawdown[i]! * 100, stroke: "#dc2626", strokeWidth: 1 }),
      Plot.ruleY([0]),
    ],
  });
  figure.append(top, bottom);
  return figure;
}
