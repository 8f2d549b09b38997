/**
 * Return distributions as small multiples, one histogram per symbol on a shared x axis, each with
 * the normal density of the same mean and standard deviation drawn over it: where the bars stand
 * above the curve in the tails and at the centre, the returns are fatter-tailed than normal.
 * Observable Plot (bare import, nothing fetched); a pure function of the returns.
 */
import * as Plot from "@observablehq/plot";
import { el } from "./dataView.js";

export interface ReturnsHistogramOptions {
  /** Width of the whole block in px. Default 960. */
  readonly width?: number;
  /** Number of bins over the shared x range. Default 60. */
  readonly bins?: number;
  /** Counts on a log scale: the tails become visible. Default false. */
  readonly log?: boolean;
  /** Colour per symbol (the other charts' colours). */
  readonly color?: (symbol: string) => string;
}

/** One symbol's returns (NaN/null-free). */
export interface SymbolReturns {
  readonly symbol: string;
  readonly returns: Float64Array;
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;

/**
 * The x range shared by all panels: symmetric around 0, out to the largest |0.1 % or 99.9 %
 * quantile| of the pooled returns, so a handful of extreme bars do not squash every histogram.
 */
export function sharedRange(series: readonly SymbolReturns[]): number {
  const pooled = Float64Array.from(series.flatMap((s) => Array.from(s.returns))).sort();
  if (pooled.length === 0) return 0.01;
  return Math.max(Math.abs(quantile(pooled, 0.001)), Math.abs(quantile(pooled, 0.999)), 1e-9);
}

/** Counts of `values` in `bins` equal bins over [−range, range]; values outside are counted apart. */
export function binReturns(values: Float64Array, range: number, bins: number): { x1: number; x2: number; count: number }[] {
  const width = (2 * range) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (v < -range || v > range) continue;
    counts[Math.min(bins - 1, Math.floor((v + range) / width))]! += 1;
  }
  return counts.map((count, i) => ({ x1: -range + i * width, x2: -range + (i + 1) * width, count }));
}

/**
 * @example
 * display(returnsHistograms([{ symbol: "SYN-A", returns }], { width, log: true }));
 */
export function returnsHistograms(series: readonly SymbolReturns[], options: ReturnsHistogramOptions = {}): HTMLElement {
  const width = options.width ?? 960;
  const bins = options.bins ?? 60;
  const log = options.log ?? false;
  const range = sharedRange(series);
  const columns = width >= 640 ? 2 : 1;
  const panelWidth = Math.floor((width - (columns - 1) * 20) / columns);
  const panels = series.map((s) => {
    const n = s.returns.length;
    let sum = 0;
    for (const v of s.returns) sum += v;
    const mean = sum / n;
    let m2 = 0;
    for (const v of s.returns) m2 += (v - mean) ** 2;
    const sd = Math.sqrt(m2 / (n - 1));
    const counts = binReturns(s.returns, range, bins);
    const outside = n - counts.reduce((a, b) => a + b.count, 0);
    const binWidth = (2 * range) / bins;
    const floor = log ? 0.5 : 0;
    const curve = Array.from({ length: 201 }, (_, i) => {
      const x = -range + (i * 2 * range) / 200;
      const density = Math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));
      return { x, y: n * binWidth * density };
    }).filter((p) => p.y >= floor);
    const fill = options.color?.(s.symbol) ?? "#2563eb";
    const chart = Plot.plot({
      width: panelWidth, height: 190, marginLeft: 50, marginBottom: 34,
      x: { domain: [-range, range], label: "log return per bar", tickFormat: "+.1%", ticks: 5 },
      y: { label: "bars", grid: true, ...(log ? { type: "log" as const, domain: [floor, Math.max(1, ...counts.map((c) => c.count)) * 1.5], tickFormat: "~s" } : { tickFormat: "~s" }) },
      marks: [
        Plot.rectY(counts.filter((c) => c.count > 0), { x1: "x1", x2: "x2", y1: floor, y2: "count", fill, fillOpacity: 0.75, inset: 0.3 }),
        Plot.line(curve, { x: "x", y: "y", stroke: "currentColor", strokeWidth: 1.2, strokeDasharray: "4,2" }),
        Plot.ruleX([0], { stroke: "currentColor", strokeOpacity: 0.3 }),
      ],
    });
    return el("div", { class: "qw-histogram", "data-symbol": s.symbol, "data-count": String(n) },
      el("h3", {}, s.symbol),
      chart,
      ...(outside > 0 ? [el("div", { class: "qw-caption" }, `${outside.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} returns lie beyond ±${(range * 100).toFixed(2)} % and are not drawn`)] : []));
  });
  return el("div", { class: "qw-multiples", "data-testid": "histograms" }, ...panels);
}
