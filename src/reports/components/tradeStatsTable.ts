/**
 * The trade statistics of a report as a two-column table (label, value), in two halves side by
 * side like the metrics table. Each value cell carries data-stat and data-value (exact).
 */
import type { HoldingTimes, TradeStatistics } from "../../engine/report/tradeStatistics.js";
import { el } from "../../components/dataView.js";

const money = (x: number) => (Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : x === Infinity ? "∞" : "—");
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : "—");
const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : x === Infinity ? "∞" : "—");
const count = (x: number) => (Number.isFinite(x) ? x.toLocaleString("en-US") : "—");

/** 93_600_000 → "1.1 days", 5_400_000 → "1.5 h". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : h >= 1 ? `${h.toFixed(1)} h` : `${(ms / 60_000).toFixed(0)} min`;
}

const holdingText = (h: HoldingTimes) => `${duration(h.meanMs)} mean · ${duration(h.medianMs)} median`;

/**
 * @example
 * display(tradeStatsTable(report.sheet.tradeStatistics));
 */
export function tradeStatsTable(s: TradeStatistics): HTMLElement {
  const rows: [string, string, number, string][] = [
    ["Trades", "count", s.count, `${count(s.count)} (${count(s.long)} long, ${count(s.short)} short)`],
    ["Won / lost / even", "wins", s.wins, `${count(s.wins)} / ${count(s.losses)} / ${count(s.breakevens)}`],
    ["Win rate", "winRate", s.winRate, pct(s.winRate)],
    ["Average win", "averageWin", s.averageWin, money(s.averageWin)],
    ["Average loss", "averageLoss", s.averageLoss, money(s.averageLoss)],
    ["Payoff (avg win / avg loss)", "payoff", s.payoff, ratio(s.payoff)],
    ["Expectancy per trade", "expectancy", s.expectancy, money(s.expectancy)],
    ["Profit factor", "profitFactor", s.profitFactor, ratio(s.profitFactor)],
    ["Best / worst trade", "best", s.best, `${money(s.best)} / ${money(s.worst)}`],
    ["Longest winning streak", "longestWinStreak", s.longestWinStreak, `${count(s.longestWinStreak)} trades`],
    ["Longest losing streak", "longestLossStreak", s.longestLossStreak, `${count(s.longestLossStreak)} trades`],
    ["Holding time", "holdingMeanMs", s.holding.meanMs, holdingText(s.holding)],
    ["… of winners", "holdingWinsMeanMs", s.holdingWins.meanMs, holdingText(s.holdingWins)],
    ["… of losers", "holdingLossesMeanMs", s.holdingLosses.meanMs, holdingText(s.holdingLosses)],
    ["Longest holding", "holdingMaxMs", s.holding.maxMs, duration(s.holding.maxMs)],
    ["Commission paid", "commission", s.commission, money(s.commission)],
  ];
  const row = ([label, key, value, text]: (typeof rows)[number]) =>
    el("tr", {}, el("th", {}, label), el("td", { class: "qw-num", "data-stat": key, "data-value": String(value) }, text));
  const half = Math.ceil(rows.length / 2);
  const table = (part: typeof rows) => el("table", { class: "qw-table qw-metrics" }, el("tbody", {}, ...part.map(row)));
  return el("div", { class: "qw-metrics-wrap", "data-testid": "trade-stats" }, table(rows.slice(0, half)), table(rows.slice(half)));
}
