/**
 * The rolling Sharpe ratio over time, drawn with Observable Plot (bare import): a line, zero, and
 * the whole run's Sharpe as a dashed rule. A pure function of the report's figures.
 */
import * as Plot from "@observablehq/plot";
import type { RollingSharpe } from "../../engine/report/rollingSharpe.js";
import { el } from "../../components/dataView.js";

/**
 * @example
 * display(rollingSharpeChart(report.sheet.rollingSharpe, { overall: metrics.sharpe, width }));
 */
export function rollingSharpeChart(rolling: RollingSharpe, options: { overall: number; width?: number; height?: number; span?: readonly [number, number] }): HTMLElement {
  const figure = el("div", { class: "qw-figure", "data-testid": "rolling-sharpe", "data-window": String(rolling.window) });
  const points = rolling.time.map((t, i) => ({ t: new Date(t), v: rolling.sharpe[i]! })).filter((p) => Number.isFinite(p.v));
  if (points.length === 0) {
    figure.append(el("p", { class: "qw-status" }, `The run is shorter than one window (${rolling.window} samples): there is no rolling Sharpe to draw.`));
    return figure;
  }
  figure.append(Plot.plot({
    width: options.width ?? 760, height: options.height ?? 240, marginLeft: 56, marginRight: 20,
    // the run's whole span, so the chart lines up with the equity above it (the first window fills before the first point)
    x: { type: "utc", label: null, ...(options.span ? { domain: options.span.map((t) => new Date(t)) } : {}) },
    y: { label: "Sharpe (annualised)", grid: true },
    marks: [
      Plot.ruleY([0], { stroke: "currentColor", strokeOpacity: 0.5 }),
      ...(Number.isFinite(options.overall) ? [Plot.ruleY([options.overall], { stroke: "#6b7280", strokeDasharray: "4,3" })] : []),
      Plot.areaY(points, { x: "t", y: "v", fill: "#2563eb", fillOpacity: 0.08 }),
      Plot.lineY(points, { x: "t", y: "v", stroke: "#2563eb", strokeWidth: 1.3 }),
    ],
  }) as Element, el("p", { class: "qw-caption" }, `Each point: the Sharpe ratio of the ${rolling.window.toLocaleString("en-US")} samples up to it. Dashed: the whole run's.`));
  return figure;
}
