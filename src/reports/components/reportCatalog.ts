/**
 * The reports index: a row per published report with its strategy, data and key figures, and a
 * link to its page. A pure function of the catalog the build-time loader writes
 * (src/reports/catalog.json.ts).
 */
import type { Metrics } from "../../engine/metrics/computeMetrics.js";
import { el } from "../../components/dataView.js";
import { day, num, pct, signedPct } from "../../components/researchFormat.js";

/** One catalog entry: a report's headline, or why it could not be built. */
export interface CatalogEntry {
  readonly id: string;
  readonly title: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly strategy?: string;
  readonly strategyKind?: "built-in" | "bundle";
  readonly params?: Readonly<Record<string, unknown>>;
  readonly dataset?: string;
  readonly symbols?: readonly string[];
  readonly timeframe?: string;
  readonly firstMs?: number;
  readonly lastMs?: number;
  readonly metrics?: Metrics;
  readonly engineVersion?: string;
}

/**
 * @example
 * display(reportCatalog(entries));
 */
export function reportCatalog(entries: readonly CatalogEntry[]): HTMLElement {
  if (entries.length === 0) {
    return el("p", { class: "qw-status", "data-testid": "catalog" }, "No report is published yet: publish a run with npm run report (or the hub), then build the site.");
  }
  const head = ["Report", "Strategy", "Data", "Total return", "CAGR", "Sharpe", "Max drawdown", "Trades"];
  return el("div", { class: "qw-scroll" }, el("table", { class: "qw-table", "data-testid": "catalog" },
    el("thead", {}, el("tr", {}, ...head.map((h, k) => el("th", { class: k >= 3 ? "qw-num" : "" }, h)))),
    el("tbody", {}, ...entries.map((e) => {
      const link = el("a", { href: `./${e.id}`, "data-report": e.id }, e.title);
      if (e.error || !e.metrics) {
        return el("tr", { "data-id": e.id }, el("td", {}, link, el("br"), el("small", { class: "qw-bad" }, `cannot be built: ${e.error?.message ?? "no figures"}`)), el("td", { colspan: String(head.length - 1) }, ""));
      }
      const m = e.metrics;
      const params = Object.entries(e.params ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
      return el("tr", { "data-id": e.id },
        el("td", {}, link, el("br"), el("small", { class: "qw-hash" }, e.id)),
        el("td", {}, e.strategy ?? "", e.strategyKind === "bundle" ? " (bundle)" : "", el("br"), el("small", {}, params)),
        el("td", {}, `${(e.symbols ?? []).join(", ")} · ${e.dataset}`, el("br"), el("small", { class: "qw-span" }, `${e.timeframe} bars, ${day(e.firstMs ?? NaN)} → ${day(e.lastMs ?? NaN)}`)),
        ...([["totalReturn", signedPct(m.totalReturn)], ["cagr", signedPct(m.cagr)], ["sharpe", num(m.sharpe)], ["maxDrawdown", pct(m.maxDrawdown)], ["numberOfTrades", m.numberOfTrades.toLocaleString("en-US")]] as const)
          .map(([key, text]) => el("td", { class: "qw-num", "data-metric": key, "data-value": String(m[key]) }, text)));
    }))));
}
