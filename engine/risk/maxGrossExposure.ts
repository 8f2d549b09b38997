import { deny } from "./deny.js";
import { grossExposureAfter, positionAfter } from "./exposure.js";
import type { RiskRule } from "./types.js";
import { nonNegative, requireOneOf, requireOptions } from "./validate.js";

export interface MaxGrossExposureOptions {
  /** Limit as a multiple of current equity (2 = gross exposure up to twice equity). */
  readonly maxMultiple?: number;
  /** Limit as an absolute amount in account currency. */
  readonly maxAmount?: number;
}

/**
 * Refuses an order that would take gross exposure (Σ |position × price|) above `maxMultiple` × equity
 * and/or `maxAmount`; with both, the smaller limit applies. An order that does not grow |position|
 * of its symbol always passes: it cannot add exposure, and refusing it would trap an over-limit book.
 *
 * @example
 * const rule = maxGrossExposure({ maxMultiple: 1.5 });
 * rule.checkOrder?.(order, view); // null, or MAX_GROSS_EXPOSURE: max=150000, grossAfter=162000, equity=100000
 */
export function maxGrossExposure(options: MaxGrossExposureOptions): RiskRule {
  const name = "maxGrossExposure";
  requireOneOf(name, requireOptions(name, options), ["maxMultiple", "maxAmount"]);
  const maxMultiple = options.maxMultiple === undefined ? undefined : nonNegative(name, "maxMultiple", options.maxMultiple);
  const maxAmount = options.maxAmount === undefined ? Infinity : nonNegative(name, "maxAmount", options.maxAmount);
  return {
    name,
    checkOrder(order, view) {
      const position = view.position(order.symbol);
      const after = positionAfter(order, position);
      if (Math.abs(after) <= Math.abs(position)) return null;
      const max = maxMultiple === undefined ? maxAmount : Math.min(maxAmount, maxMultiple * view.equity);
      const gross = grossExposureAfter(order, view, position, after);
      if (!(gross <= max)) return deny("MAX_GROSS_EXPOSURE", { max, grossAfter: gross, equity: view.equity });
      return null;
    },
  };
}
