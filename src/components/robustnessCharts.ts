/**
 * The charts of the robustness study, drawn with Observable Plot: the Sharpe ratio against the
 * cost per side (commission and slippage, each alone), and each period's return beside buying and
 * holding. Pure functions of the study's runs. Points and bars carry `data-*` attributes with the
 * raw values.
 */
import * as Plot from "@observablehq/plot";
import { el } from "./dataView.js";
import type { CostRun, PeriodRun } from "./robustnessStudy.js";

/**
 * Sharpe ratio against cost per side in bps, one line for commission and one for slippage, with
 * the base runs' cost marked.
 *
 * @example
 * display(costCurve(state.costs, { baseBps: 10 }));
 */
export function costCurve(costs: readonly CostRun[], options: { baseBps: number; width?: number }): HTMLElement {
  const data = costs.map((c) => ({ kind: c.kind, bps: c.bps, sharpe: c.metrics.sharpe })).filter((d) => Number.isFinite(d.sharpe));
  const tag = (index: number[], scales: Plot.ScaleFunctions, values: Plot.ChannelValues, dimensions: Plot.Dimensions, context: Plot.Context, next?: Plot.RenderFunction) => {
    const g = next!(index, scales, values, dimensions, context) as SVGElement;
    g.querySelectorAll<SVGElement>("circle").forEach((node, k) => {
      const d = data[index[k]!]!;
      Object.assign(node.dataset, { kind: d.kind, bps: String(d.bps), value: String(d.sharpe) });
    });
    return g;
  };
  const chart = Plot.plot({
    width: options.width ?? 640, height: 300, marginLeft: 56, marginRight: 20, grid: true,
    x: { label: "cost per side (bps)", zero: true },
    y: { label: "Sharpe ratio" },
    color: { legend: true, domain: ["commission", "slippage"], range: ["#2563eb", "#ea580c"] },
    marks: [
      Plot.ruleY([0], { stroke: "currentColor", strokeOpacity: 0.5 }),
      Plot.ruleX([options.baseBps], { stroke: "#6b7280", strokeDasharray: "4,3" }),
      Plot.text([options.baseBps], { x: (d) => d, frameAnchor: "top", dy: 4, dx: 4, textAnchor: "start", text: () => "base costs", fill: "#6b7280" }),
      // slippage dashed: the two lines often coincide (both costs scale with the traded value)
      Plot.line(data.filter((d) => d.kind === "commission"), { x: "bps", y: "sharpe", stroke: "kind", strokeWidth: 1.8 }),
      Plot.line(data.filter((d) => d.kind === "slippage"), { x: "bps", y: "sharpe", stroke: "kind", strokeWidth: 1.8, strokeDasharray: "6,4" }),
      Plot.dot(data, { x: "bps", y: "sharpe", fill: "kind", r: 3.5, title: (d) => `${d.bps} bps of ${d.kind}: Sharpe ${d.sharpe.toFixed(3)}`, render: tag }),
    ],
  });
  return el("div", { class: "qw-figure", "data-testid": "cost-curve" }, chart);
}

/**
 * Each period's total return as a bar (green up, red down) with buying and holding the symbol
 * over the same bars as a black tick.
 *
 * @example
 * display(periodBars(state.periods));
 */
export function periodBars(periods: readonly PeriodRun[], options: { width?: number } = {}): HTMLElement {
  const ran = periods.filter((p) => p.metrics && Number.isFinite(p.metrics.totalReturn));
  const data = ran.map((p) => ({ label: p.label, ret: p.metrics!.totalReturn, hold: p.buyHold, sharpe: p.metrics!.sharpe }));
  const tag = (index: number[], scales: Plot.ScaleFunctions, values: Plot.ChannelValues, dimensions: Plot.Dimensions, context: Plot.Context, next?: Plot.RenderFunction) => {
    const g = next!(index, scales, values, dimensions, context) as SVGElement;
    g.querySelectorAll<SVGElement>("rect").forEach((node, k) => {
      const d = data[index[k]!]!;
      Object.assign(node.dataset, { period: d.label, value: String(d.ret) });
    });
    return g;
  };
  const chart = Plot.plot({
    width: options.width ?? 760, height: 300, marginLeft: 56, marginBottom: data.length > 12 ? 50 : 34,
    x: { domain: data.map((d) => d.label), label: null, tickRotate: data.length > 12 ? -40 : 0 },
    y: { label: "Total return", grid: true, tickFormat: "+.0%" },
    marks: [
      Plot.ruleY([0], { stroke: "currentColor", strokeOpacity: 0.5 }),
      Plot.barY(data, { x: "label", y: "ret", fill: (d) => (d.ret >= 0 ? "#16a34a" : "#dc2626"), fillOpacity: 0.8, title: (d) => `${d.label}: strategy ${(d.ret * 100).toFixed(1)} %, buy and hold ${(d.hold * 100).toFixed(1)} %, Sharpe ${Number.isFinite(d.sharpe) ? d.sharpe.toFixed(2) : "—"}`, render: tag }),
      Plot.tickY(data.filter((d) => Number.isFinite(d.hold)), { x: "label", y: "hold", stroke: "#111827", strokeWidth: 2.5 }),
    ],
  });
  return el("div", { class: "qw-figure", "data-testid": "period-bars" }, chart,
    el("div", { class: "qw-legend-note" }, "Bars: the strategy's return in the period (green up, red down). Black ticks: buying and holding the symbol over the same bars."));
}
