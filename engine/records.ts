/** The records a run produces. Plain immutable data: safe to serialise, transfer or compare. */
import type { Liquidity, OrderSide, OrderStatus, OrderType, TimeInForce } from "./orders.js";

export interface Fill {
  readonly timeMs: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly price: number;
  readonly commission: number;
  readonly liquidity: Liquidity;
}

/** A round trip: opens when a position leaves zero, closes when it returns to zero (a reversal closes one and opens another). */
export interface Trade {
  readonly symbol: string;
  readonly direction: "long" | "short";
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  /** Largest absolute size the position reached. */
  readonly quantity: number;
  /** Volume-weighted prices of the fills that opened / closed it. */
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** Price PnL before costs, commissions, and PnL after commissions. */
  readonly grossPnl: number;
  readonly commission: number;
  readonly netPnl: number;
  /** netPnl divided by the entry value (entryPrice × quantity). */
  readonly returnPct: number;
  /** Number of timeline steps from entry to exit. */
  readonly bars: number;
}

export interface OrderRecord {
  readonly id: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly trailAmount: number | undefined;
  readonly trailPercent: number | undefined;
  readonly takeProfit: number | undefined;
  readonly stopLoss: number | undefined;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly parentId: number | undefined;
  readonly status: OrderStatus;
  readonly filledQuantity: number;
  readonly averagePrice: number;
  readonly commission: number;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly reason: string | undefined;
  readonly tag: string | undefined;
}

/** An order or cancel refused by the risk manager or the simulated exchange. */
export interface Rejection {
  readonly timeMs: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly side: OrderSide | undefined;
  readonly quantity: number;
  /** Stable reason code, e.g. MAX_ORDER_NOTIONAL. */
  readonly code: string;
  /** `CODE: key=value, …` */
  readonly message: string;
  readonly context: Readonly<Record<string, string | number>>;
  readonly source: "risk" | "exchange";
}
