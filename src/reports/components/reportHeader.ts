/**
 * The top of a report page: what was run on what, and the hashes it is pinned to. Pure functions
 * of the report.
 */
import { el } from "../../components/dataView.js";
import { day, pct } from "../../components/researchFormat.js";
import type { Report } from "./reportData.js";

const paramText = (params: Readonly<Record<string, unknown>>) => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ");

/**
 * One paragraph: the strategy with its parameters, the data (symbols, timeframe, bars, dates) and
 * the costs.
 *
 * @example
 * display(runFacts(report));
 */
export function runFacts(report: Report): HTMLElement {
  const { data, settings, sheet, strategy } = report;
  const first = Math.min(...data.series.map((s) => s.firstMs)), last = Math.max(...data.series.map((s) => s.lastMs));
  const bars = data.series.reduce((n, s) => n + s.bars, 0);
  const costs = [`${settings.cash.toLocaleString("en-US")} cash`, `commission ${pct(settings.commission, 2)}`,
    ...(settings.slippageBps ? [`slippage ${settings.slippageBps} bps`] : []), settings.fillOnClose ? "fills at the signal bar's close" : "fills at the next bar's open"];
  return el("p", { class: "qw-result-head qw-report-facts", "data-testid": "report-facts" },
    el("strong", {}, strategy.name), strategy.kind === "bundle" ? " (bundled code)" : "", ` ${paramText(sheet.run.params)}`,
    " on ", el("strong", {}, data.series.map((s) => s.symbol).join(", ")),
    ` · ${data.dataset} · ${data.series[0]?.timeframe ?? ""} bars · ${bars.toLocaleString("en-US")} bars from ${day(first)} to ${day(last)} · ${costs.join(" · ")}`);
}

/**
 * The pins as a table: each value cell carries `data-pin` (its key) and `data-value` (the full hash).
 *
 * @example
 * display(pinsTable(report));
 */
export function pinsTable(report: Report): HTMLElement {
  const p = report.pins;
  const rows: [string, keyof typeof p, string][] = [
    ["Spec", "specSha256", `src/reports/specs/${report.id}.json; the id is its first 12 digits`],
    ["Data", "dataSha256", p.dataHashOf === "file bytes" ? `the bytes of ${report.data.dataset}` : `the bars of the built-in sample ${report.data.dataset}, generated at build time`],
    ["Bars run", "barsSha256", "each symbol, then time, open, high, low, close, volume as little-endian float64"],
    ["Strategy code", "codeSha256", p.codeSource === "bundle" ? "the bundle's code" : p.codeSource],
    ["Parameters", "paramsHash", "the canonical JSON of the parameter values run"],
    ["Engine", "engineVersion", "package version + hash of the engine's sources"],
  ];
  return el("table", { class: "qw-table qw-pins", "data-testid": "pins" },
    el("caption", {}, "Pinned to (sha256): rebuild with the same inputs and every figure below comes out the same"),
    el("tbody", {}, ...rows.map(([label, key, what]) => el("tr", {},
      el("th", {}, label), el("td", { class: "qw-hash", "data-pin": key, "data-value": p[key] }, p[key]), el("td", {}, el("small", {}, what))))));
}
