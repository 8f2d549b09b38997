/** Position arithmetic shared by the exposure rules and the REDUCING gate. Allocation-free: runs on every order. */
import type { RiskOrder, RiskView } from "./types.js";

/** Signed position of the order's symbol once the order fills completely. */
export function positionAfter(order: RiskOrder, position: number): number {
  return order.side === "buy" ? position + order.quantity : position - order.quantity;
}

/**
 * Gross exposure once the order fills: the view's gross exposure with this symbol's current
 * contribution (|position| × last price, as the view counts it) replaced by |position after| × order price.
 */
export function grossExposureAfter(order: RiskOrder, view: RiskView, position: number, after: number): number {
  let current = 0;
  if (position !== 0) {
    const last = view.lastPrice(order.symbol);
    // no last price: the view could not have counted it at a market price; the order price is the best estimate
    current = Math.abs(position * (last === last ? last : order.price));
  }
  return view.grossExposure() - current + Math.abs(after * order.price);
}
