/**
 * A report as the page gets it: the JSON the build-time loader wrote (src/reports/[run].json.ts),
 * read back with its non-finite numbers restored, and the pieces the shared charts take.
 */
import type { BacktestResult } from "../../engine/backtest.js";
import { drawdownSeries } from "../../engine/metrics/drawdownSeries.js";
import type { Report, ReportFailure } from "../../engine/node/reports/buildReport.js";
import type { ReportSection, ReportWarning } from "../../engine/report/reportWarnings.js";

export type { Report, ReportFailure };

/**
 * Parses the loader's JSON: null back to NaN and "Infinity"/"-Infinity" back to ±Infinity (see
 * engine/node/reports/reportJson.ts).
 *
 * @example
 * const report = reviveReport(await FileAttachment(`${observable.params.run}.json`).text());
 */
export function reviveReport<T = Report | ReportFailure>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => (v === null ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v)) as T;
}

/**
 * The run as the shared result views take it (metricsTable, equityChart): typed arrays, and the
 * drawdown computed from the equity by the engine's own drawdownSeries.
 */
export function runView(report: Report): Pick<BacktestResult, "time" | "equity" | "drawdown" | "initialCash" | "metrics" | "trades" | "rejections" | "symbols" | "strategy" | "params"> {
  const { run } = report.sheet;
  const equity = Float64Array.from(run.equity);
  return {
    time: Float64Array.from(run.time), equity, drawdown: drawdownSeries(equity), initialCash: run.initialCash, metrics: run.metrics,
    trades: run.trades, rejections: run.rejections, symbols: run.symbols, strategy: run.strategy, params: run.params,
  };
}

/** The warnings of one section. */
export const warningsOf = (report: Report, section: ReportSection): ReportWarning[] => report.sheet.warnings.filter((w) => w.section === section);
