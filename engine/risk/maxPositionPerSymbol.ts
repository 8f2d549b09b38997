import { deny } from "./deny.js";
import { positionAfter } from "./exposure.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOneOf, requireOptions } from "./validate.js";

export interface MaxPositionPerSymbolOptions {
  /** Largest |position| in units a symbol may reach. */
  readonly maxQuantity?: number;
  /** Largest |position| × order price a symbol may reach, in account currency. */
  readonly maxNotional?: number;
}

/**
 * Refuses an order that would take the symbol's |position| above `maxQuantity` units and/or
 * `maxNotional` (valued at the order's price). An order that does not grow |position| always passes,
 * so a position left above a lowered limit can still be worked down.
 *
 * @example
 * const rule = maxPositionPerSymbol({ maxQuantity: 500, maxNotional: 100_000 });
 * rule.checkOrder?.(order, view); // null, or MAX_POSITION_QUANTITY: symbol=AAPL, max=500, positionAfter=650
 */
export function maxPositionPerSymbol(options: MaxPositionPerSymbolOptions): RiskRule {
  const name = "maxPositionPerSymbol";
  requireOneOf(name, requireOptions(name, options), ["maxQuantity", "maxNotional"]);
  const maxQuantity = options.maxQuantity === undefined ? Infinity : nonNegative(name, "maxQuantity", options.maxQuantity);
  const maxNotional = options.maxNotional === undefined ? Infinity : nonNegative(name, "maxNotional", options.maxNotional);
  return {
    name,
    checkOrder(order, view) {
      const position = view.position(order.symbol);
      const after = Math.abs(positionAfter(order, position));
      if (after <= Math.abs(position)) return null;
      if (!(after <= maxQuantity)) {
        return deny("MAX_POSITION_QUANTITY", { symbol: order.symbol, max: maxQuantity, positionAfter: after });
      }
      const notional = after * Math.abs(order.price);
      if (!(notional <= maxNotional)) {
        return deny("MAX_POSITION_NOTIONAL", { symbol: order.symbol, max: maxNotional, notionalAfter: notional });
      }
      return null;
    },
  };
}
