import { InputError } from "../errors.js";
import type { OrderSide } from "../orders.js";

/** Moves a taker fill's price against the trader. Limit fills are never slipped past their limit. */
export interface SlippageModel {
  readonly name: string;
  /** The price actually paid (buy) or received (sell) for `quantity` at `price` in a bar of `barVolume`. */
  apply(price: number, side: OrderSide, quantity: number, barVolume: number): number;
}

function check(name: string, value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new InputError("BAD_SLIPPAGE", { model: name, value }, `${name}: ${what} must be a finite number >= 0, got ${value}`);
  }
}

export function noSlippage(): SlippageModel {
  return { name: "none", apply: (price) => price };
}

/** A fixed number of basis points of the price: buy at price × (1 + bps/10 000). */
export function fixedBpsSlippage(bps: number): SlippageModel {
  check("fixedBpsSlippage", bps, "bps");
  const f = bps / 10_000;
  return { name: `bps(${bps})`, apply: (p, side) => (side === "buy" ? p * (1 + f) : p * (1 - f)) };
}

/** A fixed number of price ticks: buy at price + ticks × tickSize. */
export function fixedTickSlippage(ticks: number, tickSize: number): SlippageModel {
  check("fixedTickSlippage", ticks, "ticks");
  check("fixedTickSlippage", tickSize, "tickSize");
  const d = ticks * tickSize;
  return { name: `ticks(${ticks}x${tickSize})`, apply: (p, side) => (side === "buy" ? p + d : Math.max(0, p - d)) };
}

/**
 * Price impact growing with the order's share of the bar's volume:
 * `impact = coefficient × (quantity / barVolume) ^ exponent`, capped at `maxImpact`
 * (zipline's volume-share model with coefficient 0.1 and exponent 2). A bar with no volume
 * takes the cap.
 */
export function volumeSlippage(options: { coefficient?: number; exponent?: number; maxImpact?: number } = {}): SlippageModel {
  const { coefficient = 0.1, exponent = 2, maxImpact = 0.1 } = options;
  check("volumeSlippage", coefficient, "coefficient");
  check("volumeSlippage", exponent, "exponent");
  check("volumeSlippage", maxImpact, "maxImpact");
  return {
    name: `volume(${coefficient},${exponent})`,
    apply(p, side, q, v) {
      const impact = v > 0 ? Math.min(maxImpact, coefficient * (q / v) ** exponent) : maxImpact;
      return side === "buy" ? p * (1 + impact) : p * (1 - impact);
    },
  };
}
