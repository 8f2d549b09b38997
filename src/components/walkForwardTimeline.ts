/**
 * The windows of a walk-forward on a time axis, drawn with Observable Plot (bare import, nothing
 * fetched): one row per window, its in-sample span (where the parameters were chosen) and its
 * out-of-sample span (where they traded, green when that window gained and red when it lost,
 * grey when it stayed in cash), and, when it differs from the in-sample span, the warm-up as a
 * thin line. A pure function of the result's rows → element.
 */
import * as Plot from "@observablehq/plot";
import type { WalkForwardRow } from "../engine/walkForwardCombine.js";

export interface TimelineOptions {
  /** Width in px. Default 760. */
  readonly width?: number;
  /** The optimised parameters, whose chosen values label the in-sample bars. */
  readonly params?: readonly string[];
}

interface Span {
  readonly window: number;
  readonly from: Date;
  readonly to: Date;
  readonly label: string;
  readonly fill: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)} %`;

/** The out-of-sample color of a row: how its window did. */
function outcomeFill(row: WalkForwardRow): string {
  if (!row.outOfSample) return "#d1d5db";
  return row.endEquity >= row.startEquity ? "#16a34a" : "#dc2626";
}

/**
 * @example
 * display(walkForwardTimeline(result.windows, { width, params: ["fast", "slow"] }));
 */
export function walkForwardTimeline(rows: readonly WalkForwardRow[], options: TimelineOptions = {}): HTMLElement {
  const width = options.width ?? 760;
  const figure = document.createElement("div");
  figure.className = "qw-wf-timeline";
  figure.dataset.testid = "wf-timeline";
  if (rows.length === 0) {
    figure.textContent = "No windows.";
    return figure;
  }
  const names = options.params ?? [];
  const chosen = (r: WalkForwardRow) => (r.params ? names.map((n) => String(r.params![n])).join(" · ") : "—");
  const inSample: Span[] = rows.map((r) => ({
    window: r.window.index, from: new Date(r.window.inSample.fromMs), to: new Date(r.window.inSample.toMs), fill: "#bfdbfe",
    label: `Window ${r.window.index + 1}, in sample: ${day(r.window.inSample.fromMs)} → ${day(r.window.inSample.toMs)}\nchosen: ${r.params ? names.map((n) => `${n}=${r.params![n]}`).join(", ") : r.note ?? "—"}`,
  }));
  const outOfSample: Span[] = rows.map((r) => ({
    window: r.window.index, from: new Date(r.window.outOfSample.fromMs), to: new Date(r.window.outOfSample.toMs), fill: outcomeFill(r),
    label: `Window ${r.window.index + 1}, out of sample: ${day(r.window.outOfSample.fromMs)} → ${day(r.window.outOfSample.toMs)}${r.window.partial ? " (cut short by the end of the data)" : ""}\n${r.outOfSample ? `return ${pct(r.endEquity / r.startEquity - 1)}` : r.note ?? "stayed in cash"}`,
  }));
  const warmUp = rows.filter((r) => r.window.warmUp.start < r.window.warmUp.end && (r.window.warmUp.fromMs !== r.window.inSample.fromMs || r.window.warmUp.toMs !== r.window.inSample.toMs))
    .map((r) => ({ window: r.window.index, from: new Date(r.window.warmUp.fromMs), to: new Date(r.window.warmUp.toMs) }));
  const rowHeight = rows.length > 24 ? 14 : 24;
  const labels = rowHeight >= 20 && names.length > 0;
  const chart = Plot.plot({
    width, height: 50 + rows.length * rowHeight, marginLeft: 72, marginRight: 16,
    x: { type: "utc", label: null, grid: true },
    y: { type: "band", domain: rows.map((r) => r.window.index), label: null, tickFormat: (i: number) => `window ${i + 1}`, padding: 0.25 },
    marks: [
      Plot.barX(inSample, { x1: "from", x2: "to", y: "window", fill: "fill", title: "label" }),
      Plot.barX(outOfSample, { x1: "from", x2: "to", y: "window", fill: "fill", title: "label" }),
      ...(warmUp.length ? [Plot.ruleY(warmUp, { x1: "from", x2: "to", y: "window", stroke: "#6b7280", strokeDasharray: "3,2", dy: rowHeight * 0.42 } as Plot.RuleYOptions)] : []),
      ...(labels ? [Plot.text(rows, {
        x: (r: WalkForwardRow) => new Date((r.window.inSample.fromMs + r.window.inSample.toMs) / 2), y: (r: WalkForwardRow) => r.window.index,
        text: chosen, fill: "#1e3a8a", fontSize: 10, pointerEvents: "none",
      } as Plot.TextOptions)] : []),
    ],
  });
  const swatch = (color: string, text: string, dashed = false) => {
    const item = document.createElement("span");
    const mark = document.createElement("i");
    mark.style.cssText = dashed ? `border-top: 2px dashed ${color}; width: 18px; height: 0; display: inline-block; vertical-align: middle; margin-right: 4px;`
      : `background: ${color}; width: 14px; height: 10px; display: inline-block; vertical-align: middle; margin-right: 4px; border-radius: 2px;`;
    item.append(mark, text);
    return item;
  };
  const legend = document.createElement("div");
  legend.className = "qw-wf-legend";
  legend.append(
    swatch("#bfdbfe", `in sample: parameters chosen${labels ? " (labelled)" : ""}`), swatch("#16a34a", "out of sample: gained"),
    swatch("#dc2626", "out of sample: lost"), swatch("#d1d5db", "out of sample: in cash"),
    ...(warmUp.length ? [swatch("#6b7280", "warm-up", true)] : []));
  figure.append(legend, chart);
  return figure;
}
