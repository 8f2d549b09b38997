import { utcDayStart } from "../time.js";
import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { requireOptions, wholeNumber } from "./validate.js";

export interface MaxCancelsPerDayOptions {
  /** Most cancels accepted per UTC day. */
  readonly max: number;
}

/**
 * Refuses a cancel once `max` cancels have been accepted in the current UTC day (by `view.timeMs`):
 * venues penalise high cancel ratios, and a strategy cancelling in a loop is usually a bug.
 * Counted in `onCancelAccepted`; the count restarts at 00:00 UTC.
 *
 * @example
 * const rule = maxCancelsPerDay({ max: 200 });
 * rule.checkCancel?.(view); // null, or MAX_CANCELS_PER_DAY: max=200, count=200
 */
export function maxCancelsPerDay(options: MaxCancelsPerDayOptions): RiskRule {
  const max = wholeNumber("maxCancelsPerDay", "max", requireOptions("maxCancelsPerDay", options).max, 0);
  let day = -Infinity;
  let count = 0;
  return {
    name: "maxCancelsPerDay",
    checkCancel(view) {
      const today = utcDayStart(view.timeMs) > day ? 0 : count;
      if (today >= max) return deny("MAX_CANCELS_PER_DAY", { max, count: today });
      return null;
    },
    onCancelAccepted(view) {
      const start = utcDayStart(view.timeMs);
      if (start > day) {
        day = start;
        count = 0;
      }
      count++;
    },
  };
}
