import type { RiskRule, TradingState } from "./types.js";
import { failCombination, positiveFraction, requireOneOf, requireOptions } from "./validate.js";

export interface DrawdownCircuitBreakerOptions {
  /** Drawdown from the equity peak (0.1 = 10 %) at which REDUCING is asked for. */
  readonly reduceAt?: number;
  /** Drawdown from the equity peak at which HALTED is asked for. */
  readonly haltAt?: number;
  /**
   * Drawdown below which the breaker resets to ACTIVE. Must not exceed the lowest trip level.
   * Default: none — once tripped, the breaker holds its most severe level for the life of the rule
   * (a backtest run, a live session), and a person decides when to trade again by rebuilding the rules.
   */
  readonly resumeBelow?: number;
}

/**
 * Watches drawdown from the running equity peak: ≥ `reduceAt` asks for REDUCING, ≥ `haltAt` for HALTED.
 *
 * The breaker latches: it only escalates (REDUCING → HALTED), never steps down to a milder level when
 * drawdown eases, and goes back to ACTIVE only when drawdown falls below `resumeBelow` (if given).
 * The peak is the highest equity sample seen; drawdown is measured only once equity has been positive,
 * so a zero balance before funding does not trip it. NaN samples are ignored.
 *
 * @example
 * const manager = new RiskManager([drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2, resumeBelow: 0.05 })]);
 * manager.onEquity(t0, 100_000);
 * manager.onEquity(t1, 88_000); // REDUCING (12 % below the peak)
 * manager.onEquity(t2, 79_000); // HALTED (21 %)
 * manager.onEquity(t3, 96_000); // ACTIVE (4 %, below resumeBelow)
 */
export function drawdownCircuitBreaker(options: DrawdownCircuitBreakerOptions): RiskRule {
  const name = "drawdownCircuitBreaker";
  requireOneOf(name, requireOptions(name, options), ["reduceAt", "haltAt"]);
  const reduceAt = options.reduceAt === undefined ? Infinity : positiveFraction(name, "reduceAt", options.reduceAt);
  const haltAt = options.haltAt === undefined ? Infinity : positiveFraction(name, "haltAt", options.haltAt);
  if (options.reduceAt !== undefined && options.haltAt !== undefined && reduceAt >= haltAt) {
    failCombination(name, "reduceAt", `reduceAt (${reduceAt}) must be below haltAt (${haltAt})`);
  }
  const resumeBelow = options.resumeBelow === undefined ? -Infinity : positiveFraction(name, "resumeBelow", options.resumeBelow);
  const firstTrip = Math.min(reduceAt, haltAt);
  if (resumeBelow > firstTrip) {
    failCombination(name, "resumeBelow", `resumeBelow (${resumeBelow}) must not exceed the first trip level (${firstTrip})`);
  }
  let peak = -Infinity;
  let level: TradingState = "ACTIVE";
  return {
    name,
    get stateCode() {
      return level === "HALTED" ? "DRAWDOWN_HALT" : level === "REDUCING" ? "DRAWDOWN_REDUCE" : "DRAWDOWN_RESUME";
    },
    onEquity(_timeMs, equity) {
      if (!Number.isFinite(equity)) return null;
      if (equity > peak) peak = equity;
      const drawdown = peak > 0 ? (peak - equity) / peak : 0;
      if (drawdown < resumeBelow) level = "ACTIVE";
      else if (drawdown >= haltAt) level = "HALTED";
      else if (drawdown >= reduceAt && level === "ACTIVE") level = "REDUCING";
      return level;
    },
  };
}
