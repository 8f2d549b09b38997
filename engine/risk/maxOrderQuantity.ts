import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOptions } from "./validate.js";

export interface MaxOrderQuantityOptions {
  /** Largest quantity (units) a single order may have. */
  readonly max: number;
}

/**
 * Refuses an order for more than `max` units: the last line against a mistyped size.
 *
 * @example
 * const rule = maxOrderQuantity({ max: 1000 });
 * rule.checkOrder?.(order, view); // null, or MAX_ORDER_QUANTITY: max=1000, quantity=5000
 */
export function maxOrderQuantity(options: MaxOrderQuantityOptions): RiskRule {
  const max = nonNegative("maxOrderQuantity", "max", requireOptions("maxOrderQuantity", options).max);
  return {
    name: "maxOrderQuantity",
    checkOrder(order) {
      // negated so a NaN quantity is refused rather than waved through
      if (!(order.quantity <= max)) return deny("MAX_ORDER_QUANTITY", { max, quantity: order.quantity });
      return null;
    },
  };
}
