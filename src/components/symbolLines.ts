/**
 * One line per symbol over time (rolling volatility, cumulative return, …), drawn with Observable
 * Plot: a pure function of the rows. Long series are thinned per symbol to about `maxPoints`
 * points, keeping each bucket's lowest and highest value so no spike is lost.
 */
import * as Plot from "@observablehq/plot";
import { el } from "./dataView.js";
import { sampleIndices } from "./equityChart.js";

export interface SymbolLinesOptions {
  /** The y axis label. */
  readonly label: string;
  /** Values are fractions shown as percentages. Default false. */
  readonly percent?: boolean;
  /** Percentages with a sign (+12 %), for returns. Default false. */
  readonly signed?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** The symbols in legend order (and so their colours). Default: as they come. */
  readonly symbols?: readonly string[];
  /** Points kept per symbol at most. Default 1500. */
  readonly maxPoints?: number;
  /** Draw a rule at 0. Default false. */
  readonly zero?: boolean;
  readonly testid?: string;
}

/**
 * The colour of each symbol: Plot's default categorical scheme over `symbols` in this order, the
 * colours symbolLines gives them, for other charts of the same symbols.
 */
export function symbolColors(symbols: readonly string[]): (symbol: string) => string {
  const scale = Plot.scale({ color: { type: "categorical", domain: [...symbols] } });
  return (symbol) => String(scale.apply(symbol));
}

/** A row: one symbol's value at one time (UTC ms). */
export interface SymbolPoint {
  readonly symbol: string;
  readonly time: number;
  readonly value: number;
}

/**
 * @example
 * display(symbolLines(rows, { label: "Annualised volatility", percent: true }));
 */
export function symbolLines(rows: readonly SymbolPoint[], options: SymbolLinesOptions): HTMLElement {
  const by = new Map<string, SymbolPoint[]>();
  for (const r of rows) if (Number.isFinite(r.value)) (by.get(r.symbol) ?? by.set(r.symbol, []).get(r.symbol)!).push(r);
  const symbols = options.symbols ?? [...by.keys()];
  const points: { symbol: string; t: Date; v: number }[] = [];
  for (const symbol of symbols) {
    const series = by.get(symbol) ?? [];
    const values = Float64Array.from(series, (p) => p.value);
    for (const i of sampleIndices(values, options.maxPoints ?? 1500)) points.push({ symbol, t: new Date(series[i]!.time), v: values[i]! });
  }
  const chart = Plot.plot({
    width: options.width ?? 960, height: options.height ?? 300, marginLeft: 60, marginRight: 20,
    x: { type: "utc", label: null },
    y: { label: options.label, grid: true, ...(options.percent ? { tickFormat: options.signed ? "+.0%" : ".0%" } : {}) },
    color: { legend: true, domain: [...symbols] },
    marks: [
      ...(options.zero ? [Plot.ruleY([0], { stroke: "currentColor", strokeOpacity: 0.4 })] : []),
      Plot.lineY(points, { x: "t", y: "v", stroke: "symbol", z: "symbol", strokeWidth: 1.3 }),
    ],
  });
  return el("div", { class: "qw-figure", ...(options.testid ? { "data-testid": options.testid } : {}) }, chart);
}
