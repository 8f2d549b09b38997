/**
 * A multi-symbol backtest split by symbol: its closed trades (count, win rate, net PnL,
 * commission) and the position left at the end with its unrealized PnL. A pure function of the
 * result: no Framework globals. The portfolio-level figures are in metricsTable.
 */
import type { BacktestResult } from "../engine/backtest.js";
import { el } from "./dataView.js";

/** One symbol's share of a run. */
export interface SymbolRow {
  readonly symbol: string;
  readonly trades: number;
  /** Winning closed trades / closed trades; NaN without trades. */
  readonly winRate: number;
  /** Sum of the closed trades' net PnL (after commission). */
  readonly netPnl: number;
  readonly commission: number;
  /** Signed quantity held at the end, and its PnL at the last price. */
  readonly position: number;
  readonly unrealizedPnl: number;
}

/** The rows, in the run's symbol order. */
export function symbolRows(result: Pick<BacktestResult, "symbols" | "trades" | "positions">): SymbolRow[] {
  return result.symbols.map((symbol) => {
    const trades = result.trades.filter((t) => t.symbol === symbol);
    const position = result.positions.find((p) => p.symbol === symbol);
    return {
      symbol, trades: trades.length,
      winRate: trades.length ? trades.filter((t) => t.netPnl > 0).length / trades.length : NaN,
      netPnl: trades.reduce((s, t) => s + t.netPnl, 0),
      commission: trades.reduce((s, t) => s + t.commission, 0),
      position: position?.quantity ?? 0,
      unrealizedPnl: position?.unrealizedPnl ?? 0,
    };
  });
}

const money = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COLUMNS: readonly [string, keyof SymbolRow, (r: SymbolRow) => string][] = [
  ["Trades", "trades", (r) => r.trades.toLocaleString("en-US")],
  ["Win rate", "winRate", (r) => (Number.isFinite(r.winRate) ? `${(r.winRate * 100).toFixed(2)} %` : "—")],
  ["Net PnL (closed)", "netPnl", (r) => money(r.netPnl)],
  ["Commission", "commission", (r) => money(r.commission)],
  ["Position at end", "position", (r) => r.position.toLocaleString("en-US")],
  ["Unrealized PnL", "unrealizedPnl", (r) => money(r.unrealizedPnl)],
];

/**
 * The table (`data-testid="per-symbol"`); each value cell carries `data-symbol`, `data-key` and
 * the exact `data-value`.
 *
 * @example
 * if (result.symbols.length > 1) display(symbolBreakdown(result));
 */
export function symbolBreakdown(result: Pick<BacktestResult, "symbols" | "trades" | "positions">): HTMLElement {
  const rows = symbolRows(result);
  const sign = (x: number) => (x > 0 ? "qw-pos" : x < 0 ? "qw-neg" : "");
  return el("table", { class: "qw-table qw-per-symbol", "data-testid": "per-symbol" },
    el("caption", {}, "By symbol (the metrics above are the whole portfolio's)"),
    el("thead", {}, el("tr", {}, el("th", {}, "Symbol"), ...COLUMNS.map(([label]) => el("th", { class: "qw-num" }, label)))),
    el("tbody", {}, ...rows.map((r) => el("tr", { "data-symbol": r.symbol }, el("th", {}, r.symbol),
      ...COLUMNS.map(([, key, format]) => el("td", {
        class: `qw-num ${key === "netPnl" || key === "unrealizedPnl" ? sign(r[key] as number) : ""}`.trim(),
        "data-symbol": r.symbol, "data-key": key, "data-value": String(r[key]),
      }, format(r)))))));
}
