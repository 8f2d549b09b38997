import { columnDecimals, type BarSeries } from "./bars.js";
import { Engine, type EngineOptions } from "./engine.js";
import type { EventListener } from "./events.js";
import { noCommission, percentCommission, type CommissionModel } from "./fill/commission.js";
import { noSlippage, type SlippageModel } from "./fill/slippage.js";
import { Portfolio, type Settlement } from "./portfolio.js";
import { RiskManager } from "./risk/riskManager.js";
import type { RiskRule } from "./risk/types.js";
import type { FillOptions } from "./simExchange.js";
import type { AnyStrategy } from "./strategy/defineStrategy.js";
import { resolveParams } from "./strategy/params.js";

/** Everything an engine is built from besides its bars: shared by backtests and live trading. */
export interface EngineSetup {
  readonly strategy: AnyStrategy;
  /** Parameter values; strings are parsed. Defaults come from the strategy's schema. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Starting cash. Default 100 000. */
  readonly cash?: number;
  /** A commission model, or a rate of the traded value (0.001 = 0.1 %). Default none. */
  readonly commission?: CommissionModel | number;
  /** Default none. */
  readonly slippage?: SlippageModel;
  readonly fill?: FillOptions;
  /** Smallest tradable unit, one for all symbols or per symbol. Default 1 (whole shares). */
  readonly lotSize?: number | Readonly<Record<string, number>>;
  /** Maximum gross exposure as a multiple of equity. Default 1. */
  readonly leverage?: number;
  /** Default T+0. */
  readonly settlement?: Settlement;
  /** Pre-trade risk rules (see riskRules(config)). Default none. */
  readonly risk?: readonly RiskRule[];
  /** Average prices in exact decimal ticks so that equal windows tie exactly. Default true. */
  readonly exactPrices?: boolean;
  /**
   * Decimal places of the instruments' price ticks (2 for cents), one for all or per symbol: the
   * grid exact averages are summed on. Instrument metadata, like the lot size; when not given it
   * is read off each price column (the smallest number of decimals, up to 8, that holds all its
   * values), which is the data's own tick but looks at the whole series to find it.
   */
  readonly priceDecimals?: number | Readonly<Record<string, number>>;
  /** When target orders get their size: at the fill price (default) or at the decision, as a live venue must (see EngineOptions). */
  readonly sizing?: "fill" | "decision";
  /** Receives every engine event; without it none is allocated. */
  readonly onEvent?: EventListener;
  /** Where accepted orders go (see EngineOptions.venue). Default the SimExchange with `fill`. */
  readonly venue?: EngineOptions["venue"];
}

/** An engine with its portfolio and risk manager, ready for `start()`. */
export interface EngineParts {
  readonly engine: Engine;
  readonly portfolio: Portfolio;
  readonly risk: RiskManager;
  /** The resolved parameter values. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly cash: number;
}

/** Builds the engine for these series and settings (parameters checked against the strategy's schema). */
export function setUpEngine(series: readonly BarSeries[], options: EngineSetup): EngineParts {
  const strategy = options.strategy;
  const params = resolveParams(strategy.name, strategy.params, options.params ?? {});
  const cash = options.cash ?? 100_000;
  const commission = typeof options.commission === "number" ? percentCommission(options.commission) : options.commission ?? noCommission();
  const portfolio = new Portfolio(series.map((s) => s.symbol), { cash, leverage: options.leverage, settlement: options.settlement });
  const risk = new RiskManager(options.risk ?? []);
  const lot = options.lotSize ?? 1;
  const lotSize = typeof lot === "number" ? () => lot : (symbol: string) => lot[symbol] ?? 1;
  const exact = options.exactPrices ?? true;
  const engine = new Engine({
    series, strategy, params, portfolio, risk, commission, lotSize,
    slippage: options.slippage ?? noSlippage(), fill: options.fill, onEvent: options.onEvent, sizing: options.sizing, venue: options.venue,
    // looked up only if the strategy averages prices; inferred ones are cached per column
    priceDecimals: (k, column) => {
      if (!exact) return undefined;
      const declared = typeof options.priceDecimals === "number" ? options.priceDecimals : options.priceDecimals?.[series[k]!.symbol];
      return declared ?? columnDecimals(series[k]![column]);
    },
  });
  return { engine, portfolio, risk, params, cash };
}
