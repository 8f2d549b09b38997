/**
 * The stitched out-of-sample equity of a walk-forward against its contrasts (buy and hold, the
 * hindsight-optimised run), with its drawdown below, drawn with Observable Plot (bare import,
 * nothing fetched). Pure functions of data → element.
 */
import * as Plot from "@observablehq/plot";
import type { BarSeries } from "../engine/bars.js";
import { lowerBound } from "../engine/time.js";
import { sampleIndices } from "./equityChart.js";

/** One line of the chart. */
export interface EquityCurve {
  readonly name: string;
  readonly time: Float64Array;
  readonly equity: Float64Array;
  /** Line color. */
  readonly color: string;
  readonly dashed?: boolean;
}

export interface WalkForwardEquityOptions {
  /** Width in px. Default 760. */
  readonly width?: number;
  /** Height of the equity panel in px; the drawdown panel is 40 % of it. Default 300. */
  readonly height?: number;
  /** The starting equity, drawn as a rule. */
  readonly initialCash: number;
  /** Where the out-of-sample windows start (UTC ms), drawn as faint rules. */
  readonly boundaries?: readonly number[];
  /** The first curve's drawdown (≤ 0 fractions), drawn below. */
  readonly drawdown?: Float64Array;
}

/**
 * Buy and hold from the first bar at or after `fromMs` to the bar before `toMs`: `cash` buys
 * (fractionally, without costs) at that bar's open and is marked at each close.
 *
 * @example
 * buyAndHold(bars, result.time[0], Infinity, 100_000); // { time, equity }
 */
export function buyAndHold(bars: BarSeries, fromMs: number, toMs: number, cash: number): { time: Float64Array; equity: Float64Array } {
  const start = lowerBound(bars.time, fromMs), end = lowerBound(bars.time, toMs);
  const time = bars.time.slice(start, end);
  const units = start < bars.length ? cash / bars.open[start]! : 0;
  const equity = Float64Array.from(bars.close.subarray(start, end), (c) => units * c);
  return { time, equity };
}

/**
 * @example
 * display(walkForwardEquity([{ name: "walk-forward", time, equity, color: "#2563eb" }, …], { initialCash: 100_000, width }));
 */
export function walkForwardEquity(curves: readonly EquityCurve[], options: WalkForwardEquityOptions): HTMLElement {
  const width = options.width ?? 760;
  const height = options.height ?? 300;
  const figure = document.createElement("div");
  figure.className = "qw-chart";
  figure.dataset.testid = "wf-equity-chart";
  const drawn = curves.filter((c) => c.time.length > 0);
  if (drawn.length === 0) {
    figure.textContent = "No out-of-sample equity to draw.";
    return figure;
  }
  const points = drawn.flatMap((c) => sampleIndices(c.equity, 1500).map((i) => ({ name: c.name, t: new Date(c.time[i]!), v: c.equity[i]! })));
  const lo = Math.min(...drawn.map((c) => c.time[0]!)), hi = Math.max(...drawn.map((c) => c.time[c.time.length - 1]!));
  const x = { type: "utc" as const, domain: [new Date(lo), new Date(hi)], label: null };
  const color = { domain: drawn.map((c) => c.name), range: drawn.map((c) => c.color), legend: true };
  const top = Plot.plot({
    width, height, marginLeft: 70, marginRight: 20, marginBottom: 32, x, color,
    y: { label: "Equity", grid: true, tickFormat: "~s" },
    marks: [
      Plot.ruleX(options.boundaries ?? [], { x: (t: number) => new Date(t), stroke: "currentColor", strokeOpacity: 0.12 }),
      Plot.ruleY([options.initialCash], { stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "4,3" }),
      ...drawn.map((c) => Plot.lineY(points.filter((p) => p.name === c.name), {
        x: "t", y: "v", stroke: "name", strokeWidth: c === drawn[0] ? 2 : 1.3, ...(c.dashed ? { strokeDasharray: "5,3" } : {}),
      })),
    ],
  });
  figure.append(top);
  const dd = options.drawdown;
  if (dd && dd.length > 0) {
    const first = drawn[0]!;
    const idx = sampleIndices(dd, 1500);
    figure.append(Plot.plot({
      width, height: Math.round(height * 0.4), marginLeft: 70, marginRight: 20, x,
      y: { label: `Drawdown of ${first.name} (%)`, grid: true, domain: [Math.min(-0.001, ...Array.from(idx, (i) => dd[i]!)) * 100, 0] },
      marks: [
        Plot.areaY(idx, { x: (i: number) => new Date(first.time[i]!), y: (i: number) => dd[i]! * 100, fill: "#dc2626", fillOpacity: 0.3 }),
        Plot.lineY(idx, { x: (i: number) => new Date(first.time[i]!), y: (i: number) => dd[i]! * 100, stroke: "#dc2626", strokeWidth: 1 }),
        Plot.ruleY([0]),
      ],
    }));
  }
  return figure;
}
