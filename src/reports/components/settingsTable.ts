/**
 * What the report run was configured with: each parameter (value, default, what it means), the
 * costs and fill rule, and the risk rules as the JSON the CLI's --risk file takes.
 */
import type { Report } from "./reportData.js";
import { el } from "../../components/dataView.js";

/**
 * @example
 * display(settingsTable(report));
 */
export function settingsTable(report: Report): HTMLElement {
  const { schema } = report.strategy;
  const params = report.sheet.run.params;
  const s = report.settings;
  const paramRows = Object.entries(params).map(([name, value]) => {
    const spec = schema[name];
    const changed = spec && spec.default !== value;
    return el("tr", {}, el("th", {}, name), el("td", { class: `qw-num${changed ? " qw-changed" : ""}`, "data-param": name, "data-value": String(value) }, String(value)),
      el("td", { class: "qw-num" }, spec ? String(spec.default) : ""), el("td", {}, el("small", {}, spec?.description ?? "")));
  });
  const costRows: [string, string][] = [
    ["Starting cash", s.cash.toLocaleString("en-US")],
    ["Commission", `${(s.commission * 100).toFixed(3)} % of the traded value`],
    ["Slippage", `${s.slippageBps} bps against each fill`],
    ["Market orders fill", s.fillOnClose ? "at the signal bar's close" : "at the next bar's open"],
  ];
  return el("div", { class: "qw-settings", "data-testid": "settings" },
    el("table", { class: "qw-table" },
      el("caption", {}, `Parameters of ${report.strategy.name}${report.strategy.description ? ` — ${report.strategy.description}` : ""}`),
      el("thead", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", { class: "qw-num" }, "Value"), el("th", { class: "qw-num" }, "Default"), el("th", {}, "Meaning"))),
      el("tbody", {}, ...paramRows)),
    el("table", { class: "qw-table" }, el("caption", {}, "Costs and fills"), el("tbody", {}, ...costRows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))))),
    el("p", { class: "qw-subhead" }, "Risk rules"),
    s.risk ? el("pre", { class: "qw-config", "data-testid": "risk-config" }, JSON.stringify(s.risk, null, 2)) : el("p", { class: "qw-status" }, "None: every order went straight to the simulated venue."));
}
