import { utcDayStart } from "../time.js";
import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { requireOptions, wholeNumber } from "./validate.js";

export interface MaxOrdersPerDayOptions {
  /** Most orders accepted per UTC day (0 refuses every order). */
  readonly max: number;
}

/**
 * Refuses an order once `max` orders have been accepted in the current UTC day (by `view.timeMs`).
 * Only accepted orders count (`onAccepted`), so orders refused by another rule do not use up the day.
 * The count restarts at 00:00 UTC; a clock that steps back into an earlier day keeps the current count.
 *
 * @example
 * const rule = maxOrdersPerDay({ max: 50 });
 * rule.checkOrder?.(order, view); // null, or MAX_ORDERS_PER_DAY: max=50, count=50
 */
export function maxOrdersPerDay(options: MaxOrdersPerDayOptions): RiskRule {
  const max = wholeNumber("maxOrdersPerDay", "max", requireOptions("maxOrdersPerDay", options).max, 0);
  let day = -Infinity;
  let count = 0;
  return {
    name: "maxOrdersPerDay",
    checkOrder(_order, view) {
      const today = utcDayStart(view.timeMs) > day ? 0 : count;
      if (today >= max) return deny("MAX_ORDERS_PER_DAY", { max, count: today });
      return null;
    },
    onAccepted(_order, view) {
      const start = utcDayStart(view.timeMs);
      if (start > day) {
        day = start;
        count = 0;
      }
      count++;
    },
  };
}
