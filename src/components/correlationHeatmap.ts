/**
 * A correlation matrix as a heatmap with the coefficient written in each cell, drawn with
 * Observable Plot: a pure function of the pairs. Each cell carries `data-x`, `data-y`,
 * `data-value` (String(rho), exact) and `data-n` (the overlapping observations behind it).
 */
import * as Plot from "@observablehq/plot";
import { el } from "./dataView.js";

/** One ordered pair of the matrix. */
export interface CorrelationPair {
  readonly x: string;
  readonly y: string;
  /** Pearson's r; NaN when it cannot be computed (fewer than 2 overlapping returns, or no variation). */
  readonly rho: number;
  /** The number of times both had a return. */
  readonly n: number;
}

/**
 * @example
 * display(correlationHeatmap(pairs, { width: 520 }));
 */
export function correlationHeatmap(pairs: readonly CorrelationPair[], options: { width?: number } = {}): HTMLElement {
  const symbols = [...new Set(pairs.flatMap((p) => [p.x, p.y]))].sort();
  const cell = Math.max(34, Math.min(78, ((options.width ?? 640) - 110) / Math.max(1, symbols.length)));
  const data = pairs.map((p) => ({ ...p, rho: Number.isFinite(p.rho) ? p.rho : NaN }));
  const tag = (index: number[], scales: Plot.ScaleFunctions, values: Plot.ChannelValues, dimensions: Plot.Dimensions, context: Plot.Context, next?: Plot.RenderFunction) => {
    const g = next!(index, scales, values, dimensions, context) as SVGElement;
    const rects = g.querySelectorAll<SVGElement>("rect");
    index.forEach((i, k) => {
      const d = data[i]!, node = rects[k];
      if (!node) return;
      node.dataset.x = d.x;
      node.dataset.y = d.y;
      node.dataset.value = String(d.rho);
      node.dataset.n = String(d.n);
    });
    return g;
  };
  const chart = Plot.plot({
    width: Math.round(cell * symbols.length + 110), height: Math.round(cell * symbols.length + 60),
    marginLeft: 80, marginBottom: 50, padding: 0.04,
    x: { domain: symbols, label: null, tickRotate: symbols.length > 6 ? -30 : 0 },
    y: { domain: symbols, label: null },
    color: { type: "linear", scheme: "rdbu", domain: [-1, 1], reverse: true, legend: true, label: "correlation of log returns" },
    marks: [
      Plot.cell(data, { x: "x", y: "y", fill: (d) => (Number.isFinite(d.rho) ? d.rho : null), title: (d) => `${d.x} vs ${d.y}: ${Number.isFinite(d.rho) ? d.rho.toFixed(3) : "—"} over ${d.n.toLocaleString("en-US")} common bars`, render: tag }),
      Plot.text(data, {
        x: "x", y: "y", text: (d) => (Number.isFinite(d.rho) ? d.rho.toFixed(2) : "—"),
        fill: (d) => (Math.abs(d.rho) > 0.65 ? "white" : "#111"), fontSize: cell < 44 ? 10 : 12, fontWeight: 600, pointerEvents: "none",
      } as Plot.TextOptions),
    ],
  });
  return el("div", { class: "qw-figure", "data-testid": "correlation" }, chart);
}
