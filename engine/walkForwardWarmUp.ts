/**
 * A backtest of one period with a warm-up before it: a walk-forward's out-of-sample run of one
 * window, isomorphic and pure; the backtest worker and the Node runner both call it, so the two
 * give the same numbers.
 *
 * Why a warm-up: an out-of-sample window that started cold would spend its first bars filling
 * the strategy's indicators (a 50-bar average is NaN for 49 bars) and its signal memory (a
 * crossover needs a previous side), so it would trade later and differently from a strategy that
 * had been running. So the bars before the window are played first: the strategy sees every one
 * of them (its onBar runs, its indicators fill), but a risk rule refuses each order it places
 * while they last. Trading, and measuring, start at the window's first bar.
 */
import { barsBetween, type BarSeries } from "./bars.js";
import { runBacktest, type BacktestOptions, type BacktestResult } from "./backtest.js";
import { InputError } from "./errors.js";
import { computeMetrics } from "./metrics/computeMetrics.js";
import { drawdownSeries } from "./metrics/drawdownSeries.js";
import type { RiskDenial, RiskRule } from "./risk/types.js";
import { formatTime, lowerBound } from "./time.js";

/** The period a run trades and is measured in, and where its warm-up starts (UTC ms). */
export interface TradingPeriod {
  /** First bar traded and measured: bars with time ≥ fromMs. */
  readonly fromMs: number;
  /** Bars with time < toMs. Default: to the end. */
  readonly toMs?: number;
  /** Bars from here to fromMs are the warm-up. Default fromMs (no warm-up). */
  readonly warmUpFromMs?: number;
}

/** The reason code of an order refused during the warm-up. */
export const WARM_UP = "WARM_UP";

/**
 * A risk rule that refuses every order decided on a bar that opened before `fromMs` (the bar
 * being handled is the order symbol's last bar). Stateless, so one instance may serve many runs.
 */
export function warmUpRule(fromMs: number): RiskRule {
  const context = { tradingFrom: formatTime(fromMs) };
  const denial: RiskDenial = { code: WARM_UP, context, message: `${WARM_UP}: tradingFrom=${context.tradingFrom}` };
  return {
    name: "warmUp",
    checkOrder: (order, view) => (view.lastBarTimeMs(order.symbol) >= fromMs ? null : denial),
  };
}

/**
 * Runs `options` on the bars of [warmUpFromMs, toMs) and returns the run from fromMs on: the time,
 * equity, drawdown and exposure samples before fromMs are cut off, the metrics are computed again
 * by computeMetrics over what is left (starting from `cash`, which is what equity still is when
 * trading starts, since no order got through), and the refused warm-up orders, their rejections
 * and the warm-up's logs are dropped. With no warm-up it equals runBacktest over [fromMs, toMs).
 * `options.risk` rules run after the warm-up rule. Throws InputError when no bar lies in
 * [fromMs, toMs).
 *
 * @example
 * const oos = runWarmedUp({ bars, strategy, params, cash: 100_000 }, { fromMs: oosStart, toMs: oosEnd, warmUpFromMs: isStart });
 */
export function runWarmedUp(options: BacktestOptions, period: TradingPeriod): BacktestResult {
  const { fromMs } = period;
  const toMs = period.toMs ?? Infinity;
  const warmUpFromMs = Math.min(period.warmUpFromMs ?? fromMs, fromMs);
  const all = Array.isArray(options.bars) ? (options.bars as readonly BarSeries[]) : [options.bars as BarSeries];
  const bars = all.map((s) => barsBetween(s, warmUpFromMs, toMs));
  const warmBars = bars.reduce((n, s) => n + lowerBound(s.time, fromMs), 0);
  if (bars.reduce((n, s) => n + s.length, 0) === warmBars) {
    throw new InputError("NO_BARS_IN_PERIOD", { fromMs, toMs },
      `no bars between ${formatTime(fromMs)} and ${Number.isFinite(toMs) ? formatTime(toMs) : "the end"} to trade`);
  }
  const cash = options.cash ?? 100_000;
  const run = runBacktest({ ...options, bars, cash, risk: warmBars > 0 ? [warmUpRule(fromMs), ...(options.risk ?? [])] : options.risk });
  if (warmBars === 0) return run;
  const k = lowerBound(run.time, fromMs);
  const time = run.time.slice(k), equity = run.equity.slice(k), exposure = run.exposure.slice(k);
  return {
    ...run,
    time, equity, exposure, drawdown: drawdownSeries(equity),
    orders: run.orders.filter((o) => o.reason !== WARM_UP),
    rejections: run.rejections.filter((r) => r.code !== WARM_UP),
    // a log is stamped with its decision time, the bar's close: the last warm-up bar closes at fromMs
    logs: run.logs.filter((l) => l.timeMs > fromMs),
    riskTransitions: run.riskTransitions.filter((t) => t.timeMs >= fromMs),
    metrics: computeMetrics({ timeMs: time, equity, initialCash: cash, trades: run.trades, fills: run.fills, exposure }),
    barsProcessed: Math.max(0, run.barsProcessed - warmBars),
  };
}
