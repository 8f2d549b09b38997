/**
 * The latest backtests across visits, for the home page: a few numbers per run kept in the
 * browser's localStorage (never the bars or the equity arrays). A browser that refuses storage
 * simply keeps none.
 */
import type { BacktestResult } from "../engine/backtest.js";
import { el } from "./dataView.js";
import { runLabel } from "./runs.js";

const KEY = "qw.recentRuns";
const KEEP = 10;

export interface RecentRun {
  readonly label: string;
  readonly dataset: string;
  readonly atMs: number;
  readonly totalReturn: number;
  readonly sharpe: number;
  readonly maxDrawdown: number;
  readonly trades: number;
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function recentRuns(): RecentRun[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? (parsed as RecentRun[]).slice(0, KEEP) : [];
  } catch {
    return [];
  }
}

/** Remembers a completed run (newest first, at most ten). */
export function rememberRun(result: BacktestResult, dataset: string): void {
  const m = result.metrics;
  const run: RecentRun = { label: runLabel(result), dataset, atMs: Date.now(), totalReturn: m.totalReturn, sharpe: m.sharpe, maxDrawdown: m.maxDrawdown, trades: m.numberOfTrades };
  try {
    storage()?.setItem(KEY, JSON.stringify([run, ...recentRuns()].slice(0, KEEP)));
  } catch {
    // storage full or refused: the home page just shows fewer runs
  }
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : "—");

/** The recent runs as a table, or a line saying there are none yet. */
export function recentRunsTable(runs: readonly RecentRun[] = recentRuns()): HTMLElement {
  if (runs.length === 0) return el("p", { class: "qw-status", "data-testid": "recent-runs" }, "No runs yet in this browser: run a backtest and it shows here.");
  return el("table", { class: "qw-table", "data-testid": "recent-runs" },
    el("thead", {}, el("tr", {}, ...["When", "Run", "Data", "Return", "Sharpe", "Max DD", "Trades"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...runs.map((r) => el("tr", {},
      el("td", {}, new Date(r.atMs).toISOString().slice(0, 16).replace("T", " ")),
      el("td", {}, r.label), el("td", {}, r.dataset),
      el("td", { class: "qw-num" }, pct(r.totalReturn)),
      el("td", { class: "qw-num" }, Number.isFinite(r.sharpe) ? r.sharpe.toFixed(3) : "—"),
      el("td", { class: "qw-num" }, pct(r.maxDrawdown)),
      el("td", { class: "qw-num" }, String(r.trades))))));
}
