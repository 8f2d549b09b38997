import type { Order, OrderRequest } from "../orders.js";
import type { BarColumn, PriceColumn } from "../bars.js";
import type { TradingState } from "../risk/types.js";
import type { Indicator } from "../indicators/types.js";
import type { Atr, Bollinger, Donchian, Ema, Macd, Obv, Roc, Rsi, Sma, Stochastic, Vwap, Wma } from "../indicators/index.js";

/** Options shared by the order helpers: an OrderRequest's details; `symbol` defaults to the bar being handled. */
export type OrderOptions = Omit<OrderRequest, "symbol" | "side" | "quantity" | "target"> & { readonly symbol?: string };

export interface OrderChanges {
  readonly quantity?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

export interface StrategyLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * What a strategy sees. Everything is as of the close of the bar being handled: there is no way
 * to read a later bar. Order helpers return the order (status "rejected" with `reason` when risk
 * refused it); they throw a StrategyError for a malformed request.
 */
export interface StrategyContext<P = Readonly<Record<string, number | string | boolean>>> {
  /** The symbol whose bar is being handled, its bar index, and the bar's open time (UTC ms). */
  readonly symbol: string;
  readonly index: number;
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** The last `length` values of a column up to and including this bar (fewer at the start). A view: do not keep it. */
  history(column: BarColumn, length: number): Float64Array;
  /** Current parameter values (they can change between bars in a live run). */
  readonly params: P;

  /** Signed position of the current symbol (or `symbol`), its average price. */
  readonly position: number;
  positionOf(symbol: string): number;
  averagePrice(symbol?: string): number;
  readonly cash: number;
  readonly equity: number;
  readonly tradingState: TradingState;
  /** Open orders, of one symbol or all. */
  openOrders(symbol?: string): readonly Readonly<Order>[];

  buy(quantity: number, options?: OrderOptions): Readonly<Order>;
  sell(quantity: number, options?: OrderOptions): Readonly<Order>;
  order(request: OrderRequest): Readonly<Order>;
  /** Moves the position to `fraction` of equity (negative = short), sized at the fill price. Undefined when already there. */
  orderTargetPercent(fraction: number, options?: OrderOptions): Readonly<Order> | undefined;
  /** Moves the position to `quantity` units (signed), sized at the fill. Undefined when already there. */
  orderTargetQuantity(quantity: number, options?: OrderOptions): Readonly<Order> | undefined;
  /** False when the order is not open or risk refused the cancel. */
  cancel(order: Readonly<Order> | number): boolean;
  modify(order: Readonly<Order> | number, changes: OrderChanges): boolean;

  readonly log: StrategyLogger;

  /** Binds an indicator to this symbol (call it in init): the engine feeds it every bar before onBar. */
  indicator<T extends Indicator>(indicator: T, source?: IndicatorSource): T;
  /** A bound simple moving average; over prices it is computed in exact decimal ticks (equal windows tie exactly). */
  sma(period: number, source?: IndicatorSource): Sma;
  /** Bound indicators, fed from the close (or `source`) or from the bar, with the indicators' own defaults. */
  ema(period: number, source?: IndicatorSource): Ema;
  wma(period: number, source?: IndicatorSource): Wma;
  rsi(period?: number, source?: IndicatorSource): Rsi;
  macd(fast?: number, slow?: number, signal?: number, source?: IndicatorSource): Macd;
  bollinger(period?: number, k?: number, source?: IndicatorSource): Bollinger;
  roc(period: number, source?: IndicatorSource): Roc;
  atr(period?: number): Atr;
  stochastic(kPeriod?: number, dPeriod?: number): Stochastic;
  donchian(period?: number): Donchian;
  obv(): Obv;
  vwap(period?: number): Vwap;
}

/** A column a scalar indicator can be fed from. */
export type IndicatorSource = PriceColumn | "volume" | "hl2" | "hlc3" | "ohlc4";
