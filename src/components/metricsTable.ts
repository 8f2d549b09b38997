/**
 * The metrics of a backtest as a table: a pure function of the result (no Framework globals).
 * Each value cell carries the raw number in `data-value` (String(x), which round-trips exactly)
 * and its metric's name in `data-metric`, so tests and scripts can read the exact values.
 */
import type { BacktestResult } from "../engine/backtest.js";
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import { el } from "./dataView.js";

type Format = (x: number) => string;

const finite = (f: (x: number) => string) => (x: number) => (Number.isFinite(x) ? f(x) : x === Infinity ? "∞" : "—");
const money = finite((x) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const pct = finite((x) => `${(x * 100).toFixed(2)} %`);
const ratio = finite((x) => x.toFixed(3));
const count = finite((x) => x.toLocaleString("en-US"));
const days = finite((ms) => `${(ms / 86_400_000).toFixed(1)} days`);

/** The rows shown, in order: label, metric key, format. */
export const METRIC_ROWS: readonly (readonly [string, keyof Metrics, Format])[] = [
  ["Final equity", "finalEquity", money],
  ["Total return", "totalReturn", pct],
  ["CAGR", "cagr", pct],
  ["Annual volatility", "annualVolatility", pct],
  ["Sharpe", "sharpe", ratio],
  ["Sortino", "sortino", ratio],
  ["Calmar", "calmar", ratio],
  ["Max drawdown", "maxDrawdown", pct],
  ["Max drawdown duration", "maxDrawdownDurationMs", days],
  ["Trades", "numberOfTrades", count],
  ["Win rate", "winRate", pct],
  ["Profit factor", "profitFactor", ratio],
  ["Expectancy", "expectancy", money],
  ["Average win", "averageWin", money],
  ["Average loss", "averageLoss", money],
  ["Exposure", "exposure", pct],
  ["Turnover", "turnover", finite((x) => `${x.toFixed(2)}×`)],
  ["Commission paid", "totalCommission", money],
];

/**
 * A two-column table (metric, value) of `result.metrics`, in two side-by-side halves.
 *
 * @example
 * display(metricsTable(result));
 */
export function metricsTable(result: BacktestResult): HTMLElement {
  const m = result.metrics;
  const row = ([label, key, format]: (typeof METRIC_ROWS)[number]) =>
    el("tr", {}, el("th", {}, label), el("td", { class: "qw-num", "data-metric": key, "data-value": String(m[key]) }, format(m[key])));
  const half = Math.ceil(METRIC_ROWS.length / 2);
  const table = (rows: typeof METRIC_ROWS) => el("table", { class: "qw-table qw-metrics" }, el("tbody", {}, ...rows.map(row)));
  return el("div", { class: "qw-metrics-wrap", "data-testid": "metrics" }, table(METRIC_ROWS.slice(0, half)), table(METRIC_ROWS.slice(half)));
}
