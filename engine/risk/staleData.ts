import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOptions } from "./validate.js";

export interface StaleDataOptions {
  /**
   * Longest time allowed between the symbol's last bar and the order. Bars are stamped with their
   * open time, so allow at least one bar interval plus the feed's usual delay.
   */
  readonly maxAgeMs: number;
}

/**
 * Refuses orders on a symbol whose last bar is older than `maxAgeMs` at `view.timeMs` (a halted
 * instrument or a dead feed), and on a symbol with no bar at all (NO_MARKET_DATA).
 *
 * @example
 * const rule = staleData({ maxAgeMs: 3 * DAY_MS });
 * rule.checkOrder?.(order, view); // null, or STALE_DATA: symbol=AAPL, maxAgeMs=259200000, ageMs=345600000
 */
export function staleData(options: StaleDataOptions): RiskRule {
  const maxAgeMs = nonNegative("staleData", "maxAgeMs", requireOptions("staleData", options).maxAgeMs);
  return {
    name: "staleData",
    checkOrder(order, view) {
      const lastBarMs = view.lastBarTimeMs(order.symbol);
      if (lastBarMs !== lastBarMs) return deny("NO_MARKET_DATA", { symbol: order.symbol });
      const ageMs = view.timeMs - lastBarMs;
      if (!(ageMs <= maxAgeMs)) return deny("STALE_DATA", { symbol: order.symbol, maxAgeMs, ageMs });
      return null;
    },
  };
}
