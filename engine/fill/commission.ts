import { InputError } from "../errors.js";
import type { Liquidity } from "../orders.js";

/** Prices a fill's commission, and sizes orders so that the commission is affordable. */
export interface CommissionModel {
  readonly name: string;
  /** Commission for one fill. `firstFill` is true for an order's first fill (per-order fees). */
  commission(quantity: number, price: number, liquidity: Liquidity, firstFill: boolean): number;
  /** Largest (fractional) quantity whose value plus commission fits in `budget`. */
  affordable(budget: number, price: number, liquidity: Liquidity): number;
}

function check(name: string, value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new InputError("BAD_COMMISSION", { model: name, value }, `${name}: ${what} must be a finite number >= 0, got ${value}`);
  }
}

/** No costs. */
export function noCommission(): CommissionModel {
  return { name: "none", commission: () => 0, affordable: (budget, price) => budget / price };
}

/**
 * A fraction of the traded value: `quantity × price × rate` (0.001 = 0.1 %).
 * @example percentCommission(0.001)
 */
export function percentCommission(rate: number): CommissionModel {
  check("percentCommission", rate, "rate");
  return {
    name: `percent(${rate})`,
    commission: (q, p) => q * p * rate,
    // written as budget / (price × (1 + rate)), the "all in" sizing of other engines, so fills agree to the unit
    affordable: (budget, price) => budget / (price * (1 + rate)),
  };
}

/** A fixed amount per order, charged on its first fill. */
export function fixedCommission(perOrder: number): CommissionModel {
  check("fixedCommission", perOrder, "perOrder");
  return {
    name: `fixed(${perOrder})`,
    commission: (_q, _p, _l, first) => (first ? perOrder : 0),
    affordable: (budget, price) => Math.max(0, budget - perOrder) / price,
  };
}

/** A fixed amount per unit traded (per share, per contract). */
export function perUnitCommission(perUnit: number): CommissionModel {
  check("perUnitCommission", perUnit, "perUnit");
  return {
    name: `perUnit(${perUnit})`,
    commission: (q) => q * perUnit,
    affordable: (budget, price) => budget / (price + perUnit),
  };
}

/** Maker and taker rates as fractions of traded value (resting limit orders are makers). */
export function makerTakerCommission(makerRate: number, takerRate: number): CommissionModel {
  check("makerTakerCommission", makerRate, "makerRate");
  check("makerTakerCommission", takerRate, "takerRate");
  return {
    name: `makerTaker(${makerRate},${takerRate})`,
    commission: (q, p, l) => q * p * (l === "maker" ? makerRate : takerRate),
    affordable: (budget, price, l) => budget / (price * (1 + (l === "maker" ? makerRate : takerRate))),
  };
}

/** Another model with a floor per fill: `max(minimum, inner)`. */
export function minimumCommission(inner: CommissionModel, minimum: number): CommissionModel {
  check("minimumCommission", minimum, "minimum");
  return {
    name: `min(${inner.name},${minimum})`,
    commission: (q, p, l, first) => (q > 0 ? Math.max(minimum, inner.commission(q, p, l, first)) : 0),
    affordable: (budget, price, l) => Math.min(inner.affordable(budget, price, l), Math.max(0, budget - minimum) / price),
  };
}
