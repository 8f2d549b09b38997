import type { BarSeries, PriceColumn } from "./bars.js";
import { InputError, StrategyError } from "./errors.js";
import type { EventListener } from "./events.js";
import type { CommissionModel } from "./fill/commission.js";
import type { SlippageModel } from "./fill/slippage.js";
import type { Indicator } from "./indicators/types.js";
import { checkOrderRequest, isOpenStatus, sideSign, type Liquidity, type Order, type OrderRequest, type OrderSide, type OrderStatus, type OrderTarget } from "./orders.js";
import type { Portfolio } from "./portfolio.js";
import type { Fill, OrderRecord, Rejection } from "./records.js";
import type { RiskManager } from "./risk/riskManager.js";
import type { RiskDenial, RiskOrder, RiskView, TradingState } from "./risk/types.js";
import { SimExchange, type ExecutionHost, type FillAttempt, type FillOptions } from "./simExchange.js";
import type { Venue } from "./venue.js";
import type { IndicatorSource, OrderChanges } from "./strategy/context.js";
import { EngineContext } from "./strategy/engineContext.js";
import { deny } from "./risk/deny.js";
import type { AnyStrategy } from "./strategy/defineStrategy.js";
import { formatTime, medianSpacingMs, timeframeMs } from "./time.js";
import { resolveParams } from "./strategy/params.js";

export interface EngineOptions {
  readonly series: readonly BarSeries[];
  readonly strategy: AnyStrategy;
  /** Resolved parameter values (see resolveParams). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly portfolio: Portfolio;
  readonly risk: RiskManager;
  readonly commission: CommissionModel;
  readonly slippage: SlippageModel;
  readonly fill?: FillOptions;
  /** Smallest tradable unit per symbol (1 = whole shares); target sizing rounds down to it. */
  readonly lotSize: (symbol: string) => number;
  /** Decimal places of a price column of series k, for exact price averages; undefined = not exact. */
  readonly priceDecimals?: (k: number, column: PriceColumn) => number | undefined;
  readonly onEvent?: EventListener;
  readonly maxLogs?: number;
  /**
   * Where accepted orders go. Default: a SimExchange with `fill`, which fills them against the
   * bars (backtests, paper trading). A live venue sends them to an exchange instead and reports
   * the exchange's fills back through `applyVenueFill`.
   */
  readonly venue?: (engine: Engine, barMs: Float64Array) => Venue;
  /**
   * When target orders ("50 % of equity") get their size. "fill" (default): at the fill price,
   * as a simulated venue can. "decision": at the last price when the strategy decides, as a live
   * venue must, since an exchange takes a quantity; a backtest with "decision" makes the orders a
   * live run of the same bars sends.
   */
  readonly sizing?: "fill" | "decision";
}

export interface LogEntry {
  readonly timeMs: number;
  readonly symbol: string;
  readonly level: "info" | "warn";
  readonly message: string;
}

/**
 * The event-driven core shared by backtests and live trading: for each bar it matches resting
 * orders, marks the portfolio, feeds the data-quality risk rules and the strategy's indicators,
 * calls the strategy, and routes its orders through the risk manager to the venue. The caller
 * owns the clock: it calls `bar(k, i)` for every bar in time order and `sample(timeMs)` after
 * the bars of one timestamp.
 */
export class Engine implements ExecutionHost {
  readonly series: readonly BarSeries[];
  readonly symbols: readonly string[];
  readonly portfolio: Portfolio;
  readonly risk: RiskManager;
  readonly exchange: Venue;
  /** Every order, in id order: ids are handed out 1, 2, 3, … as orders are pushed here. */
  readonly orders: Order[] = [];
  readonly fills: Fill[] = [];
  readonly rejections: Rejection[] = [];
  readonly logs: LogEntry[] = [];
  /** Timeline step of the bar being handled (for trade durations). */
  step = 0;
  private clockMs = NaN;
  /** The symbol whose bar the strategy is deciding on (-1: none), for the lazily computed clock. */
  private closingK = -1;
  private readonly strategy: AnyStrategy;
  private readonly symbolIndex = new Map<string, number>();
  private readonly states: unknown[];
  private readonly scalarInds: Indicator[][];
  private readonly scalarSrc: Float64Array[][];
  private readonly scalarNames: IndicatorSource[][];
  private readonly barInds: Indicator[][];
  private readonly ctx: EngineContext;
  private readonly view: EngineRiskView;
  private readonly commission: CommissionModel;
  private readonly slippage: SlippageModel;
  /** Bar length per series: decisions are made at a bar's close, its open time + bar length. */
  private readonly barMs: Float64Array;
  /** Open time of the bar being matched or handled, which names it in errors. */
  private barTimeMs = NaN;
  readonly lotSize: (symbol: string) => number;
  private readonly legs = new Map<number, Order[]>();
  private readonly listener: EventListener | undefined;
  private readonly maxLogs: number;
  private readonly derived = new Map<string, Float64Array>();
  private nextOrderId = 1;
  private lastState: TradingState;
  // skipping the risk manager's per-bar hooks when no rule has them is worth ~5 ns a bar
  private readonly watchBars: boolean;
  private readonly watchEquity: boolean;
  /** 1 where a symbol has bound indicators. */
  private readonly fed: Uint8Array;
  /** Index of the bar being handled, per symbol (-1 before the first). */
  readonly cursor: Int32Array;
  private currentParams: Readonly<Record<string, unknown>>;
  private readonly sizeAtDecision: boolean;

  constructor(options: EngineOptions) {
    this.series = options.series;
    this.symbols = options.series.map((s) => s.symbol);
    this.symbols.forEach((s, k) => {
      if (this.symbolIndex.has(s)) throw new InputError("DUPLICATE_SYMBOL", { symbol: s }, `symbol "${s}" is given twice; pass one series per symbol`);
      this.symbolIndex.set(s, k);
    });
    this.strategy = options.strategy;
    this.currentParams = options.params;
    this.portfolio = options.portfolio;
    this.risk = options.risk;
    this.commission = options.commission;
    this.lotSize = options.lotSize;
    this.listener = options.onEvent;
    this.maxLogs = options.maxLogs ?? 10_000;
    this.slippage = options.slippage;
    this.barMs = Float64Array.from(options.series, barLength);
    this.exchange = options.venue ? options.venue(this, this.barMs) : new SimExchange(options.series, this.barMs, this, options.fill);
    this.sizeAtDecision = options.sizing === "decision";
    const n = options.series.length;
    this.states = new Array(n);
    this.scalarInds = Array.from({ length: n }, () => []);
    this.scalarSrc = Array.from({ length: n }, () => []);
    this.scalarNames = Array.from({ length: n }, () => []);
    this.barInds = Array.from({ length: n }, () => []);
    this.cursor = new Int32Array(n).fill(-1);
    this.fed = new Uint8Array(n);
    this.view = new EngineRiskView(this);
    this.ctx = new EngineContext(this, options.priceDecimals ?? (() => undefined));
    this.lastState = this.risk.state;
    this.watchBars = this.risk.rules.some((r) => r.onBar !== undefined);
    this.watchEquity = this.risk.rules.some((r) => r.onEquity !== undefined);
  }

  /** The strategy's current parameter values. */
  get params(): Readonly<Record<string, unknown>> {
    return this.currentParams;
  }

  /**
   * Changes parameter values while running (live hot updates): checked against the strategy's
   * schema (unknown name, wrong type, out of range → InputError, nothing changed), merged with the
   * current values, and seen by the strategy from its next callback.
   */
  setParams(changes: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
    const next = resolveParams(this.strategy.name, this.strategy.params, { ...this.currentParams, ...changes });
    for (const name of Object.keys(changes)) {
      if (this.strategy.params[name]?.hot === false && next[name] !== this.currentParams[name]) {
        throw new InputError("PARAM_NOT_HOT", { strategy: this.strategy.name, param: name },
          `strategy "${this.strategy.name}": ${name} is fixed when the strategy starts (its indicators are built from it); set it and restart the strategy`);
      }
    }
    this.currentParams = next;
    return this.currentParams;
  }

  /** Runs the strategy's init for every symbol (before the first bar). */
  start(): void {
    for (let k = 0; k < this.series.length; k++) {
      this.ctx.k = k;
      this.ctx.i = -1;
      this.states[k] = this.call("init", () => this.strategy.init(this.ctx, this.params as never));
    }
  }

  /** Handles bar i of symbol k. Bars must come in time order. Kept small: it runs once per bar. */
  bar(k: number, i: number): void {
    const s = this.series[k]!;
    const t = s.time[i]!;
    // the bar trades from its open: resting orders meet it while the cursor still says i - 1, so an
    // onFill (and any order it places) knows only what was known before, never this bar's range
    this.clockMs = t;
    this.barTimeMs = t;
    if (this.exchange.hasOpenOrders(k)) this.exchange.matchBar(k, i);
    this.cursor[k] = i;
    // the strategy decides at the bar's close; worked out only if something asks (an order, a log)
    this.clockMs = NaN;
    this.closingK = k;
    const c = s.close[i]!;
    const pf = this.portfolio;
    pf.lastPrice[k] = c;
    if (this.watchBars) this.risk.onBar(s.symbol, t, c);
    if (this.fed[k] === 1) this.feed(k, i, s);
    if (this.listener) this.emitBar(s, i);
    const ctx = this.ctx;
    ctx.k = k;
    ctx.i = i;
    try {
      this.strategy.onBar(ctx, this.states[k]);
    } catch (error) {
      throw this.strategyError("onBar", error);
    }
  }

  /**
   * Live trading: bars were appended to series k (its columns may have been reallocated). Points
   * the indicators at the current columns and drops derived columns (hl2, …) to be rebuilt.
   */
  seriesGrew(k: number): void {
    for (const key of [...this.derived.keys()]) if (key.startsWith(`${k}:`)) this.derived.delete(key);
    const names = this.scalarNames[k]!;
    const src = this.scalarSrc[k]!;
    for (let j = 0; j < names.length; j++) src[j] = this.column(k, names[j]!);
  }

  /** Live warm-up: bar i of symbol k feeds the indicators and the last price; no matching, no strategy call. */
  warm(k: number, i: number): void {
    const s = this.series[k]!;
    this.cursor[k] = i;
    this.portfolio.lastPrice[k] = s.close[i]!;
    if (this.fed[k] === 1) this.feed(k, i, s);
  }

  /** Feeds bar i to the indicators bound to symbol k. */
  private feed(k: number, i: number, s: BarSeries): void {
    const inds = this.scalarInds[k]!;
    const src = this.scalarSrc[k]!;
    for (let j = 0; j < inds.length; j++) (inds[j] as { update(x: number): number }).update(src[j]![i]!);
    const bars = this.barInds[k]!;
    if (bars.length > 0) {
      const h = s.high[i]!, l = s.low[i]!, c = s.close[i]!, v = s.volume[i]!;
      for (let j = 0; j < bars.length; j++) (bars[j] as { update(h: number, l: number, c: number, v: number): number }).update(h, l, c, v);
    }
  }

  private emitBar(s: BarSeries, i: number): void {
    this.listener!({ type: "bar", timeMs: s.time[i]!, symbol: s.symbol, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
  }

  /** Gross exposure / equity at the last `sample()`. */
  exposure = 0;

  /** Marks equity after the bars of one timestamp (returned; exposure in `exposure`) and lets the risk rules see it. */
  sample(timeMs: number): number {
    const pf = this.portfolio;
    const equity = pf.mark();
    this.exposure = equity > 0 ? pf.gross / equity : 0;
    if (this.watchEquity) this.risk.onEquity(timeMs, equity);
    if (this.listener) this.emitSample(timeMs, equity);
    return equity;
  }

  private emitSample(timeMs: number, equity: number): void {
    const listener = this.listener!;
    const state = this.risk.state;
    if (state !== this.lastState) {
      listener({ type: "trading_state", timeMs, from: this.lastState, to: state, code: this.risk.transitions.at(-1)?.code ?? "" });
      this.lastState = state;
    }
    listener({ type: "equity", timeMs, equity, cash: this.portfolio.cash });
  }

  /** Calls the strategy's onStop for every symbol. */
  stop(): void {
    if (!this.strategy.onStop) return;
    for (let k = 0; k < this.series.length; k++) {
      this.ctx.k = k;
      this.ctx.i = this.cursor[k]!;
      this.call("onStop", () => this.strategy.onStop!(this.ctx, this.states[k]));
    }
  }

  private call<T>(where: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      // init may refuse a parameter combination (fast >= slow): that is the caller's input to fix
      if (where === "init" && error instanceof InputError) throw error;
      throw this.strategyError(where, error);
    }
  }

  private strategyError(where: string, error: unknown): StrategyError {
    const s = this.series[this.ctx.k];
    const timeMs = this.barTimeMs;
    const name = this.strategy.name;
    const inner = error instanceof Error ? error : new Error(String(error));
    const code = inner instanceof StrategyError ? inner.code : "STRATEGY_THREW";
    const when = Number.isNaN(timeMs) ? "before the first bar" : `on the ${s!.symbol} bar of ${formatTime(timeMs)}`;
    return new StrategyError(code, { strategy: name, callback: where, symbol: s?.symbol, timeMs, error: inner.message },
      `strategy "${name}" ${where} threw ${when}: ${inner.message}`, { cause: inner });
  }

  // ---- indicators -------------------------------------------------------------------------

  /** Binds an indicator to symbol k: the engine feeds it every bar before onBar. */
  bind<T extends Indicator>(k: number, ind: T, source: IndicatorSource): T {
    this.fed[k] = 1;
    if (ind.kind === "scalar") {
      this.scalarInds[k]!.push(ind);
      this.scalarSrc[k]!.push(this.column(k, source));
      this.scalarNames[k]!.push(source);
    } else {
      this.barInds[k]!.push(ind);
    }
    return ind;
  }

  /** Largest value of a source column, for overflow checks. */
  columnMax(k: number, source: IndicatorSource): number {
    const col = this.column(k, source);
    let m = columnMaxima.get(col);
    if (m === undefined) {
      m = 0;
      for (let i = 0; i < col.length; i++) if (col[i]! > m) m = col[i]!;
      columnMaxima.set(col, m);
    }
    return m;
  }

  private column(k: number, source: IndicatorSource): Float64Array {
    const s = this.series[k]!;
    if (source === "open" || source === "high" || source === "low" || source === "close" || source === "volume") return s[source];
    const key = `${k}:${source}`;
    let col = this.derived.get(key);
    if (!col) {
      col = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const h = s.high[i]!, l = s.low[i]!, c = s.close[i]!;
        col[i] = source === "hl2" ? (h + l) / 2 : source === "hlc3" ? (h + l + c) / 3 : (s.open[i]! + h + l + c) / 4;
      }
      this.derived.set(key, col);
    }
    return col;
  }

  // ---- orders -----------------------------------------------------------------------------

  symbolOf(symbol: string): number {
    const k = this.symbolIndex.get(symbol);
    if (k === undefined) {
      throw new StrategyError("UNKNOWN_SYMBOL", { symbol }, `there is no symbol "${symbol}" in this run; symbols: ${this.symbols.join(", ")}`);
    }
    return k;
  }

  /** The engine's clock: while a bar is matched its open time, while the strategy decides its close (NaN before the first bar). */
  now(): number {
    if (Number.isNaN(this.clockMs) && this.closingK >= 0) this.clockMs = this.exchange.closeTime(this.closingK, this.cursor[this.closingK]!);
    return this.clockMs;
  }

  /** Validates a request, runs the pre-trade risk check, and hands an accepted order to the venue. */
  submit(request: OrderRequest): Order {
    const k = this.symbolOf(request.symbol);
    const type = request.type ?? (request.trailAmount !== undefined || request.trailPercent !== undefined ? "trailing_stop"
      : request.limitPrice !== undefined ? (request.stopPrice !== undefined ? "stop_limit" : "limit") : request.stopPrice !== undefined ? "stop" : "market");
    checkOrderRequest(request, type);
    const t = this.now();
    // sized now, the order is a plain quantity order from here on (the venue gets a number)
    const sizeNow = request.target !== undefined && this.sizeAtDecision;
    const order: Order = {
      id: this.nextOrderId++, symbol: request.symbol, side: request.side, type,
      quantity: request.quantity ?? 0, target: sizeNow ? undefined : request.target,
      limitPrice: request.limitPrice, stopPrice: request.stopPrice,
      trailAmount: request.trailAmount, trailPercent: request.trailPercent,
      timeInForce: request.timeInForce ?? "GTC", reduceOnly: request.reduceOnly ?? false, tag: request.tag,
      takeProfit: request.takeProfit, stopLoss: request.stopLoss, parentId: undefined, ocoId: undefined,
      status: "new", filledQuantity: 0, averagePrice: 0, commission: 0, createdMs: t, updatedMs: t,
      triggered: false, reason: undefined,
    };
    this.orders.push(order);
    // an estimate for the risk checks (the size is fixed at the fill); unknown until the symbol has a price
    const delta = request.target ? this.targetDelta(request.target, k, this.portfolio.lastPrice[k]!, "taker") : 0;
    if (request.target) order.quantity = Math.abs(delta) || 0;
    if (this.listener) this.listener({ type: "order_request", timeMs: t, order: record(order) });
    if (sizeNow && !(Math.sign(delta) === sideSign(order.side))) {
      this.close(order, "canceled", "TARGET_REACHED", t);
      return order;
    }
    const denial = this.risk.checkOrder(this.riskOrder(order, k), this.view);
    if (denial) {
      this.reject(order, denial, "risk", t);
      return order;
    }
    if (this.listener) this.listener({ type: "order_accepted", timeMs: t, order: record(order) });
    this.exchange.add(order, k, this.cursor[k]!);
    return order;
  }

  cancel(order: Order): boolean {
    if (!isOpenStatus(order.status)) return false;
    const t = this.now();
    const denial = this.risk.checkCancel(this.view);
    if (denial) {
      this.rejections.push(rejection(order, denial, "risk", t));
      return false;
    }
    this.close(order, "canceled", "CANCELED", t);
    return true;
  }

  modify(order: Order, changes: OrderChanges): boolean {
    if (!isOpenStatus(order.status)) return false;
    const quantity = changes.quantity ?? order.quantity;
    if (!(quantity > order.filledQuantity) || !Number.isFinite(quantity)) {
      throw new StrategyError("BAD_ORDER", { orderId: order.id, quantity }, `order ${order.id}: a modified quantity must be finite and above the ${order.filledQuantity} already filled; got ${quantity}`);
    }
    for (const key of ["limitPrice", "stopPrice"] as const) {
      const v = changes[key];
      if (v !== undefined && (!(v > 0) || !Number.isFinite(v) || order[key] === undefined)) {
        throw new StrategyError("BAD_ORDER", { orderId: order.id, [key]: v }, `order ${order.id} (${order.type}): ${key} cannot be changed to ${v}`);
      }
    }
    const k = this.symbolOf(order.symbol);
    const probe = { ...this.riskOrder(order, k), quantity: quantity - order.filledQuantity, price: changes.limitPrice ?? changes.stopPrice ?? this.riskOrder(order, k).price };
    const denial = this.risk.checkOrder(probe, this.view);
    if (denial) {
      this.rejections.push(rejection(order, denial, "risk", this.now()));
      return false;
    }
    order.quantity = quantity;
    if (changes.limitPrice !== undefined) order.limitPrice = changes.limitPrice;
    if (changes.stopPrice !== undefined) order.stopPrice = changes.stopPrice;
    order.updatedMs = this.now();
    this.exchange.amended(order);
    return true;
  }

  private riskOrder(order: Order, k: number): RiskOrder {
    const last = this.portfolio.lastPrice[k]!;
    const price = order.type === "limit" || order.type === "stop_limit" ? order.limitPrice! : order.type === "stop" ? order.stopPrice! : last;
    return { symbol: order.symbol, side: order.side, type: order.type, quantity: order.quantity - order.filledQuantity, price, reduceOnly: order.reduceOnly };
  }

  private reject(order: Order, denial: RiskDenial, source: "risk" | "exchange", t: number): void {
    order.status = "rejected";
    order.reason = denial.code;
    order.updatedMs = t;
    const r = rejection(order, denial, source, t);
    this.rejections.push(r);
    if (this.listener) {
      this.listener({ type: "order_rejected", timeMs: t, rejection: r });
      this.listener({ type: "order_status", timeMs: t, orderId: order.id, status: "rejected", order: record(order) });
    }
  }

  /**
   * Signed units that take the position to the order's target at `price`. Percent targets size
   * on equity marked at that price and keep back the commission of the trade, so "100 %" is
   * affordable: floor(equity / (price × (1 + rate))) units for a percent commission.
   */
  private targetDelta(target: OrderTarget, k: number, price: number, liquidity: Liquidity): number {
    const pos = this.portfolio.quantity[k]!;
    if (target.kind === "quantity") return target.value - pos;
    if (target.value === 0) return -pos;
    const last = this.portfolio.lastPrice[k]!;
    const equity = this.portfolio.equity() + (pos !== 0 ? pos * (price - last) : 0);
    const units = floorToLot(this.commission.affordable(Math.abs(equity * target.value), price, liquidity), this.lotSize(this.symbols[k]!));
    return Math.sign(target.value) * units - pos;
  }

  // ---- ExecutionHost ----------------------------------------------------------------------

  execute(order: Order, k: number, attempt: FillAttempt): number {
    const { liquidity, timeMs } = attempt;
    const pf = this.portfolio;
    const pos = pf.quantity[k]!;
    const sign = sideSign(order.side);
    if (order.target && order.filledQuantity === 0) {
      // sized at the price it will trade at (slipped on the estimate: the size is not known yet)
      const delta = this.targetDelta(order.target, k, this.slipped(order, attempt, order.quantity), liquidity);
      if (delta === 0 || Math.sign(delta) !== sign) {
        this.close(order, "canceled", "TARGET_REACHED", timeMs);
        return 0;
      }
      order.quantity = Math.abs(delta);
    }
    let qty = order.quantity - order.filledQuantity;
    let clipped = false;
    if (order.reduceOnly) {
      if (pos === 0 || Math.sign(pos) === sign) {
        this.close(order, "canceled", "REDUCE_ONLY_NOTHING_TO_REDUCE", timeMs);
        return 0;
      }
      if (qty > Math.abs(pos)) { qty = Math.abs(pos); clipped = true; }
    }
    if (sign < 0 && pos > 0 && pf.settlement === "T+1") {
      // the venue holds back what was bought today, whatever the order (bracket legs included)
      const sellable = pf.sellable(k, timeMs);
      if (qty > sellable) qty = sellable;
      if (qty <= 0) return 0;
    }
    if (attempt.volumeCap < qty) qty = floorToLot(attempt.volumeCap, this.lotSize(order.symbol));
    if (qty <= 0) return 0;
    const price = this.slipped(order, attempt, qty);
    const first = order.filledQuantity === 0;
    const commission = this.commission.commission(qty, price, liquidity, first);
    const after = pos + sign * qty;
    if (Math.abs(after) > Math.abs(pos) || Math.sign(after) === -Math.sign(pos)) {
      // the venue's own margin check: gross exposure after the fill within leverage × equity
      const last = pf.lastPrice[k]!;
      const equity = pf.equity() + (pos !== 0 ? pos * (price - last) : 0) - commission;
      const gross = pf.grossExposure() - (pos !== 0 ? Math.abs(pos * last) : 0) + Math.abs(after * price);
      if (gross > pf.leverage * equity * (1 + 1e-12)) {
        this.reject(order, deny("INSUFFICIENT_BUYING_POWER", { gross, equity, leverage: pf.leverage }), "exchange", timeMs);
        return 0;
      }
    }
    this.book(order, k, qty, price, commission, liquidity, timeMs, clipped);
    return qty;
  }

  /**
   * Books a fill made by a live venue: the exchange has sized, priced and charged it, so only
   * the engine's own bookkeeping runs (portfolio, order state, events, bracket legs, onFill).
   * Applied even to an order the engine had already canceled: what the exchange did is the truth.
   * Throws a StrategyError when the strategy's onFill throws, like bar().
   */
  applyVenueFill(order: Order, fill: { readonly quantity: number; readonly price: number; readonly commission: number; readonly liquidity: Liquidity; readonly timeMs: number }): void {
    if (!(fill.quantity > 0) || !(fill.price > 0) || !Number.isFinite(fill.commission)) {
      throw new InputError("BAD_FILL", { orderId: order.id, ...fill }, `order ${order.id}: a fill needs a positive quantity and price and a finite commission`);
    }
    const k = this.symbolOf(order.symbol);
    const closed = !isOpenStatus(order.status);
    if (order.filledQuantity + fill.quantity > order.quantity) order.quantity = order.filledQuantity + fill.quantity;
    this.book(order, k, fill.quantity, fill.price, fill.commission, fill.liquidity, fill.timeMs);
    // a cancel that crossed a fill: the rest stays canceled
    if (closed && order.status === "partially_filled") order.status = "canceled";
    if (!isOpenStatus(order.status)) this.exchange.remove(order);
  }

  /** The bookkeeping of a fill, simulated or real. */
  private book(order: Order, k: number, qty: number, price: number, commission: number, liquidity: Liquidity, timeMs: number, clipped = false): void {
    const pf = this.portfolio;
    const change = pf.applyFill(k, sideSign(order.side) * qty, price, commission, timeMs, this.step);
    order.averagePrice = (order.averagePrice * order.filledQuantity + price * qty) / (order.filledQuantity + qty);
    order.filledQuantity += qty;
    order.commission += commission;
    order.updatedMs = timeMs;
    order.status = order.filledQuantity >= order.quantity ? "filled" : "partially_filled";
    const fill: Fill = { timeMs, orderId: order.id, symbol: order.symbol, side: order.side, quantity: qty, price, commission, liquidity };
    this.fills.push(fill);
    if (this.listener) {
      this.listener({ type: "fill", timeMs, fill });
      this.listener({ type: "order_status", timeMs, orderId: order.id, status: order.status, order: record(order) });
      this.listener({ type: "position", timeMs, symbol: order.symbol, ...change });
    }
    // reduce-only: what was clipped off can never be filled without opening a position
    if (clipped && isOpenStatus(order.status)) this.close(order, "canceled", "REDUCE_ONLY_REMAINDER", timeMs);
    if (order.takeProfit !== undefined || order.stopLoss !== undefined) this.attachBracket(order, k, qty, timeMs);
    if (order.ocoId !== undefined) this.reduceSibling(order, qty, timeMs);
    if (this.strategy.onFill) {
      const { k: ck, i: ci } = this.ctx;
      this.ctx.k = k;
      this.ctx.i = this.cursor[k]!;
      this.call("onFill", () => this.strategy.onFill!(this.ctx, this.states[k], fill));
      this.ctx.k = ck;
      this.ctx.i = ci;
    }
  }

  /** The fill price for `quantity`: slipped against the trader for takers, never past a stop-limit's limit. */
  private slipped(order: Order, fill: FillAttempt, quantity: number): number {
    if (!fill.slip) return fill.price;
    const p = this.slippage.apply(fill.price, order.side, quantity, fill.barVolume);
    if (fill.limit === undefined) return p;
    return order.side === "buy" ? Math.min(p, fill.limit) : Math.max(p, fill.limit);
  }

  close(order: Order, status: OrderStatus, reason: string, timeMs: number): void {
    order.status = status;
    order.reason = reason;
    order.updatedMs = timeMs;
    this.exchange.remove(order);
    if (this.listener) this.listener({ type: "order_status", timeMs, orderId: order.id, status, order: record(order) });
  }

  /** Bracket legs: a stop-loss and a take-profit for the filled part of the entry, one cancelling the other. */
  private attachBracket(entry: Order, k: number, qty: number, timeMs: number): void {
    const legs = this.legs.get(entry.id);
    if (legs) {
      for (const leg of legs) if (isOpenStatus(leg.status)) leg.quantity += qty;
      return;
    }
    const exitSide: OrderSide = entry.side === "buy" ? "sell" : "buy";
    const made: Order[] = [];
    const leg = (type: "stop" | "limit", price: number, tag: string): void => {
      const o: Order = {
        id: this.nextOrderId++, symbol: entry.symbol, side: exitSide, type, quantity: qty, target: undefined,
        limitPrice: type === "limit" ? price : undefined, stopPrice: type === "stop" ? price : undefined,
        trailAmount: undefined, trailPercent: undefined, timeInForce: "GTC", reduceOnly: true, tag,
        takeProfit: undefined, stopLoss: undefined, parentId: entry.id, ocoId: undefined,
        status: "new", filledQuantity: 0, averagePrice: 0, commission: 0, createdMs: timeMs, updatedMs: timeMs,
        triggered: false, reason: undefined,
      };
      this.orders.push(o);
      made.push(o);
    };
    // the stop-loss is created first so that it is matched first when one bar reaches both legs
    if (entry.stopLoss !== undefined) leg("stop", entry.stopLoss, "stop-loss");
    if (entry.takeProfit !== undefined) leg("limit", entry.takeProfit, "take-profit");
    this.legs.set(entry.id, made);
    if (made.length === 2) {
      made[0]!.ocoId = made[1]!.id;
      made[1]!.ocoId = made[0]!.id;
    }
    for (const o of made) {
      if (this.listener) this.listener({ type: "order_accepted", timeMs, order: record(o) });
      this.exchange.add(o, k, this.cursor[k]!);
    }
  }

  private reduceSibling(order: Order, qty: number, timeMs: number): void {
    const sibling = this.order(order.ocoId!);
    if (!sibling || !isOpenStatus(sibling.status)) return;
    // the sibling keeps covering only what is still open; once nothing is, it goes (its size kept on record)
    const rest = sibling.quantity - qty;
    if (order.status === "filled" || rest <= sibling.filledQuantity) this.close(sibling, "canceled", "OCO_SIBLING_FILLED", timeMs);
    else sibling.quantity = rest;
  }

  // ---- for the strategy context -----------------------------------------------------------

  /** The order with this id, if any. */
  order(id: number): Order | undefined {
    return Number.isInteger(id) ? this.orders[id - 1] : undefined;
  }

  /** Unfilled units of the open orders of a symbol on one side. */
  openQuantity(symbol: string, side: OrderSide): number {
    let q = 0;
    for (const o of this.exchange.openOrders(this.symbolOf(symbol))) if (o.side === side) q += o.quantity - o.filledQuantity;
    return q;
  }

  openOrders(symbol?: string): readonly Order[] {
    if (symbol !== undefined) return this.exchange.openOrders(this.symbolOf(symbol)).slice();
    return this.series.flatMap((_, k) => this.exchange.openOrders(k));
  }

  log(level: "info" | "warn", message: string): void {
    if (this.logs.length >= this.maxLogs) return;
    const k = this.ctx.k;
    this.logs.push({ timeMs: this.now(), symbol: this.symbols[k] ?? "", level, message: String(message) });
  }
}

// columns never change once in a BarSeries: one scan serves every run on them (sweeps)
const columnMaxima = new WeakMap<Float64Array, number>();

/** A series' bar length: its timeframe, else the median spacing of its first bars (0 for a single bar). */
function barLength(s: BarSeries): number {
  return timeframeMs(s.timeframe) ?? (medianSpacingMs(s.time, 1001) || 0);
}

/** Rounds down to a whole number of lots (exact for whole lots, no 0.30000000000000004). */
export function floorToLot(quantity: number, lot: number): number {
  if (lot === 1) return Math.floor(quantity);
  const n = Math.floor(quantity / lot + 1e-9);
  return Number((n * lot).toPrecision(15));
}


function rejection(order: Order, denial: RiskDenial, source: "risk" | "exchange", t: number): Rejection {
  return { timeMs: t, orderId: order.id, symbol: order.symbol, side: order.side, quantity: order.quantity - order.filledQuantity,
    code: denial.code, message: denial.message, context: denial.context, source };
}

/** A snapshot of an order for the records and events (read-only by type; not frozen: it is made per order). */
export function record(o: Order): OrderRecord {
  return ({
    id: o.id, symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity, limitPrice: o.limitPrice, stopPrice: o.stopPrice,
    trailAmount: o.trailAmount, trailPercent: o.trailPercent, takeProfit: o.takeProfit, stopLoss: o.stopLoss,
    timeInForce: o.timeInForce, reduceOnly: o.reduceOnly, parentId: o.parentId, status: o.status, filledQuantity: o.filledQuantity,
    averagePrice: o.averagePrice, commission: o.commission, createdMs: o.createdMs, updatedMs: o.updatedMs, reason: o.reason, tag: o.tag,
  });
}

class EngineRiskView implements RiskView {
  constructor(private readonly engine: Engine) {}
  get timeMs(): number { return this.engine.now(); }
  get cash(): number { return this.engine.portfolio.cash; }
  get equity(): number { return this.engine.portfolio.equity(); }
  get leverage(): number { return this.engine.portfolio.leverage; }
  position(symbol: string): number { return this.engine.portfolio.quantity[this.engine.symbolOf(symbol)]!; }
  lastPrice(symbol: string): number { return this.engine.portfolio.lastPrice[this.engine.symbolOf(symbol)]!; }
  lastBarTimeMs(symbol: string): number {
    const k = this.engine.symbolOf(symbol);
    const i = this.engine.cursor[k]!;
    return i >= 0 ? this.engine.series[k]!.time[i]! : NaN;
  }
  grossExposure(): number { return this.engine.portfolio.grossExposure(); }
  sellable(symbol: string): number { return this.engine.portfolio.sellable(this.engine.symbolOf(symbol), this.engine.now()); }
  openQuantity(symbol: string, side: OrderSide): number { return this.engine.openQuantity(symbol, side); }
}
