/**
 * The numbers and sentences of the "Risk rules" note: the blocked orders and the stretches out of
 * ACTIVE, the blocked orders grouped by reason code (Arquero), and what the rules did to the run,
 * computed from the two results.
 */
import aq from "arquero/dist/arquero.min.js";
import type { ColumnTable } from "arquero";
import type { BacktestResult } from "../engine/backtest.js";
import type { Rejection } from "../engine/records.js";
import { RISK_REASON_MEANINGS } from "../engine/risk/reasons.js";
import { num as ratio, pct, signedPct as signed } from "./researchFormat.js";

/** A stretch of time the rules kept trading out of ACTIVE. */
export interface StateSpan {
  readonly state: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly code: string;
}

/** The non-ACTIVE stretches of a run, from its state transitions, the last one ending at `endMs`. */
export function stateSpans(transitions: BacktestResult["riskTransitions"], endMs: number): StateSpan[] {
  const spans: StateSpan[] = [];
  transitions.forEach((t, i) => {
    if (t.to === "ACTIVE") return;
    spans.push({ state: t.to, fromMs: t.timeMs, toMs: transitions[i + 1]?.timeMs ?? endMs, code: t.code });
  });
  return spans;
}

/** Rejections by the risk rules only (not the venue's). */
export const riskRejections = (result: BacktestResult): Rejection[] => result.rejections.filter((r) => r.source === "risk");

/** The rejections as a table: time, symbol, side, qty, code, message, source. */
export function rejectionTable(rejections: readonly Rejection[]): ColumnTable {
  return aq.table({
    time: rejections.map((r) => r.timeMs), symbol: rejections.map((r) => r.symbol), side: rejections.map((r) => r.side ?? "cancel"),
    qty: rejections.map((r) => r.quantity), code: rejections.map((r) => r.code), message: rejections.map((r) => r.message),
    source: rejections.map((r) => r.source),
  });
}

/** Per reason code: how many orders, buys and sells, units, first and last time, and what the code means. Most frequent first. */
export function rejectionsByCode(rejections: readonly Rejection[]): ColumnTable {
  const meanings = aq.table({ code: Object.keys(RISK_REASON_MEANINGS), meaning: Object.values(RISK_REASON_MEANINGS) });
  return rejectionTable(rejections).groupby("code").rollup({
    orders: "d => op.count()", buys: "d => op.sum(d.side === 'buy' ? 1 : 0)", sells: "d => op.sum(d.side === 'sell' ? 1 : 0)",
    qty: "d => op.sum(d.qty)", first: "d => op.min(d.time)", last: "d => op.max(d.time)",
  }).join_left(meanings, "code").orderby(aq.desc("orders"), "code");
}

const days = (ms: number) => `${(ms / 86_400_000).toFixed(ms < 10 * 86_400_000 ? 1 : 0)} days`;
const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/**
 * What the rules blocked and how often they changed the trading state; `venue` counts the orders
 * the simulated venue refused (not the rules), `endMs` is the run's last bar time.
 */
export function blockedNote(byCode: readonly { code: string; orders: number; sells: number; meaning?: string }[], spans: readonly StateSpan[], venue: number, endMs: number): string {
  const total = byCode.reduce((a, r) => a + r.orders, 0);
  if (total === 0) return `The rules blocked no order${venue ? ` (the venue refused ${plural(venue, "order")}, as it does without the rules too)` : ""}: with this data and these limits they never came into play. Tighten a limit to see them act.`;
  const parts = byCode.map((r) => `${r.orders} by ${r.code} (${r.meaning ?? "a rule's own code"})`);
  const halted = spans.filter((s) => s.state === "HALTED"), reducing = spans.filter((s) => s.state === "REDUCING");
  const time = (list: readonly StateSpan[]) => days(list.reduce((a, s) => a + (s.toMs - s.fromMs), 0));
  const states = [
    halted.length ? `halted trading ${halted.length === 1 ? "once" : `${halted.length} times`} (${time(halted)} in all)` : "",
    reducing.length ? `allowed only reducing orders ${reducing.length === 1 ? "once" : `${reducing.length} times`} (${time(reducing)} in all)` : "",
  ].filter(Boolean);
  const sells = byCode.reduce((a, r) => a + r.sells, 0);
  const exits = sells > 0
    ? ` ${plural(sells, "blocked order")} ${sells === 1 ? "was a sell" : "were sells"}; for a long-only strategy those are exits: a rule that refuses every order also refuses the way out, and the strategy keeps positions it meant to close.`
    : "";
  const last = spans[spans.length - 1];
  const stuck = last && last.toMs >= endMs && /DRAWDOWN/.test(last.code)
    ? ` The run ended ${last.state} by the drawdown breaker (since ${new Date(last.fromMs).toISOString().slice(0, 10)}): a breaker that waits for the drawdown to shrink cannot lift while it keeps the strategy out of the market, since a flat account does not recover.`
    : "";
  return `The rules blocked ${plural(total, "order")}: ${parts.join("; ")}.` + (states.length ? ` Along the way they ${states.join(" and ")}.` : "") + exits + stuck;
}

/** What the rules did to the run, in plain words. */
export function effectNote(without: BacktestResult, withRules: BacktestResult): string {
  const a = without.metrics, b = withRules.metrics;
  const head = `With the rules the run returned ${signed(b.totalReturn)} against ${signed(a.totalReturn)} without them; its maximum drawdown was ${pct(b.maxDrawdown)} against ${pct(a.maxDrawdown)}, ` +
    `its Sharpe ratio ${ratio(b.sharpe)} against ${ratio(a.sharpe)}, over ${plural(b.numberOfTrades, "trade")} against ${a.numberOfTrades}.`;
  const safer = b.maxDrawdown < a.maxDrawdown - 0.005, richer = b.totalReturn > a.totalReturn + 0.001, poorer = b.totalReturn < a.totalReturn - 0.001;
  let verdict: string;
  if (safer && !poorer) verdict = "The rules cut the drawdown without costing return: here they are free insurance.";
  else if (safer && poorer) verdict = `The rules bought ${((a.maxDrawdown - b.maxDrawdown) * 100).toFixed(1)} points less drawdown with ${((a.totalReturn - b.totalReturn) * 100).toFixed(1)} points less return: whether that is worth it depends on the drawdown you can live with.`;
  else if (!safer && poorer) verdict = "The rules cost return without cutting the drawdown: blocked entries made the strategy miss its recoveries. Loosen them, or pick rules that act on what actually hurts this strategy.";
  else if (richer) verdict = "The rules happened to help both return and drawdown here; check that this holds on other symbols and periods before trusting it.";
  else verdict = "The rules changed little: the run with them ends close to the run without.";
  return `${head} ${verdict}`;
}
