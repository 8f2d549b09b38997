import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { flag } from "./validate.js";

export interface T1SellableOptions {
  /** Whether a sell may open (or grow) a short position. Default false, as in T+1 cash equity markets. */
  readonly allowShort?: boolean;
}

/**
 * T+1 settlement: units bought today cannot be sold until the next trading day. Refuses a sell whose
 * long part (the units that close a long) exceeds `view.sellable(symbol)`, and — unless `allowShort` —
 * a sell that goes beyond the long into a short. Buys always pass.
 *
 * @example
 * const rule = t1Sellable();
 * rule.checkOrder?.(sell300, view); // T1_NOT_SELLABLE: symbol=600519, quantity=300, sellable=100, position=300
 */
export function t1Sellable(options: T1SellableOptions = {}): RiskRule {
  const allowShort = flag("t1Sellable", "allowShort", options?.allowShort, false);
  return {
    name: "t1Sellable",
    checkOrder(order, view) {
      if (order.side === "buy") return null;
      const position = view.position(order.symbol);
      // sells already resting have claimed part of the long
      const pending = view.openQuantity(order.symbol, "sell");
      const long = position > pending ? position - pending : 0;
      const closing = order.quantity < long ? order.quantity : long;
      if (closing > 0) {
        const sellable = Math.max(0, view.sellable(order.symbol) - pending);
        if (!(closing <= sellable)) {
          return deny("T1_NOT_SELLABLE", { symbol: order.symbol, quantity: order.quantity, sellable, position, pending });
        }
      }
      // negated so a NaN quantity cannot slip past the short check
      if (!allowShort && !(order.quantity <= long)) {
        return deny("SHORT_NOT_ALLOWED", { symbol: order.symbol, quantity: order.quantity, position });
      }
      return null;
    },
  };
}
