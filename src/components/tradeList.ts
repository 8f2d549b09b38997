/**
 * The closed trades of a backtest as a table (the first `limit`), sortable by clicking a column
 * header (again to reverse). A pure function of the trades: no Framework globals.
 */
import type { Trade } from "../engine/records.js";
import { el } from "./dataView.js";

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const fix = (d: number) => (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

const COLUMNS: readonly { label: string; key: keyof Trade; format: (t: Trade) => string; num?: boolean }[] = [
  { label: "#", key: "entryTimeMs", format: () => "", num: true },
  { label: "Symbol", key: "symbol", format: (t) => t.symbol },
  { label: "Side", key: "direction", format: (t) => t.direction },
  { label: "Entry (UTC)", key: "entryTimeMs", format: (t) => stamp(t.entryTimeMs) },
  { label: "Exit (UTC)", key: "exitTimeMs", format: (t) => stamp(t.exitTimeMs) },
  { label: "Qty", key: "quantity", format: (t) => fix(0)(t.quantity), num: true },
  { label: "Entry", key: "entryPrice", format: (t) => fix(2)(t.entryPrice), num: true },
  { label: "Exit", key: "exitPrice", format: (t) => fix(2)(t.exitPrice), num: true },
  { label: "Net PnL", key: "netPnl", format: (t) => fix(2)(t.netPnl), num: true },
  { label: "Return", key: "returnPct", format: (t) => `${(t.returnPct * 100).toFixed(2)} %`, num: true },
  { label: "Bars", key: "bars", format: (t) => String(t.bars), num: true },
];

/**
 * A table of the first `limit` trades (default 200), numbered in run order.
 *
 * @example
 * display(tradeList(result.trades));
 */
export function tradeList(trades: readonly Trade[], limit = 200): HTMLElement {
  const shown = trades.slice(0, limit).map((t, k) => ({ t, k }));
  const tbody = el("tbody");
  let sortBy = -1;
  let descending = false;
  const render = () => {
    const rows = [...shown];
    if (sortBy > 0) {
      const key = COLUMNS[sortBy]!.key;
      rows.sort((a, b) => {
        const x = a.t[key], y = b.t[key];
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return (descending ? -c : c) || a.k - b.k;
      });
    } else if (descending) rows.reverse();
    tbody.replaceChildren(...rows.map(({ t, k }) => el("tr", { class: t.netPnl >= 0 ? "qw-win" : "qw-loss" },
      ...COLUMNS.map((c, j) => el("td", c.num ? { class: "qw-num" } : {}, j === 0 ? String(k + 1) : c.format(t))))));
  };
  const headers = COLUMNS.map((c, j) => {
    const th = el("th", { class: `qw-sortable${c.num ? " qw-num" : ""}`, title: "Sort by this column" }, c.label);
    th.addEventListener("click", () => {
      descending = sortBy === j || (sortBy === -1 && j === 0) ? !descending : false;
      sortBy = j === 0 ? -1 : j;
      for (const h of headers) h.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      render();
    });
    return th;
  });
  render();
  const caption = trades.length === 0 ? "No closed trades."
    : trades.length > limit ? `The first ${limit} of ${trades.length.toLocaleString("en-US")} trades (click a column to sort)`
    : `${trades.length.toLocaleString("en-US")} trade${trades.length === 1 ? "" : "s"} (click a column to sort)`;
  return el("table", { class: "qw-table qw-trades", "data-testid": "trades" },
    el("caption", {}, caption), el("thead", {}, el("tr", {}, ...headers)), tbody);
}
