/**
 * The engine's events, immutable and typed. The dispatch loop emits them to an optional listener
 * (the live monitor, a recorder); a backtest without a listener allocates none of them, it keeps
 * only the records in its result.
 */
import type { OrderRecord, Fill, Rejection } from "./records.js";
import type { OrderStatus } from "./orders.js";
import type { TradingState } from "./risk/types.js";

export interface BarEvent {
  readonly type: "bar";
  readonly timeMs: number;
  readonly symbol: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}
export interface OrderRequestEvent { readonly type: "order_request"; readonly timeMs: number; readonly order: OrderRecord }
export interface OrderAcceptedEvent { readonly type: "order_accepted"; readonly timeMs: number; readonly order: OrderRecord }
export interface OrderRejectedEvent { readonly type: "order_rejected"; readonly timeMs: number; readonly rejection: Rejection }
export interface FillEvent { readonly type: "fill"; readonly timeMs: number; readonly fill: Fill }
export interface OrderStatusEvent {
  readonly type: "order_status";
  readonly timeMs: number;
  readonly orderId: number;
  readonly status: OrderStatus;
  readonly order: OrderRecord;
}
export interface PositionEvent {
  readonly type: "position";
  readonly timeMs: number;
  readonly symbol: string;
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realizedPnl: number;
}
export interface EquityEvent { readonly type: "equity"; readonly timeMs: number; readonly equity: number; readonly cash: number }
export interface TradingStateEvent {
  readonly type: "trading_state";
  readonly timeMs: number;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly code: string;
}

export type EngineEvent =
  | BarEvent | OrderRequestEvent | OrderAcceptedEvent | OrderRejectedEvent | FillEvent
  | OrderStatusEvent | PositionEvent | EquityEvent | TradingStateEvent;

export type EventListener = (event: EngineEvent) => void;
