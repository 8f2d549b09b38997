/**
 * Small-sample and other caveats of a tear sheet, as data: each rule below looks at the numbers
 * and, when they cannot be trusted, says which section, what, and why (with the figures).
 */
import { YEAR_MS } from "../metrics/inferPeriodsPerYear.js";

/** Fewer closed trades than this and trade statistics are mostly noise. */
export const MIN_TRADES = 30;
/** Fewer calendar months than this and a monthly table shows no seasonality or consistency. */
export const MIN_MONTHS = 24;
/** A Sharpe ratio from less history than this (in years) says little about the next year. */
export const MIN_SHARPE_YEARS = 1;
/** Fewer rolling-Sharpe window samples than this and each point is very noisy. */
export const MIN_ROLLING_WINDOW = 30;
/** Fewer walk-forward windows that traded than this and the efficiency is an anecdote. */
export const MIN_WALK_FORWARD_WINDOWS = 3;
/** A break-even cost per side below this multiple of the costs assumed leaves little margin. */
export const MIN_COST_MARGIN = 2;

/** The parts of a tear sheet a warning can attach to. */
export type ReportSection = "summary" | "monthly" | "rollingSharpe" | "trades" | "exposure" | "costs" | "walkForward" | "monteCarlo";

export interface ReportWarning {
  /** Stable code, e.g. FEW_TRADES. */
  readonly code: string;
  readonly section: ReportSection;
  /** What cannot be trusted. */
  readonly message: string;
  /** The rule that fired, with the numbers. */
  readonly reason: string;
}

/** The figures the rules look at. */
export interface WarningFacts {
  /** The run stopped early: its code and message. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly trades: number;
  /** wins / trades, for the margin of error of the win rate. */
  readonly winRate: number;
  readonly months: number;
  /** First and last sample (UTC ms). */
  readonly startMs: number;
  readonly endMs: number;
  readonly rollingWindow: number;
  /** Symbols still held at the end, with their unrealised PnL. */
  readonly openPositions: readonly { readonly symbol: string; readonly unrealizedPnl: number }[];
  readonly walkForward?: { readonly windowsTraded: number; readonly error?: string };
  readonly costs?: { readonly baseBps: number; readonly breakEvenBps: number };
}

const fmt = (x: number, d = 1) => x.toLocaleString("en-US", { maximumFractionDigits: d });

/**
 * Every warning that applies, in section order.
 *
 * @example
 * reportWarnings({ trades: 12, winRate: 0.5, months: 120, startMs, endMs, rollingWindow: 63, openPositions: [] });
 * // [{ code: "FEW_TRADES", section: "trades", … }, { code: "FEW_TRADES", section: "monteCarlo", … }]
 */
export function reportWarnings(f: WarningFacts): ReportWarning[] {
  const out: ReportWarning[] = [];
  const years = (f.endMs - f.startMs) / YEAR_MS;
  if (f.error) {
    out.push({ code: "RUN_STOPPED", section: "summary", message: "The run stopped before the end of the data: every figure covers only the part that ran.", reason: `${f.error.code}: ${f.error.message}` });
  }
  if (!(years >= MIN_SHARPE_YEARS)) {
    out.push({ code: "SHORT_HISTORY", section: "summary", message: "The Sharpe, Sortino and CAGR are annualised from less than a year of data.", reason: `${fmt(Number.isFinite(years) ? years * 365.25 : 0, 0)} days of data < ${MIN_SHARPE_YEARS} year` });
  }
  if (f.months < MIN_MONTHS) {
    out.push({ code: "FEW_MONTHS", section: "monthly", message: "Too few months to judge how steady the returns are from month to month or year to year.", reason: `${f.months} months < ${MIN_MONTHS}` });
  }
  if (f.rollingWindow < MIN_ROLLING_WINDOW) {
    out.push({ code: "SMALL_ROLLING_WINDOW", section: "rollingSharpe", message: "Each point of the rolling Sharpe rests on very few returns.", reason: `window of ${f.rollingWindow} samples < ${MIN_ROLLING_WINDOW}` });
  }
  if (f.trades === 0) {
    out.push({ code: "NO_TRADES", section: "trades", message: "No trade was closed: there are no trade statistics.", reason: "0 closed trades" });
  } else if (f.trades < MIN_TRADES) {
    // the normal approximation of a proportion's 95 % interval: enough to show how wide it is
    const margin = 1.96 * Math.sqrt((f.winRate * (1 - f.winRate)) / f.trades);
    out.push({ code: "FEW_TRADES", section: "trades", message: `Trade statistics from ${f.trades} trades: the win rate alone is uncertain by about ±${fmt(margin * 100, 0)} points.`, reason: `${f.trades} closed trades < ${MIN_TRADES}` });
  }
  for (const p of f.openPositions) {
    out.push({ code: "OPEN_AT_END", section: "trades", message: `${p.symbol} is still held at the end: its open PnL is in the equity but in no trade.`, reason: `unrealised PnL ${fmt(p.unrealizedPnl, 2)}` });
  }
  if (f.costs && f.costs.baseBps > 0 && f.costs.breakEvenBps < MIN_COST_MARGIN * f.costs.baseBps) {
    out.push({ code: "THIN_COST_MARGIN", section: "costs", message: "The edge disappears at costs not far above those assumed.", reason: `break-even ${fmt(f.costs.breakEvenBps)} bps per side < ${MIN_COST_MARGIN} × the ${fmt(f.costs.baseBps)} bps assumed` });
  }
  if (f.walkForward) {
    if (f.walkForward.error && f.walkForward.windowsTraded === 0) {
      out.push({ code: "NO_WALK_FORWARD", section: "walkForward", message: "The walk-forward could not run.", reason: f.walkForward.error });
    } else if (f.walkForward.windowsTraded < MIN_WALK_FORWARD_WINDOWS) {
      out.push({ code: "FEW_WINDOWS", section: "walkForward", message: "The walk-forward efficiency rests on too few out-of-sample windows.", reason: `${f.walkForward.windowsTraded} windows traded < ${MIN_WALK_FORWARD_WINDOWS}` });
    }
  }
  if (f.trades < MIN_TRADES) {
    out.push({ code: "FEW_TRADES", section: "monteCarlo", message: `Reordering or redrawing ${f.trades} trades gives a distribution with little in it.`, reason: `${f.trades} closed trades < ${MIN_TRADES}` });
  }
  return out;
}
