/**
 * The cost ladder as a table (a row per cost per side: Sharpe and total return with that cost as
 * commission and as slippage, and the trades), and the break-even costs in a sentence.
 */
import type { CostSensitivity } from "../../engine/report/costSensitivity.js";
import { el } from "../../components/dataView.js";
import { num, signedPct } from "../../components/researchFormat.js";

const bps = (x: number) => `${x.toFixed(1)} bps`;

/**
 * The break-even costs in a sentence, e.g. "The edge is gone at 10.4 bps per side as commission and
 * 10.4 bps as slippage; the run assumes 5.0 bps per side."
 */
export function breakEvenText(costs: CostSensitivity): string {
  const { commission, slippage } = costs.breakEvenBps;
  const assumed = `the run assumes ${bps(costs.baseBps)} per side`;
  if (Number.isNaN(commission) && Number.isNaN(slippage)) return `The run loses money even without costs, so there is no edge for costs to eat; ${assumed}.`;
  const dearest = Math.max(...costs.rungs.map((r) => r.bps));
  const one = (x: number) => (x === Infinity ? `beyond ${bps(dearest)} (the dearest tried)` : Number.isNaN(x) ? "never (no profit even without it)" : bps(x));
  return `The edge is gone at ${one(commission)} per side as commission and ${one(slippage)} as slippage; ${assumed}.`;
}

/**
 * @example
 * display(costTable(report.sheet.costs));
 */
export function costTable(costs: CostSensitivity): HTMLElement {
  const ladder = [...new Set(costs.rungs.map((r) => r.bps))].sort((a, b) => a - b);
  const at = (kind: string, bps: number) => costs.rungs.find((r) => r.kind === kind && r.bps === bps);
  const cell = (x: number | undefined, f: (x: number) => string, key: string) =>
    el("td", { class: `qw-num ${x !== undefined && x > 0 ? "qw-pos" : x !== undefined && x < 0 ? "qw-neg" : ""}`, "data-column": key, "data-value": String(x) }, x === undefined ? "—" : f(x));
  return el("table", { class: "qw-table", "data-testid": "cost-table" },
    el("caption", {}, breakEvenText(costs)),
    el("thead", {}, el("tr", {}, ...["Cost per side (bps)", "Sharpe, as commission", "Sharpe, as slippage", "Return, as commission", "Return, as slippage", "Trades"].map((h, k) => el("th", { class: k ? "qw-num" : "" }, h)))),
    el("tbody", {}, ...ladder.map((bps) => {
      const c = at("commission", bps), s = at("slippage", bps);
      return el("tr", { "data-bps": String(bps) }, el("td", {}, String(bps)),
        cell(c?.metrics.sharpe, (x) => num(x), "sharpe_commission"), cell(s?.metrics.sharpe, (x) => num(x), "sharpe_slippage"),
        cell(c?.metrics.totalReturn, (x) => signedPct(x), "return_commission"), cell(s?.metrics.totalReturn, (x) => signedPct(x), "return_slippage"),
        el("td", { class: "qw-num" }, String(c?.metrics.numberOfTrades ?? "—")));
    })));
}
