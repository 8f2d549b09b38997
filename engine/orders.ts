import { StrategyError } from "./errors.js";

/** Order types, their parameters and their lifecycle states. */

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop" | "stop_limit" | "trailing_stop";
/** GTC: until filled or canceled; DAY: expires at the end of the UTC day it was placed; IOC: the first bar it can trade on, remainder canceled. */
export type TimeInForce = "GTC" | "DAY" | "IOC";
export type OrderStatus = "new" | "partially_filled" | "filled" | "canceled" | "rejected" | "expired";
export type Liquidity = "maker" | "taker";

/** Sizing resolved at the fill price rather than at submission. */
export interface OrderTarget {
  readonly kind: "percent" | "quantity";
  /** Fraction of equity (percent: 0.5 = 50 %, negative = short) or a signed position size. */
  readonly value: number;
}

/** What a strategy asks for. Exactly one of `quantity` and `target` is given. */
export interface OrderRequest {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type?: OrderType;
  /** Positive number of units. */
  readonly quantity?: number;
  readonly target?: OrderTarget;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  /** Trailing stops: distance in price units, or as a fraction of price (0.02 = 2 %). */
  readonly trailAmount?: number;
  readonly trailPercent?: number;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
  /** Bracket: a take-profit limit and/or a stop-loss stop, attached once the entry fills (one cancels the other). */
  readonly takeProfit?: number;
  readonly stopLoss?: number;
  readonly tag?: string;
}

/** An order as the engine tracks it. Strategies get it read-only. */
export interface Order {
  readonly id: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Units ordered; for target orders an estimate at submission, fixed at the first fill. */
  quantity: number;
  readonly target: OrderTarget | undefined;
  limitPrice: number | undefined;
  stopPrice: number | undefined;
  readonly trailAmount: number | undefined;
  readonly trailPercent: number | undefined;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly tag: string | undefined;
  /** Bracket legs: prices to attach once this entry fills. */
  readonly takeProfit: number | undefined;
  readonly stopLoss: number | undefined;
  /** The entry order of a bracket leg, and the other leg it cancels. */
  readonly parentId: number | undefined;
  ocoId: number | undefined;
  status: OrderStatus;
  filledQuantity: number;
  averagePrice: number;
  commission: number;
  readonly createdMs: number;
  updatedMs: number;
  /** Stop-limit: the stop has been touched and the order now rests as a limit. */
  triggered: boolean;
  /** Rejection or cancel reason code, when there is one. */
  reason: string | undefined;
}

export const isOpenStatus = (s: OrderStatus): boolean => s === "new" || s === "partially_filled";
export const sideSign = (side: OrderSide): 1 | -1 => (side === "buy" ? 1 : -1);

/** Throws a StrategyError (BAD_ORDER) saying what is wrong with a request of this type. */
export function checkOrderRequest(r: OrderRequest, type: OrderType): void {
  const problem = requestProblem(r, type);
  if (problem) throw new StrategyError("BAD_ORDER", { symbol: r.symbol, side: r.side, type }, `invalid ${type} ${r.side} order for ${r.symbol}: ${problem}`);
}

const badPrice = (v: number | undefined): boolean => v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0);

/** What is wrong with a request, or undefined. */
function requestProblem(r: OrderRequest, type: OrderType): string | undefined {
  if (r.side !== "buy" && r.side !== "sell") return `side must be "buy" or "sell", got ${JSON.stringify(r.side)}`;
  if (r.target === undefined) {
    if (typeof r.quantity !== "number" || !Number.isFinite(r.quantity) || r.quantity <= 0) return `quantity must be a finite number above zero, got ${r.quantity}`;
  } else if (r.quantity !== undefined) return "give either a quantity or a target, not both";
  // unrolled: a loop over names would make these reads megamorphic
  if (badPrice(r.limitPrice)) return `limitPrice must be a finite number above zero, got ${r.limitPrice}`;
  if (badPrice(r.stopPrice)) return `stopPrice must be a finite number above zero, got ${r.stopPrice}`;
  if (badPrice(r.takeProfit)) return `takeProfit must be a finite number above zero, got ${r.takeProfit}`;
  if (badPrice(r.stopLoss)) return `stopLoss must be a finite number above zero, got ${r.stopLoss}`;
  if (badPrice(r.trailAmount)) return `trailAmount must be a finite number above zero, got ${r.trailAmount}`;
  if ((type === "limit" || type === "stop_limit") && r.limitPrice === undefined) return "a limitPrice is required";
  if ((type === "stop" || type === "stop_limit") && r.stopPrice === undefined) return "a stopPrice is required";
  if (type !== "trailing_stop" && (r.trailAmount !== undefined || r.trailPercent !== undefined)) return "trailAmount and trailPercent belong to trailing_stop orders";
  if (type === "trailing_stop") {
    if ((r.trailAmount === undefined) === (r.trailPercent === undefined)) return "give exactly one of trailAmount and trailPercent";
    if (r.trailPercent !== undefined && !(r.trailPercent > 0 && r.trailPercent < 1)) return `trailPercent is a fraction between 0 and 1 (0.02 = 2 %), got ${r.trailPercent}`;
  }
  if (r.timeInForce !== undefined && r.timeInForce !== "GTC" && r.timeInForce !== "DAY" && r.timeInForce !== "IOC") return `timeInForce must be GTC, DAY or IOC, got ${r.timeInForce}`;
  return undefined;
}
