import { InputError } from "../errors.js";
import { formatTime } from "../time.js";
import type { Fill, Trade } from "../records.js";
import { annualVolatility } from "./annualVolatility.js";
import { averageLoss } from "./averageLoss.js";
import { averageWin } from "./averageWin.js";
import { cagr } from "./cagr.js";
import { calmar } from "./calmar.js";
import { expectancy } from "./expectancy.js";
import { exposureFraction } from "./exposureFraction.js";
import { inferPeriodsPerYear } from "./inferPeriodsPerYear.js";
import { maxDrawdown } from "./maxDrawdown.js";
import { maxDrawdownDuration } from "./maxDrawdownDuration.js";
import { periodReturns } from "./periodReturns.js";
import { profitFactor } from "./profitFactor.js";
import { sharpe } from "./sharpe.js";
import { sortino } from "./sortino.js";
import { timeInMarket } from "./timeInMarket.js";
import { totalCommission } from "./totalCommission.js";
import { totalReturn } from "./totalReturn.js";
import { turnover } from "./turnover.js";
import { winRate } from "./winRate.js";

/** What a run hands to {@link computeMetrics}. */
export interface MetricsInput {
  /** Timeline in UTC ms, one entry per equity sample, non-decreasing. */
  timeMs: Float64Array;
  /** Account value at each sample, marked to market, in account currency. */
  equity: Float64Array;
  /** Account value before the first sample (the base of the first return); positive. */
  initialCash: number;
  /** Closed round trips. */
  trades: readonly Trade[];
  fills: readonly Fill[];
  /** Gross exposure / equity at each sample (0 = flat); without it time in market comes from trades. */
  exposure?: Float64Array;
  /** Overrides the inferred sampling frequency (e.g. 252 for daily stock bars). */
  periodsPerYear?: number;
  /** Annual risk-free rate as a fraction (0.03 = 3 %); default 0. */
  riskFreeRate?: number;
}

/**
 * Performance summary of a run. Rates and ratios are fractions (0.25 = 25 %), money is in
 * account currency, times in UTC ms. Each field is defined by the function it names.
 */
export interface Metrics {
  /** Fraction; {@link totalReturn}. */
  totalReturn: number;
  /** Fraction per year; {@link cagr}. */
  cagr: number;
  /** Fraction, annualised; {@link annualVolatility}. */
  annualVolatility: number;
  /** Annualised ratio; {@link sharpe}. */
  sharpe: number;
  /** Annualised ratio; {@link sortino}. */
  sortino: number;
  /** Ratio; {@link calmar}. */
  calmar: number;
  /** Positive fraction (0.25 = 25 % below the peak); {@link maxDrawdown}. */
  maxDrawdown: number;
  /** ms; {@link maxDrawdownDuration}. */
  maxDrawdownDurationMs: number;
  /** Samples; {@link maxDrawdownDuration}. */
  maxDrawdownDurationBars: number;
  /** Fraction of trades; {@link winRate}. */
  winRate: number;
  /** Ratio, may be Infinity; {@link profitFactor}. */
  profitFactor: number;
  /** Currency, positive; {@link averageWin}. */
  averageWin: number;
  /** Currency, negative; {@link averageLoss}. */
  averageLoss: number;
  /** Currency per trade; {@link expectancy}. */
  expectancy: number;
  /** Fraction of samples in the market: {@link exposureFraction} of `exposure` when given, else {@link timeInMarket}. */
  exposure: number;
  /** Multiple of mean equity over the whole run; {@link turnover}. */
  turnover: number;
  /** Count of closed round trips. */
  numberOfTrades: number;
  /** Currency; {@link totalCommission}. */
  totalCommission: number;
  /** Currency: the last equity sample, or initialCash when there are none. */
  finalEquity: number;
  /** UTC ms of the first sample; NaN when there are none. */
  startMs: number;
  /** UTC ms of the last sample; NaN when there are none. */
  endMs: number;
  /** The override, else {@link inferPeriodsPerYear}. */
  periodsPerYear: number;
}

/**
 * Every metric of a run in O(n) over the samples (plus O(m log m) over the trades), allocating
 * one returns array; the formulas are those of the functions each {@link Metrics} field names.
 * With no samples the counts, sums, maxDrawdown and its durations are 0, finalEquity is
 * initialCash, totalReturn 0 and the rest NaN — it does not throw. Throws InputError for inputs
 * no metric can be honest about: timeMs/equity/exposure of different lengths, initialCash not
 * positive and finite, a non-finite equity or time value, time going backwards, and a given
 * periodsPerYear that is not positive and finite or riskFreeRate that is not finite.
 *
 * @example
 * const m = computeMetrics({ timeMs, equity, initialCash: 10_000, trades, fills, periodsPerYear: 252 });
 * m.sharpe; m.maxDrawdown; // e.g. 1.3, 0.18
 */
export function computeMetrics(input: MetricsInput): Metrics {
  validate(input);
  const { timeMs, equity, initialCash, trades, fills } = input;
  const n = equity.length;
  const periodsPerYear = input.periodsPerYear ?? inferPeriodsPerYear(timeMs);
  const riskFreeRate = input.riskFreeRate ?? 0;
  const returns = periodReturns(equity, initialCash);
  const growth = cagr(equity, initialCash, periodsPerYear);
  const drawdown = maxDrawdown(equity);
  const duration = maxDrawdownDuration(timeMs, equity);
  return {
    totalReturn: totalReturn(equity, initialCash),
    cagr: growth,
    annualVolatility: annualVolatility(returns, periodsPerYear),
    sharpe: sharpe(returns, periodsPerYear, riskFreeRate),
    sortino: sortino(returns, periodsPerYear, riskFreeRate),
    calmar: calmar(growth, drawdown),
    maxDrawdown: drawdown,
    maxDrawdownDurationMs: duration.ms,
    maxDrawdownDurationBars: duration.bars,
    winRate: winRate(trades),
    profitFactor: profitFactor(trades),
    averageWin: averageWin(trades),
    averageLoss: averageLoss(trades),
    expectancy: expectancy(trades),
    exposure: input.exposure ? exposureFraction(input.exposure) : timeInMarket(timeMs, trades),
    turnover: turnover(fills, equity),
    numberOfTrades: trades.length,
    totalCommission: totalCommission(fills),
    finalEquity: n === 0 ? initialCash : equity[n - 1]!,
    startMs: n === 0 ? NaN : timeMs[0]!,
    endMs: n === 0 ? NaN : timeMs[n - 1]!,
    periodsPerYear,
  };
}

function validate(input: MetricsInput): void {
  const { timeMs, equity, initialCash, exposure, periodsPerYear, riskFreeRate } = input;
  if (timeMs.length !== equity.length) {
    throw new InputError("METRICS_LENGTH_MISMATCH", { timeMs: timeMs.length, equity: equity.length },
      `metrics: timeMs has ${timeMs.length} entries but equity has ${equity.length}; pass one time per equity sample`);
  }
  if (exposure !== undefined && exposure.length !== equity.length) {
    throw new InputError("METRICS_LENGTH_MISMATCH", { exposure: exposure.length, equity: equity.length },
      `metrics: exposure has ${exposure.length} entries but equity has ${equity.length}; pass one exposure per equity sample or none`);
  }
  if (!(initialCash > 0) || !Number.isFinite(initialCash)) {
    throw new InputError("METRICS_INVALID_INITIAL_CASH", { initialCash },
      `metrics: initialCash is ${initialCash}; returns are measured against it, so it must be a positive finite number`);
  }
  if (periodsPerYear !== undefined && (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear))) {
    throw new InputError("METRICS_INVALID_PERIODS_PER_YEAR", { periodsPerYear },
      `metrics: periodsPerYear is ${periodsPerYear}; give a positive finite number (e.g. 252 for daily stock bars) or leave it out to infer it from timeMs`);
  }
  if (riskFreeRate !== undefined && !Number.isFinite(riskFreeRate)) {
    throw new InputError("METRICS_INVALID_RISK_FREE_RATE", { riskFreeRate },
      `metrics: riskFreeRate is ${riskFreeRate}; give an annual fraction such as 0.03, or leave it out for 0`);
  }
  for (let i = 0; i < equity.length; i++) {
    const value = equity[i]!;
    if (!Number.isFinite(value)) {
      throw new InputError("METRICS_NON_FINITE_EQUITY", { index: i, timeMs: timeMs[i], equity: value },
        `metrics: equity[${i}] at ${formatTime(timeMs[i]!)} is ${value}; every equity sample must be a finite number`);
    }
    if (!Number.isFinite(timeMs[i]!)) {
      throw new InputError("METRICS_NON_FINITE_TIME", { index: i, timeMs: timeMs[i] },
        `metrics: timeMs[${i}] is ${timeMs[i]}; every sample needs a finite UTC ms time`);
    }
    if (i > 0 && timeMs[i]! < timeMs[i - 1]!) {
      throw new InputError("METRICS_TIME_NOT_ASCENDING", { index: i, timeMs: timeMs[i], previousMs: timeMs[i - 1] },
        `metrics: timeMs[${i}] = ${formatTime(timeMs[i]!)} comes before timeMs[${i - 1}] = ${formatTime(timeMs[i - 1]!)}; sort the samples by time`);
    }
  }
}
