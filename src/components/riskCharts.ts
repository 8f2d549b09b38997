/**
 * The charts of the "Risk rules" note, drawn with Observable Plot: the price with a marker where
 * each order was blocked, and the equity and drawdown of the run without the rules and the run
 * with them, overlaid. Periods when the rules put trading in REDUCING or HALTED are shaded on
 * both. Pure functions of the bars and the two results.
 */
import * as Plot from "@observablehq/plot";
import type { BacktestResult } from "../engine/backtest.js";
import type { BarSeries } from "../engine/bars.js";
import type { Rejection } from "../engine/records.js";
import { lowerBound } from "../engine/time.js";
import { el } from "./dataView.js";
import { sampleIndices } from "./equityChart.js";
import { riskRejections, stateSpans, type StateSpan } from "./riskNotes.js";
import { runColor } from "./runs.js";

const STATE_FILL: Readonly<Record<string, string>> = { REDUCING: "#f59e0b", HALTED: "#dc2626" };
const bands = (spans: readonly StateSpan[]) => Plot.rectX(spans, {
  x1: (d: StateSpan) => new Date(d.fromMs), x2: (d: StateSpan) => new Date(d.toMs), fill: (d: StateSpan) => STATE_FILL[d.state] ?? "#9ca3af", fillOpacity: 0.12,
  title: (d: StateSpan) => `${d.state} from ${new Date(d.fromMs).toISOString().slice(0, 16).replace("T", " ")} (${d.code})`,
});

/**
 * The close of `bars` with a triangle at each blocked order (pointing up for a buy, down for a
 * sell), coloured by its reason code; REDUCING / HALTED stretches shaded. Each marker carries
 * `data-code` and `data-time`.
 *
 * @example
 * display(blockedOnPrice(bars, riskRejections(withRules), stateSpans(withRules.riskTransitions, end)));
 */
export function blockedOnPrice(bars: BarSeries, rejections: readonly Rejection[], spans: readonly StateSpan[], options: { width?: number } = {}): HTMLElement {
  const index = sampleIndices(bars.close, 2000);
  const blocked = rejections.filter((r) => r.symbol === bars.symbol).map((r) => {
    const i = Math.max(0, Math.min(bars.length - 1, lowerBound(bars.time, r.timeMs + 1) - 1));
    return { t: new Date(r.timeMs), price: bars.close[i]!, code: r.code, side: r.side ?? "", r };
  });
  const tag = (idx: number[], scales: Plot.ScaleFunctions, values: Plot.ChannelValues, dimensions: Plot.Dimensions, context: Plot.Context, next?: Plot.RenderFunction) => {
    const g = next!(idx, scales, values, dimensions, context) as SVGElement;
    g.querySelectorAll<SVGElement>("path").forEach((node, k) => {
      const d = blocked[idx[k]!]!;
      Object.assign(node.dataset, { code: d.code, time: String(d.r.timeMs), side: d.side });
    });
    return g;
  };
  const codes = [...new Set(blocked.map((b) => b.code))].sort();
  const chart = Plot.plot({
    width: options.width ?? 900, height: 300, marginLeft: 60, marginRight: 20,
    x: { type: "utc", label: null },
    y: { label: `${bars.symbol} close`, grid: true },
    color: { legend: codes.length > 0, domain: codes, scheme: "set1" },
    marks: [
      bands(spans),
      Plot.lineY(index, { x: (i: number) => new Date(bars.time[i]!), y: (i: number) => bars.close[i]!, stroke: "#6b7280", strokeWidth: 1 }),
      Plot.dot(blocked, {
        x: "t", y: "price", fill: "code", stroke: "white", strokeWidth: 0.6, r: 5, symbol: "triangle", rotate: (d) => (d.side === "sell" ? 180 : 0),
        title: (d) => `${d.r.side ?? "cancel"} ${d.r.quantity} ${d.r.symbol} blocked at ${d.t.toISOString().slice(0, 16).replace("T", " ")}\n${d.r.message}`, render: tag,
      }),
    ],
  });
  return el("div", { class: "qw-figure", "data-testid": "blocked-chart", "data-markers": String(blocked.length) }, chart);
}

/**
 * Equity (top) and drawdown (bottom) of the run without the rules and the run with them on one
 * time axis, with the blocked orders marked on the with-rules equity and the REDUCING / HALTED
 * stretches shaded.
 *
 * @example
 * display(equityOverlay(without, withRules, { width }));
 */
export function equityOverlay(without: BacktestResult, withRules: BacktestResult, options: { width?: number } = {}): HTMLElement {
  const runs = [
    { name: "without rules", result: without, color: runColor(1) },
    { name: "with rules", result: withRules, color: runColor(2) },
  ];
  const points = runs.flatMap(({ name, result }) => sampleIndices(result.equity, 2000).map((i) => ({ run: name, t: new Date(result.time[i]!), equity: result.equity[i]! })));
  const dd = runs.flatMap(({ name, result }) => sampleIndices(result.drawdown, 2000).map((i) => ({ run: name, t: new Date(result.time[i]!), dd: result.drawdown[i]! })));
  const end = withRules.time[withRules.time.length - 1] ?? 0;
  const spans = stateSpans(withRules.riskTransitions, end);
  const blocked = riskRejections(withRules).map((r) => {
    const i = Math.max(0, lowerBound(withRules.time, r.timeMs + 1) - 1);
    return { t: new Date(r.timeMs), equity: withRules.equity[i] ?? NaN, code: r.code };
  });
  const color = { legend: true, domain: runs.map((r) => r.name), range: runs.map((r) => r.color) };
  const width = options.width ?? 900;
  const top = Plot.plot({
    width, height: 280, marginLeft: 70, marginRight: 20, x: { type: "utc", label: null },
    y: { label: "Equity", grid: true, tickFormat: "~s" }, color,
    marks: [
      bands(spans),
      Plot.ruleY([without.initialCash], { stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "4,3" }),
      Plot.lineY(points, { x: "t", y: "equity", stroke: "run", z: "run", strokeWidth: 1.5 }),
      Plot.dot(blocked, { x: "t", y: "equity", symbol: "times", r: 3, stroke: "#111", strokeWidth: 1, title: (d) => `blocked: ${d.code}` }),
    ],
  });
  const bottom = Plot.plot({
    width, height: 150, marginLeft: 70, marginRight: 20, x: { type: "utc", label: null },
    y: { label: "Drawdown", grid: true, tickFormat: ".0%" }, color: { domain: color.domain, range: color.range },
    marks: [
      bands(spans),
      Plot.lineY(dd, { x: "t", y: "dd", stroke: "run", z: "run", strokeWidth: 1.2 }),
      Plot.ruleY([0]),
    ],
  });
  return el("div", { class: "qw-figure", "data-testid": "equity-overlay" }, top, bottom,
    el("div", { class: "qw-legend-note" }, "× on the red curve: an order the rules blocked. Shaded: trading REDUCING (amber) or HALTED (red) under the rules."));
}
