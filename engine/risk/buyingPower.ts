import { deny } from "./deny.js";
import { grossExposureAfter, positionAfter } from "./exposure.js";
import type { RiskRule } from "./types.js";

/**
 * Refuses an order that would take gross exposure above `view.leverage` × equity, the account's
 * buying power. An order that does not grow |position| of its symbol always passes (closing must
 * stay possible after a loss has shrunk the buying power).
 *
 * @example
 * const rule = buyingPower();
 * rule.checkOrder?.(order, view); // null, or BUYING_POWER: max=200000, grossAfter=230000, equity=100000, leverage=2
 */
export function buyingPower(): RiskRule {
  return {
    name: "buyingPower",
    checkOrder(order, view) {
      const position = view.position(order.symbol);
      const after = positionAfter(order, position);
      if (Math.abs(after) <= Math.abs(position)) return null;
      const max = view.leverage * view.equity;
      const gross = grossExposureAfter(order, view, position, after);
      if (!(gross <= max)) {
        return deny("BUYING_POWER", { max, grossAfter: gross, equity: view.equity, leverage: view.leverage });
      }
      return null;
    },
  };
}
