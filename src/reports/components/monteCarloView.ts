/**
 * The Monte Carlo of trade order: the spread of the max drawdown over random orderings of the
 * trades, and of the final equity over draws of the trades with replacement, as Observable Plot
 * histograms (the run's own value marked) and a table of percentiles.
 */
import * as Plot from "@observablehq/plot";
import type { Percentiles } from "../../engine/report/percentile.js";
import type { TradeOrderMonteCarlo } from "../../engine/report/tradeOrderMonteCarlo.js";
import { el } from "../../components/dataView.js";
import { pct } from "../../components/researchFormat.js";

const money = (x: number) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "—");

interface Marker { readonly x: number; readonly text: string; readonly color: string }

/** Labels of vertical markers, the left one's text to its left and the right one's to its right, so two close markers stay readable. */
function markerMarks(markers: readonly Marker[]) {
  const sorted = [...markers].sort((a, b) => a.x - b.x);
  return sorted.flatMap((m, k) => {
    const side = sorted.length === 1 ? "middle" : k === 0 ? "end" : "start";
    return [
      Plot.ruleX([m.x], { stroke: m.color, strokeWidth: 2 }),
      Plot.text([m.x], { x: (d: number) => d, frameAnchor: "top", dy: -12, dx: side === "end" ? -3 : side === "start" ? 3 : 0, textAnchor: side, text: () => m.text, fill: m.color, fontWeight: 600 }),
    ];
  });
}

/**
 * A histogram of `values`. With `log`, the bins are equally wide on a log axis (final equity is
 * skewed: compounding makes the best redraws many times the worst), else on a linear one.
 */
function histogram(values: readonly number[], options: { label: string; markers: readonly Marker[]; percent?: boolean; log?: boolean; width: number }): Element {
  const common = { width: options.width, height: 200, marginLeft: 44, marginRight: 20, marginTop: 24, y: { label: "paths", grid: true } };
  const lo = Math.min(...values), hi = Math.max(...values);
  // a log axis only pays when the values span a decade or more; below that it shows one tick label
  if (options.log && lo > 0 && hi / lo >= 10) {
    const k = 30, step = Math.log(hi / lo) / k;
    const bins = Array.from({ length: k }, (_, i) => ({ x1: lo * Math.exp(i * step), x2: lo * Math.exp((i + 1) * step), count: 0 }));
    for (const v of values) bins[Math.min(k - 1, Math.floor(Math.log(v / lo) / step))]!.count++;
    return Plot.plot({
      ...common,
      x: { type: "log", label: options.label, tickFormat: "~s" },
      marks: [Plot.rectY(bins, { x1: "x1", x2: "x2", y: "count", fill: "#94a3b8", inset: 0.5 }), Plot.ruleY([0]), ...markerMarks(options.markers)],
    }) as Element;
  }
  return Plot.plot({
    ...common,
    x: { label: options.label, tickFormat: options.percent ? ".0%" : "~s" },
    marks: [Plot.rectY(values, { ...Plot.binX({ y: "count" }, { x: (d: number) => d, thresholds: 30 }), fill: "#94a3b8" }), Plot.ruleY([0]), ...markerMarks(options.markers)],
  }) as Element;
}

/**
 * @example
 * display(monteCarloView(report.sheet.monteCarlo, { initialCash, width }));
 */
export function monteCarloView(mc: TradeOrderMonteCarlo, options: { initialCash: number; width?: number }): HTMLElement {
  const box = el("div", { "data-testid": "monte-carlo", "data-runs": String(mc.runs), "data-seed": String(mc.seed) });
  if (mc.trades < 2) {
    box.append(el("p", { class: "qw-status" }, `${mc.trades} trade${mc.trades === 1 ? "" : "s"}: there is no order to shuffle.`));
    return box;
  }
  const half = Math.max(300, Math.floor(((options.width ?? 760) - 24) / 2));
  box.append(el("div", { class: "qw-multiples" },
    el("div", {}, el("h3", {}, `Max drawdown over ${mc.runs.toLocaleString("en-US")} orderings`),
      histogram(mc.shuffled.maxDrawdown, { label: "max drawdown (trade to trade)", percent: true, width: half, markers: [{ x: mc.actual.maxDrawdown, text: "this run", color: "#dc2626" }] })),
    el("div", {}, el("h3", {}, `Final equity over ${mc.runs.toLocaleString("en-US")} redraws`),
      histogram(mc.resampled.finalEquity, { label: "final equity", log: true, width: half, markers: [
        { x: options.initialCash, text: "start", color: "#6b7280" }, { x: mc.actual.finalEquity, text: "this run", color: "#dc2626" }] }))));
  const row = (label: string, key: string, p: Percentiles, f: (x: number) => string, actual: number) =>
    el("tr", { "data-row": key }, el("th", {}, label), ...(["p5", "p25", "p50", "p75", "p95"] as const).map((q) => el("td", { class: "qw-num", "data-q": q, "data-value": String(p[q]) }, f(p[q]))),
      el("td", { class: "qw-num qw-actual", "data-value": String(actual) }, f(actual)));
  box.append(el("table", { class: "qw-table", "data-testid": "mc-percentiles" },
    el("caption", {}, `Percentiles over ${mc.runs.toLocaleString("en-US")} paths each (seed ${mc.seed}), from the ${mc.trades} trades' returns on the account`),
    el("thead", {}, el("tr", {}, el("th", {}, ""), ...["5 %", "25 %", "median", "75 %", "95 %", "this run"].map((h) => el("th", { class: "qw-num" }, h)))),
    el("tbody", {},
      row("Max drawdown, reordered", "shuffled-drawdown", mc.shuffled.maxDrawdownPercentiles, (x) => pct(x), mc.actual.maxDrawdown),
      row("Max drawdown, redrawn", "resampled-drawdown", mc.resampled.maxDrawdownPercentiles, (x) => pct(x), mc.actual.maxDrawdown),
      row("Final equity, redrawn", "resampled-final", mc.resampled.finalEquityPercentiles, money, mc.actual.finalEquity))),
    el("p", { class: "qw-caption" },
      `Reordering the trades never changes where they end (${money(mc.actual.finalEquity)}): it changes the way there. `,
      `${pct(mc.shuffled.drawdownAtLeastActual, 0)} of the orderings fall at least as deep as this run did (${pct(mc.actual.maxDrawdown)}); `,
      `${pct(mc.resampled.lossProbability, 0)} of the redraws end below the starting cash.`));
  return box;
}
