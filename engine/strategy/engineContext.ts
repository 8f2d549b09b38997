import type { BarColumn, BarSeries, PriceColumn } from "../bars.js";
import type { Engine } from "../engine.js";
import { StrategyError } from "../errors.js";
import type { Indicator } from "../indicators/types.js";
import { Atr, Bollinger, Donchian, Ema, Macd, Obv, Roc, Rsi, Sma, Stochastic, Vwap, Wma } from "../indicators/index.js";
import type { Order, OrderRequest, OrderSide, OrderTarget } from "../orders.js";
import type { TradingState } from "../risk/types.js";
import type { IndicatorSource, OrderChanges, OrderOptions, StrategyContext, StrategyLogger } from "./context.js";

/**
 * The strategy's view of the engine, pointed at the bar being handled (`k`, `i`, set by the
 * engine). Reads go straight to the engine's state; orders go through its risk check.
 */
export class EngineContext implements StrategyContext {
  k = 0;
  i = -1;
  readonly log: StrategyLogger;
  constructor(private readonly engine: Engine, readonly priceDecimals: (k: number, column: PriceColumn) => number | undefined) {
    this.log = { info: (m) => engine.log("info", m), warn: (m) => engine.log("warn", m) };
  }
  private get s(): BarSeries { return this.engine.series[this.k]!; }
  get symbol(): string { return this.s.symbol; }
  get index(): number { return this.i; }
  get time(): number { return this.i >= 0 ? this.s.time[this.i]! : NaN; }
  get open(): number { return this.i >= 0 ? this.s.open[this.i]! : NaN; }
  get high(): number { return this.i >= 0 ? this.s.high[this.i]! : NaN; }
  get low(): number { return this.i >= 0 ? this.s.low[this.i]! : NaN; }
  get close(): number { return this.i >= 0 ? this.s.close[this.i]! : NaN; }
  get volume(): number { return this.i >= 0 ? this.s.volume[this.i]! : NaN; }
  get params(): Readonly<Record<string, number | string | boolean>> { return this.engine.params as Readonly<Record<string, number | string | boolean>>; }
  history(column: BarColumn, length: number): Float64Array {
    const end = this.i + 1;
    return this.s[column].subarray(Math.max(0, end - Math.max(0, Math.floor(length))), end);
  }
  get position(): number { return this.engine.portfolio.quantity[this.k]!; }
  positionOf(symbol: string): number { return this.engine.portfolio.quantity[this.engine.symbolOf(symbol)]!; }
  averagePrice(symbol?: string): number { return this.engine.portfolio.averagePrice[symbol === undefined ? this.k : this.engine.symbolOf(symbol)]!; }
  get cash(): number { return this.engine.portfolio.cash; }
  get equity(): number { return this.engine.portfolio.equity(); }
  get tradingState(): TradingState { return this.engine.risk.state; }
  openOrders(symbol?: string): readonly Readonly<Order>[] { return this.engine.openOrders(symbol); }

  buy(quantity: number, options?: OrderOptions): Readonly<Order> { return this.engine.submit(this.request("buy", options, quantity)); }
  sell(quantity: number, options?: OrderOptions): Readonly<Order> { return this.engine.submit(this.request("sell", options, quantity)); }
  order(request: OrderRequest): Readonly<Order> {
    if (typeof request !== "object" || request === null) throw new StrategyError("BAD_ORDER", {}, `order(request) needs an object { symbol, side, quantity, … }, got ${String(request)}`);
    return this.engine.submit({ ...this.request(request.side, request, request.quantity, request.target), symbol: request.symbol ?? this.symbol });
  }

  orderTargetPercent(fraction: number, options?: OrderOptions): Readonly<Order> | undefined {
    if (!Number.isFinite(fraction)) throw new StrategyError("BAD_ORDER", { fraction }, `orderTargetPercent needs a finite fraction of equity (1 = 100 %), got ${fraction}`);
    return this.target({ kind: "percent", value: fraction }, options);
  }
  orderTargetQuantity(quantity: number, options?: OrderOptions): Readonly<Order> | undefined {
    if (!Number.isFinite(quantity)) throw new StrategyError("BAD_ORDER", { quantity }, `orderTargetQuantity needs a finite quantity, got ${quantity}`);
    return this.target({ kind: "quantity", value: quantity }, options);
  }
  private target(target: { kind: "percent" | "quantity"; value: number }, options?: OrderOptions): Readonly<Order> | undefined {
    const symbol = options?.symbol ?? this.symbol;
    const k = this.engine.symbolOf(symbol);
    const pos = this.engine.portfolio.quantity[k]!;
    // the side is decided now, at the last price; the size is fixed at the fill
    const last = this.engine.portfolio.lastPrice[k]!;
    // with no price yet the size is unknown but the direction is not: any non-zero target lies beyond
    const want = target.kind === "quantity" ? target.value
      : target.value === 0 ? 0
      : Number.isNaN(last) ? Math.sign(target.value) * Infinity
      : Math.sign(target.value) * Math.abs((this.engine.portfolio.equity() * target.value) / last);
    if (want === pos || (target.kind === "percent" && target.value !== 0 && Math.abs(want - pos) < this.engine.lotSize(symbol))) return undefined;
    return this.engine.submit(this.request(want > pos ? "buy" : "sell", options, undefined, target));
  }
  cancel(order: Readonly<Order> | number): boolean { return this.engine.cancel(this.find(order)); }
  modify(order: Readonly<Order> | number, changes: OrderChanges): boolean { return this.engine.modify(this.find(order), changes); }
  private find(order: Readonly<Order> | number): Order {
    const id = typeof order === "number" ? order : order.id;
    const o = this.engine.order(id);
    if (!o) throw new StrategyError("UNKNOWN_ORDER", { orderId: id }, `there is no order ${id}`);
    return o;
  }
  /** Every field present, in one order: requests of one shape keep the order path's property reads monomorphic. */
  private request(side: OrderSide, o: OrderOptions | undefined, quantity: number | undefined, target?: OrderTarget): OrderRequest {
    if (o === undefined) {
      return { symbol: this.symbol, side, type: undefined, quantity, target, limitPrice: undefined, stopPrice: undefined, trailAmount: undefined,
        trailPercent: undefined, timeInForce: undefined, reduceOnly: undefined, takeProfit: undefined, stopLoss: undefined, tag: undefined };
    }
    return { symbol: o.symbol ?? this.symbol, side, type: o.type, quantity, target, limitPrice: o.limitPrice, stopPrice: o.stopPrice,
      trailAmount: o.trailAmount, trailPercent: o.trailPercent, timeInForce: o.timeInForce, reduceOnly: o.reduceOnly,
      takeProfit: o.takeProfit, stopLoss: o.stopLoss, tag: o.tag };
  }

  /** Binds an indicator to this symbol; the engine feeds it each bar before onBar. Call it in init. */
  indicator<T extends Indicator>(ind: T, source: IndicatorSource = "close"): T {
    return this.engine.bind(this.k, ind, source);
  }
  ema(period: number, source: IndicatorSource = "close"): Ema { return this.indicator(new Ema(period), source); }
  // the weighted tick sum grows with the sum of the weights, period × (period + 1) / 2
  wma(period: number, source: IndicatorSource = "close"): Wma { return this.indicator(new Wma(period, this.exact(source, (period * (period + 1)) / 2)), source); }
  rsi(period?: number, source: IndicatorSource = "close"): Rsi { return this.indicator(new Rsi(period), source); }
  macd(fast?: number, slow?: number, signal?: number, source: IndicatorSource = "close"): Macd { return this.indicator(new Macd(fast, slow, signal), source); }
  bollinger(period = 20, k?: number, source: IndicatorSource = "close"): Bollinger { return this.indicator(new Bollinger(period, k, this.exact(source, period)), source); }
  roc(period: number, source: IndicatorSource = "close"): Roc { return this.indicator(new Roc(period), source); }
  atr(period?: number): Atr { return this.indicator(new Atr(period)); }
  stochastic(kPeriod?: number, dPeriod?: number): Stochastic { return this.indicator(new Stochastic(kPeriod, dPeriod)); }
  donchian(period?: number): Donchian { return this.indicator(new Donchian(period)); }
  obv(): Obv { return this.indicator(new Obv()); }
  vwap(period?: number): Vwap { return this.indicator(new Vwap(period)); }

  /** Exact tick decimals for a sum of `weight` values of `source` (a window), when they exist and the sum stays below 2^53. */
  private exact(source: IndicatorSource, weight: number): { decimals: number } | undefined {
    // only raw price columns are on the tick grid: hl2 and friends are not
    if (source !== "open" && source !== "high" && source !== "low" && source !== "close") return undefined;
    const decimals = this.priceDecimals(this.k, source);
    if (decimals === undefined || this.engine.columnMax(this.k, source) * 10 ** decimals * weight >= Number.MAX_SAFE_INTEGER) return undefined;
    return { decimals };
  }

  sma(period: number, source: IndicatorSource = "close"): Sma {
    return this.indicator(new Sma(period, this.exact(source, period)), source);
  }
}
