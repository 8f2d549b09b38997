/**
 * A tear sheet: the report run's backtest and every figure a report page shows, computed once,
 * as plain data (arrays, no typed arrays), ready to be written as JSON at build time.
 */
import { runBacktest, type BacktestResult } from "../backtest.js";
import { mergedTimeline } from "../walkForwardPlan.js";
import { calendarReturns, type CalendarReturns } from "./monthlyReturns.js";
import { costSensitivity, DEFAULT_COST_LADDER_BPS, type CostSensitivity } from "./costSensitivity.js";
import { exposureProfile, type ExposureProfile } from "./exposureProfile.js";
import { rejectionCounts, type RejectionCount } from "./rejectionCounts.js";
import { backtestOptions, type ReportRun } from "./reportRun.js";
import { reportWarnings, type ReportWarning } from "./reportWarnings.js";
import { rollingSharpe, type RollingSharpe } from "./rollingSharpe.js";
import { tradeOrderMonteCarlo, type MonteCarloOptions, type TradeOrderMonteCarlo } from "./tradeOrderMonteCarlo.js";
import { tradeStatistics, type TradeStatistics } from "./tradeStatistics.js";
import { walkForwardCheck, type WalkForwardCheck, type WalkForwardCheckOptions } from "./walkForwardCheck.js";

export interface TearSheetOptions {
  /** Rolling Sharpe window in samples. Default half a year of samples. */
  readonly rollingWindow?: number;
  /** Costs per side of the cost ladder, bps. Default DEFAULT_COST_LADDER_BPS. */
  readonly costLadderBps?: readonly number[];
  readonly walkForward?: WalkForwardCheckOptions;
  readonly monteCarlo?: MonteCarloOptions;
  /** Skip the cost ladder, the walk-forward and the Monte Carlo (an index's key figures). Default false. */
  readonly summaryOnly?: boolean;
  /** At most this many trades and refusals are listed (all are counted). Default 2000 and 1000. */
  readonly maxTrades?: number;
  readonly maxRejections?: number;
}

/** The backtest itself, as a report keeps it. */
export interface TearSheetRun extends Pick<BacktestResult, "strategy" | "params" | "symbols" | "initialCash" | "finalCash" | "metrics" | "positions" | "riskTransitions" | "barsProcessed" | "error"> {
  /** Every sample of the run (its drawdown is drawdownSeries(equity); its exposure is summarised in TearSheet.exposure). */
  readonly time: readonly number[];
  readonly equity: readonly number[];
  /** The first maxTrades trades, and how many there were. */
  readonly trades: BacktestResult["trades"];
  readonly tradeCount: number;
  readonly rejections: BacktestResult["rejections"];
  readonly rejectionCount: number;
  readonly fillCount: number;
}

export interface TearSheet {
  readonly run: TearSheetRun;
  readonly calendar: CalendarReturns;
  readonly rollingSharpe: RollingSharpe;
  readonly tradeStatistics: TradeStatistics;
  readonly exposure: ExposureProfile;
  readonly rejectionsByCode: readonly RejectionCount[];
  readonly costs?: CostSensitivity;
  readonly walkForward?: WalkForwardCheck & {
    /**
     * The report run's own equity over the out-of-sample span (its parameters throughout, chosen
     * with hindsight), rebased to start from the same cash: run.equity[i] × scale for i ≥ fromIndex.
     */
    readonly fixed: { readonly fromIndex: number; readonly scale: number };
  };
  readonly monteCarlo?: TradeOrderMonteCarlo;
  readonly warnings: readonly ReportWarning[];
}

/** The first sample at or after `fromMs`, and the scale that makes the sample before it `cash`. */
function rebase(time: Float64Array, equity: Float64Array, initialCash: number, fromMs: number, cash: number) {
  let k = 0;
  while (k < time.length && time[k]! < fromMs) k++;
  return { fromIndex: k, scale: cash / (k === 0 ? initialCash : equity[k - 1]!) };
}

/**
 * Runs the report run and computes its tear sheet: calendar returns, rolling Sharpe, trade
 * statistics, exposure, refusals by code, then the robustness checks (cost ladder, walk-forward,
 * Monte Carlo of trade order) and the warnings that apply. Deterministic: the same run and
 * options give the same numbers, bit for bit. Throws the engine's InputError for a run that
 * cannot start (unknown parameter, bad risk config…).
 *
 * @example
 * const sheet = tearSheet({ bars: [synA], strategy: smaCrossover, params: { fast: 10, slow: 30 }, commission: 0.001 });
 * sheet.run.metrics.sharpe; sheet.calendar.months[0].return; sheet.warnings;
 */
export function tearSheet(run: ReportRun, options: TearSheetOptions = {}): TearSheet {
  const result = runBacktest(backtestOptions(run));
  const { time, equity, initialCash, metrics } = result;
  const calendar = calendarReturns(time, equity, initialCash);
  const rolling = rollingSharpe(time, equity, initialCash, { periodsPerYear: metrics.periodsPerYear, ...(options.rollingWindow ? { window: options.rollingWindow } : {}) });
  const stats = tradeStatistics(result.trades);
  const robust = !options.summaryOnly && !result.error;
  const costs = robust ? costSensitivity(run, options.costLadderBps ?? DEFAULT_COST_LADDER_BPS) : undefined;
  const wf = robust ? walkForwardCheck(run, options.walkForward) : undefined;
  const monteCarlo = robust ? tradeOrderMonteCarlo(result.trades, time, equity, initialCash, options.monteCarlo) : undefined;
  const timeline = mergedTimeline(run.bars.map((s) => s.time));
  const warnings = reportWarnings({
    ...(result.error ? { error: result.error } : {}),
    trades: stats.count, winRate: stats.winRate, months: calendar.months.length,
    startMs: timeline[0] ?? NaN, endMs: timeline[timeline.length - 1] ?? NaN,
    rollingWindow: rolling.window,
    openPositions: result.positions.filter((p) => p.quantity !== 0),
    ...(wf ? { walkForward: { windowsTraded: wf.efficiency?.windows ?? 0, ...(wf.error ? { error: wf.error } : {}) } } : {}),
    ...(costs ? { costs: { baseBps: costs.baseBps, breakEvenBps: Math.min(costs.breakEvenBps.commission, costs.breakEvenBps.slippage) } } : {}),
  });
  const maxTrades = options.maxTrades ?? 2000, maxRejections = options.maxRejections ?? 1000;
  return {
    run: {
      strategy: result.strategy, params: result.params, symbols: result.symbols, initialCash, finalCash: result.finalCash,
      metrics, positions: result.positions, riskTransitions: result.riskTransitions, barsProcessed: result.barsProcessed,
      ...(result.error ? { error: result.error } : {}),
      time: Array.from(time), equity: Array.from(equity),
      trades: result.trades.slice(0, maxTrades), tradeCount: result.trades.length,
      rejections: result.rejections.slice(0, maxRejections), rejectionCount: result.rejections.length, fillCount: result.fills.length,
    },
    calendar, rollingSharpe: rolling, tradeStatistics: stats,
    exposure: exposureProfile(time, result.exposure),
    rejectionsByCode: rejectionCounts(result.rejections),
    ...(costs ? { costs } : {}),
    ...(wf ? { walkForward: { ...wf, fixed: rebase(time, equity, initialCash, wf.time[0] ?? Infinity, initialCash) } } : {}),
    ...(monteCarlo ? { monteCarlo } : {}),
    warnings,
  };
}
