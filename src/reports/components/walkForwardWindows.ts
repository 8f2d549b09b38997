/**
 * The walk-forward check of a report: a row per window (in-sample and out-of-sample dates, the set
 * chosen, the ranking metric and return on each side, efficiency) and the efficiency in words.
 */
import type { WalkForwardCheck } from "../../engine/report/walkForwardCheck.js";
import { el } from "../../components/dataView.js";
import { day, num, signedPct } from "../../components/researchFormat.js";

const METRIC_LABELS: Readonly<Record<string, string>> = { sharpe: "Sharpe", sortino: "Sortino", calmar: "Calmar", totalReturn: "Return", cagr: "CAGR" };

/**
 * "Out of sample the chosen sets made +6.8 % a year against +5.4 % in sample: an efficiency of 1.26 over 6 windows."
 */
export function efficiencyText(wf: WalkForwardCheck): string {
  const e = wf.efficiency;
  if (!e || e.windows === 0) return wf.error ? `The walk-forward could not run: ${wf.error}` : "No window traded out of sample.";
  const verdict = !Number.isFinite(e.ratio) ? "the efficiency is undefined (the in-sample return is not positive)"
    : `an efficiency of ${num(e.ratio)}${e.ratio >= 0.5 ? " (above the 0.5 rule of thumb: the choice carried over)" : " (below the 0.5 rule of thumb: the in-sample choice did not carry over)"}`;
  return `Out of sample, the chosen sets made ${signedPct(e.outOfSampleAnnualReturn)} a year against ${signedPct(e.inSampleAnnualReturn)} in sample: ${verdict}, over ${e.windows} window${e.windows === 1 ? "" : "s"}.`;
}

/** A window's dates on two lines: from, then → to (the end is exclusive: the first bar after it). */
const span = (s: { fromMs: number; toMs: number }) => el("td", { class: "qw-span" }, day(s.fromMs), el("br"), `→ ${day(s.toMs)}`);

/**
 * @example
 * display(walkForwardWindows(report.sheet.walkForward));
 */
export function walkForwardWindows(wf: WalkForwardCheck): HTMLElement {
  const varied = wf.varied;
  const metric = METRIC_LABELS[wf.metric] ?? wf.metric;
  const signed = (x: number) => el("td", { class: `qw-num ${x > 0 ? "qw-pos" : x < 0 ? "qw-neg" : ""}` }, signedPct(x));
  return el("table", { class: "qw-table", "data-testid": "wf-windows" },
    el("caption", {}, `${wf.paramSets} parameter sets tried in each window (varying ${varied.join(" and ") || "nothing"}), ranked by ${metric}`),
    el("thead", {}, el("tr", {}, ...["#", "In sample", "Out of sample", ...varied.map((v) => `${v} chosen`), `${metric} in`, `${metric} out`, "Return in", "Return out", "Efficiency", "Note"]
      .map((h, k) => el("th", { class: k >= 3 && k < 3 + varied.length + 5 ? "qw-num" : "" }, h)))),
    el("tbody", {}, ...wf.windows.map((w) => el("tr", { "data-window": String(w.index) },
      el("td", { class: "qw-num" }, String(w.index + 1)),
      span(w.inSample), span(w.outOfSample),
      ...varied.map((v) => el("td", { class: "qw-num" }, w.params ? String(w.params[v]) : "—")),
      el("td", { class: "qw-num" }, num(w.inSampleMetric)), el("td", { class: "qw-num" }, num(w.outOfSampleMetric)),
      signed(w.inSampleReturn), signed(w.outOfSampleReturn),
      el("td", { class: "qw-num" }, num(w.efficiency)),
      el("td", {}, el("small", {}, [w.failed ? `${w.failed} set${w.failed === 1 ? "" : "s"} refused by the strategy` : "", w.note ?? ""].filter(Boolean).join("; ")))))));
}
