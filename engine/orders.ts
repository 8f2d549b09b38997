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
