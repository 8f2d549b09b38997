/**
 * One account on the live monitor: what it runs (the promoted bundle or a built-in strategy), its
 * mode, state and risk state, equity and PnL, positions, feed health, recent orders and fills. A
 * pure function of what the hub answered; the page hands in the action bar and the
 * live-versus-backtest panel, which keep their own state across refreshes.
 *
 * @example
 * card.replaceWith(accountCard({ summary, orders, fills, bundle }, { actions, drift }));
 */
import { el } from "./dataView.js";
import type { AccountSummary, TraderFill, TraderOrder, TraderStatus } from "./monitorClient.js";

export interface AccountView {
  readonly summary: AccountSummary;
  readonly orders?: readonly TraderOrder[];
  readonly fills?: readonly TraderFill[];
  /** Why the orders or fills could not be had this time. */
  readonly problem?: string;
  /** When this was asked for (UTC ms). */
  readonly asOfMs?: number;
}

const OPEN = new Set(["pending_submit", "new", "partially_filled", "unknown"]);

/** "2024-01-01 10:02:59" (UTC), or "—". */
export const utc = (ms: number | null | undefined): string =>
  typeof ms === "number" && Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace("T", " ") : "—";
const money = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : "—");
const qty = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: 8 }) : "—");
const signed = (x: number) => `${x > 0 ? "+" : ""}${money(x)}`;

/** A small coloured label; `tone` picks the colour (see the page's .qw-mon-badge rules). */
export function badge(text: string, tone: "good" | "warn" | "bad" | "info" | "muted", testid?: string): HTMLElement {
  return el("span", { class: `qw-mon-badge qw-mon-${tone}`, ...(testid ? { "data-testid": testid } : {}) }, text);
}

const stateTone = (state: string) => (state === "running" ? "good" : state === "halted" || state === "stopped" ? "bad" : "warn");
const riskTone = (risk: string) => (risk === "ACTIVE" ? "good" : risk === "HALTED" ? "bad" : "warn");

function table(caption: string, testid: string, head: readonly string[], numeric: readonly boolean[], rows: readonly (readonly (string | Node)[])[], rowClass?: (i: number) => string, empty = "none"): HTMLElement {
  const t = el("table", { class: "qw-table qw-mon-table", "data-testid": testid },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...head.map((h, j) => el("th", numeric[j] ? { class: "qw-num" } : {}, h)))),
    el("tbody", {}, ...(rows.length === 0
      ? [el("tr", {}, el("td", { colspan: String(head.length), class: "qw-status" }, empty))]
      : rows.map((r, i) => el("tr", rowClass ? { class: rowClass(i) } : {}, ...r.map((c, j) => el("td", numeric[j] ? { class: "qw-num" } : {}, c)))))));
  return t;
}

function statsOf(s: TraderStatus): HTMLElement {
  const unrealized = s.positions.reduce((a, p) => a + (p.unrealizedPnl ?? 0), 0);
  const realized = s.positions.reduce((a, p) => a + (p.realizedPnl ?? 0), 0);
  const stat = (label: string, value: string, key: string, tone?: string) =>
    el("div", { class: "qw-mon-stat" }, el("span", { class: "qw-mon-stat-label" }, label), el("span", { class: `qw-mon-stat-value${tone ? ` ${tone}` : ""}`, "data-testid": `stat-${key}` }, value));
  const pnlTone = (x: number) => (x > 0 ? "qw-mon-up" : x < 0 ? "qw-mon-down" : "");
  return el("div", { class: "qw-mon-stats" },
    stat("Equity", money(s.equity), "equity"),
    stat("Cash", money(s.cash), "cash"),
    stat("Unrealized PnL", signed(unrealized), "unrealized", pnlTone(unrealized)),
    stat("Realized PnL", signed(realized), "realized", pnlTone(realized)),
    stat("Open orders", String(s.openOrders), "open-orders"),
    stat("Last bar (UTC)", utc(s.lastBarMs), "last-bar"));
}

function feedOf(s: TraderStatus): HTMLElement {
  if (s.feed.length === 0) return el("p", { class: "qw-hint", "data-testid": "feed" }, "Feed: not started");
  return el("p", { class: "qw-mon-feed", "data-testid": "feed" }, "Feed: ",
    ...s.feed.flatMap((f, i) => [
      ...(i > 0 ? [" "] : []),
      badge(`${f.symbol} ${f.status}`, f.status === "ok" ? "good" : f.status === "stale" || f.status === "reconnecting" ? "warn" : "muted"),
      el("small", {}, ` last bar ${utc(f.lastBarMs)}${f.reconnects ? ` · ${f.reconnects} reconnect${f.reconnects === 1 ? "" : "s"}` : ""}${f.lastError ? ` · ${f.lastError}` : ""}`),
    ]));
}

/** The account's card. `slots.actions` and `slots.drift` are placed as they are. */
export function accountCard(view: AccountView, slots: { readonly actions?: HTMLElement; readonly drift?: HTMLElement } = {}): HTMLElement {
  const { summary } = view;
  const s = summary.status;
  const head = el("div", { class: "qw-mon-head" }, el("h3", {}, summary.account),
    ...(s ? [badge(s.mode, s.mode === "live" ? "bad" : "info", "mode"), badge(s.state, stateTone(s.state), "state"), badge(`risk ${s.risk}`, riskTone(s.risk), "risk"),
      ...(s.killed ? [badge("killed", "bad", "killed")] : [])] : [badge("unreachable", "bad", "state")]),
    el("span", { class: "qw-mon-url" }, summary.url));
  const card = el("section", { class: "qw-mon-card", "data-testid": `account-${summary.account}`, "data-state": s?.state ?? "unreachable" }, head);
  if (!s) {
    card.append(el("p", { class: "qw-error", "data-testid": "account-error" }, summary.error ?? "the trader did not answer"));
    return card;
  }
  const bundle = summary.bundle;
  const runs = bundle
    ? el("p", { class: "qw-mon-runs", "data-testid": "runs" }, "Runs bundle ", el("code", { title: bundle.id, "data-testid": "bundle-id", "data-id": bundle.id }, bundle.id.slice(0, 12)),
      ` · ${bundle.name}`, ...(bundle.previous?.length ? [el("small", {}, ` · ${bundle.previous.length} earlier bundle${bundle.previous.length === 1 ? "" : "s"} to roll back to`)] : []))
    : el("p", { class: "qw-mon-runs", "data-testid": "runs" }, "Runs the built-in strategy ", el("code", {}, s.strategy));
  const params = Object.entries(s.params);
  card.append(runs,
    ...(params.length ? [el("p", { class: "qw-mon-params", "data-testid": "params" }, ...params.flatMap(([k, v], i) => [...(i ? [" · "] : []), el("span", {}, `${k} `), el("strong", {}, String(v))]))] : []),
    statsOf(s), feedOf(s));
  if (slots.actions) card.append(slots.actions);
  const positions = table("Positions", "positions", ["Symbol", "Quantity", "Average price", "Last price", "Unrealized", "Realized"], [false, true, true, true, true, true],
    s.positions.map((p) => [p.symbol, qty(p.quantity), p.quantity === 0 ? "—" : money(p.averagePrice), money(p.lastPrice), signed(p.unrealizedPnl), signed(p.realizedPnl)]));
  const orders = view.orders ?? [];
  const ordersTable = table(`Orders (latest ${orders.length}; open ones shaded)`, "orders",
    ["Decided (UTC)", "Symbol", "Side", "Type", "Quantity", "Filled", "Avg price", "Status", "From"], [false, false, false, false, true, true, true, false, false],
    orders.map((o) => [utc(o.createdMs), o.symbol, o.side, o.type, qty(o.quantity), qty(o.filledQuantity), o.filledQuantity > 0 ? money(o.averagePrice) : "—",
      o.status + (o.reason ? ` (${o.reason})` : ""), o.tag ? `${o.source} · ${o.tag}` : o.source]),
    (i) => `qw-mon-${orders[i]!.side}${OPEN.has(orders[i]!.status) ? " qw-mon-open" : ""}`, "no orders yet");
  const fills = view.fills ?? [];
  const fillsTable = table(`Fills (latest ${fills.length})`, "fills", ["Time (UTC)", "Symbol", "Side", "Quantity", "Price", "Fee"], [false, false, false, true, true, true],
    fills.map((f) => [utc(f.timeMs), f.symbol, f.side, qty(f.quantity), money(f.price), qty(f.fee)]), (i) => `qw-mon-${fills[i]!.side}`, "no fills yet");
  card.append(el("div", { class: "qw-mon-tables" }, positions),
    ...(view.problem ? [el("p", { class: "qw-error" }, view.problem)] : []),
    el("div", { class: "qw-mon-tables" }, ordersTable, fillsTable));
  if (slots.drift) card.append(slots.drift);
  return card;
}
