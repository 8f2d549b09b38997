import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOptions } from "./validate.js";

export interface MaxOrderNotionalOptions {
  /** Largest quantity × price a single order may have, in account currency. */
  readonly max: number;
}

/**
 * Refuses an order whose notional (quantity × expected price) exceeds `max`.
 *
 * @example
 * const rule = maxOrderNotional({ max: 50_000 });
 * rule.checkOrder?.(order, view); // null, or MAX_ORDER_NOTIONAL: max=50000, notional=61234.5
 */
export function maxOrderNotional(options: MaxOrderNotionalOptions): RiskRule {
  const max = nonNegative("maxOrderNotional", "max", requireOptions("maxOrderNotional", options).max);
  return {
    name: "maxOrderNotional",
    checkOrder(order) {
      const notional = Math.abs(order.quantity * order.price);
      // negated so an unknown (NaN) price is refused rather than waved through
      if (!(notional <= max)) return deny("MAX_ORDER_NOTIONAL", { max, notional });
      return null;
    },
  };
}
