/**
 * The run a report is about, as plain settings: every robustness check reruns it with one thing
 * changed, so risk rules (which keep state) are rebuilt from their config for each run.
 */
import type { BarSeries } from "../bars.js";
import type { BacktestOptions } from "../backtest.js";
import { fixedBpsSlippage } from "../fill/slippage.js";
import { riskRules, type RiskConfig } from "../risk/riskConfig.js";
import type { AnyStrategy } from "../strategy/defineStrategy.js";

export interface ReportRun {
  /** One series, or several run together on one timeline. */
  readonly bars: readonly BarSeries[];
  readonly strategy: AnyStrategy;
  /** Parameter values; the schema's defaults fill the rest. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Default 100 000. */
  readonly cash?: number;
  /** Commission as a rate of the traded value (0.001 = 0.1 %). Default 0. */
  readonly commission?: number;
  /** Fixed slippage in basis points against the order. Default 0. */
  readonly slippageBps?: number;
  /** Fill market orders at the signal bar's close. Default false. */
  readonly fillOnClose?: boolean;
  /** Pre-trade risk rules as JSON config (riskRules). Default none. */
  readonly risk?: RiskConfig;
}

/**
 * The runBacktest options of `run`, built as the backtest CLI and the browser worker build them
 * (commission as a rate, slippage only when above 0, fresh risk rules), so the same settings give
 * the same numbers everywhere; `costs` replaces the commission and slippage (a cost ladder's rung).
 *
 * @example
 * runBacktest(backtestOptions(run)); runBacktest(backtestOptions(run, { commission: 0, slippageBps: 20 }));
 */
export function backtestOptions(run: ReportRun, costs?: { readonly commission: number; readonly slippageBps: number }): BacktestOptions {
  const commission = costs ? costs.commission : run.commission;
  const slippageBps = costs ? costs.slippageBps : run.slippageBps ?? 0;
  return {
    bars: run.bars, strategy: run.strategy, params: run.params ?? {}, cash: run.cash, commission,
    slippage: slippageBps > 0 ? fixedBpsSlippage(slippageBps) : undefined,
    fill: { fillOnClose: run.fillOnClose ?? false },
    risk: run.risk ? riskRules(run.risk) : undefined,
  };
}
