import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOptions } from "./validate.js";

export interface PriceBandOptions {
  /** Largest |price − last| / |last| a limit or stop price may have (0.1 = 10 %). */
  readonly maxDeviation: number;
}

/**
 * Fat-finger check: refuses a limit/stop price more than `maxDeviation` away from the symbol's last
 * price. Without a last price nothing can be checked, so every order on that symbol is refused
 * (NO_MARKET_DATA) — for a market order the expected price itself is unknown.
 *
 * @example
 * const rule = priceBand({ maxDeviation: 0.1 });
 * rule.checkOrder?.(limitBuyAt1500, view); // PRICE_BAND: symbol=AAPL, maxDeviation=0.1, price=1500, lastPrice=150, deviation=9
 */
export function priceBand(options: PriceBandOptions): RiskRule {
  const maxDeviation = nonNegative("priceBand", "maxDeviation", requireOptions("priceBand", options).maxDeviation);
  return {
    name: "priceBand",
    checkOrder(order, view) {
      const last = view.lastPrice(order.symbol);
      if (last !== last) return deny("NO_MARKET_DATA", { symbol: order.symbol });
      // a market order's price is the last price: nothing to compare
      if (order.type === "market") return null;
      const deviation = Math.abs(order.price - last) / Math.abs(last);
      if (!(deviation <= maxDeviation)) {
        return deny("PRICE_BAND", { symbol: order.symbol, maxDeviation, price: order.price, lastPrice: last, deviation });
      }
      return null;
    },
  };
}
