/**
 * The trader: one account, one strategy, the backtest's engine. It reconciles with the exchange
 * before the strategy sees a bar, feeds closed bars to the engine, sends the engine's orders
 * through the OrderGateway (live) or fills them with the engine's own fill model (paper),
 * books the exchange's fills once each, and persists everything in the account's store.
 * Everything that touches the engine runs one at a time (`serial`), so a fill, a bar and a
 * control action never interleave.
 */
import { createHash } from "node:crypto";
import ccxt, { type Order as CcxtOrder, type Trade } from "ccxt";
import { InputError, StrategyError } from "../../errors.js";
import type { EngineEvent } from "../../events.js";
import { LiveEngine } from "../../live/liveEngine.js";
import type { LiveBar } from "../../live/liveSeries.js";
import { compareHoldings, positionsFromFills, type Mismatch, type PositionRecord } from "../../live/reconcile.js";
import { barSeries } from "../../bars.js";
import { isOpenStatus, type Order, type OrderRequest } from "../../orders.js";
import { riskRules } from "../../risk/riskConfig.js";
import type { AnyStrategy } from "../../strategy/defineStrategy.js";
import { resolveParams } from "../../strategy/params.js";
import { timeframeMs } from "../../time.js";
import type { AccountConfig } from "./accountConfig.js";
import { errorClass } from "../ccxtErrors.js";
import { decimalsOf, type ProExchange } from "./exchangeClient.js";
import type { Logger } from "./logger.js";
import { MarketFeed, type FeedHealth } from "./marketFeed.js";
import type { AccountStore, FillRecord, StoredOrder } from "./accountStore.js";
import { OrderGateway } from "./orderGateway.js";

export type TraderState = "starting" | "reconciling" | "paused" | "running" | "halted" | "stopped";

export interface ReconcileReport {
  readonly ok: boolean;
  /** Journaled orders found at the exchange by client id, and what they turned out to be. */
  readonly recovered: readonly { clientOrderId: string; status: string }[];
  /** Our orders left open at the exchange by the last run, canceled (strategy orders do not outlive their run). */
  readonly canceled: readonly string[];
  /** Open orders at the exchange that are not ours (left alone). */
  readonly foreign: readonly string[];
  /** Fills found at the exchange that the store did not have. */
  readonly newFills: number;
  readonly positions: readonly PositionRecord[];
  readonly mismatches: readonly Mismatch[];
  readonly cash: number;
}

export interface TraderOptions {
  readonly config: AccountConfig;
  readonly strategy: AnyStrategy;
  readonly exchange: ProExchange;
  readonly store: AccountStore;
  readonly log: Logger;
  /** Bars of history that warm the indicators before trading. Default 500. */
  readonly warmupBars?: number;
  /** Client id prefix; default a hash of account and strategy name (the same across a bundle's versions). */
  readonly clientIdPrefix?: string;
  /** The id of the promoted bundle `strategy` comes from (bundleLoader.ts), shown in the status. */
  readonly bundle?: string;
  readonly now?: () => number;
}

export interface TraderStatus {
  readonly account: string;
  readonly mode: "paper" | "live";
  readonly state: TraderState;
  readonly risk: string;
  readonly killed: boolean;
  readonly strategy: string;
  /** The promoted bundle's id, when the strategy is one. */
  readonly bundle?: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly equity: number;
  readonly cash: number;
  readonly positions: readonly { symbol: string; quantity: number; averagePrice: number; lastPrice: number; unrealizedPnl: number; realizedPnl: number }[];
  readonly openOrders: number;
  readonly feed: readonly FeedHealth[];
  readonly lastBarMs: number;
  readonly report?: ReconcileReport;
}

/**
 * How the current run started and what changed its decisions since: what a replay of it needs
 * (the live-versus-backtest report, engine/live/driftReport.ts), which only the trader knows.
 */
export interface TraderRun {
  readonly symbols: readonly string[];
  readonly timeframe: string;
  /** Open time of the first bar the strategy decided on in this run (NaN before it); the recorded bars before it warmed it up. */
  firstBarMs: number;
  readonly warmupBars: number;
  /** The book the engine started from (after reconciliation). */
  readonly cash: number;
  readonly positions: readonly { symbol: string; quantity: number; averagePrice: number }[];
  readonly params: Readonly<Record<string, unknown>>;
  /** Hot updates, each applied after the bar that opened at `afterBarMs` (so from the next one). */
  readonly paramChanges: { afterBarMs: number; params: Readonly<Record<string, unknown>> }[];
  readonly priceDecimals: Readonly<Record<string, number>>;
  readonly lotSize: Readonly<Record<string, number>>;
  /** The commission rate the engine was given (paper: the fee charged; live: what sizing keeps back). */
  readonly commission: number;
  readonly risk: AccountConfig["risk"];
}

/** Counters for the metrics endpoint. */
export interface TraderCounters {
  ordersSent: number;
  ordersRejected: number;
  fills: number;
  riskRejections: number;
  bars: number;
  /** Order round trips (send → exchange answer), ms. */
  readonly latencies: number[];
}

const FINAL = new Set(["filled", "canceled", "rejected", "expired", "never_placed"]);

export class Trader {
  readonly config: AccountConfig;
  private readonly options: TraderOptions;
  private readonly log: Logger;
  private readonly store: AccountStore;
  private readonly now: () => number;
  private readonly prefix: string;
  private live: LiveEngine | undefined;
  private gateway: OrderGateway | undefined;
  private feed: MarketFeed | undefined;
  private stateValue: TraderState = "starting";
  private report: ReconcileReport | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly byClient = new Map<string, Order>();
  private readonly clientOf = new Map<number, string>();
  /** Client ids chosen by whoever asked (order-drop lines), by engine order id. */
  private readonly requested = new Map<number, string>();
  private readonly byExchangeId = new Map<string, string>();
  /** Trades that arrived before their order's exchange id was known. */
  private readonly early = new Map<string, Trade[]>();
  private events: EngineEvent[] = [];
  private watching = false;
  /** Set by a fill-stream reconnect: the next bar looks for missed fills once more. */
  private resyncFills = false;
  private lastBar = Number.NaN;
  private run: TraderRun | undefined;
  readonly counters: TraderCounters = { ordersSent: 0, ordersRejected: 0, fills: 0, riskRejections: 0, bars: 0, latencies: [] };
  /** Called after every change worth pushing to a monitor. */
  onChange: ((status: TraderStatus) => void) | undefined;

  constructor(options: TraderOptions) {
    this.options = options;
    this.config = options.config;
    this.log = options.log;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.prefix = options.clientIdPrefix ?? `qw${createHash("sha256").update(`${options.config.name}/${options.strategy.name}`).digest("hex").slice(0, 8)}`;
  }

  get state(): TraderState {
    return this.stateValue;
  }

  /**
   * Reconciles, builds the engine from the reconciled book, warms it on history and starts the
   * feed. When the exchange and the store cannot be made to agree, stays paused with the report
   * (the feed is not started, nothing is sent).
   */
  async start(): Promise<ReconcileReport> {
    const { config, exchange } = { config: this.config, exchange: this.options.exchange };
    const used = (await this.store.orders()).map((o) => o.clientOrderId.startsWith(`${this.prefix}-`) ? Number(o.clientOrderId.slice(this.prefix.length + 1)) : 0);
    const first = Math.max(0, ...used.filter(Number.isFinite)) + 1;
    this.gateway = new OrderGateway({
      exchange, journal: this.store, prefix: this.prefix, firstSequence: first,
      ordersPerSecond: config.throttle.ordersPerSecond, cancelsPerSecond: config.throttle.cancelsPerSecond,
      debounceMs: config.throttle.debounceMs, now: this.now,
    });
    this.setState("reconciling");
    const report = await this.reconcile();
    this.report = report;
    await this.audit("trader", "reconciled", { ...report, positions: report.positions.length, recovered: report.recovered.length });
    if (!report.ok) {
      this.setState("paused");
      this.log.error("reconciliation failed: staying paused", { mismatches: report.mismatches });
      return report;
    }
    this.live = this.buildEngine(report);
    const paused = (await this.store.state("paused")) as { actor: string } | null | undefined;
    if (paused) this.live.risk.setState("HALTED", `paused by ${paused.actor} (before this start)`, this.now());
    await this.warmUp();
    this.setState("running");
    this.startFeed();
    if (config.mode === "live") void this.watchFills();
    return report;
  }

  /** Resolves when everything queued so far (bars, fills, control actions) has been handled. */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Stops the feed and the fill watcher; open orders stay where they are. */
  async stop(): Promise<void> {
    this.setState("stopped");
    this.watching = false;
    await this.feed?.stop().catch((e: unknown) => this.log.error("feed stopped with an error", { error: String(e) }));
    await this.chain.catch(() => {});
  }

  // ---- reconciliation ---------------------------------------------------------------------

  /** Idempotent: running it twice leaves the store as running it once. */
  async reconcile(): Promise<ReconcileReport> {
    const { config, store } = this;
    const exchange = this.options.exchange;
    const gateway = this.gateway!;
    const recovered: { clientOrderId: string; status: string }[] = [];
    const canceled: string[] = [];
    const foreign: string[] = [];
    let newFills = 0;
    if (config.mode === "live") {
      const barMs = timeframeMs(config.markets.timeframe)!;
      for (const order of await store.orders({ open: true })) {
        // an intent is sent again only when it is provably not at the exchange and still for the current bar
        const fresh = this.now() - order.createdMs < barMs;
        const out = await gateway.recover(order, fresh && order.status === "pending_submit");
        recovered.push({ clientOrderId: order.clientOrderId, status: out.order.status });
        if (out.exchangeOrder) newFills += await this.takeTrades(out.exchangeOrder, order.clientOrderId, false);
      }
      for (const symbol of config.markets.symbols) {
        for (const o of await exchange.fetchOpenOrders(symbol)) {
          if (!o.clientOrderId?.startsWith(`${this.prefix}-`)) {
            foreign.push(`${symbol} ${o.id}`);
            continue;
          }
          let known = await store.order(o.clientOrderId);
          if (!known) {
            // ours by its prefix, yet not in the journal (a journal restored from an older copy): taken in, then canceled
            await store.recordIntent({ clientOrderId: o.clientOrderId, symbol, side: o.side as "buy" | "sell", type: o.type === "limit" ? "limit" : "market",
              quantity: o.amount ?? 0, limitPrice: o.price, source: "found-at-exchange", createdMs: o.timestamp ?? this.now() });
            known = (await store.order(o.clientOrderId))!;
          }
          const out = await gateway.cancel({ ...known, exchangeOrderId: o.id });
          canceled.push(o.clientOrderId);
          await this.audit("trader", "canceled_on_start", { clientId: o.clientOrderId, status: out.order.status });
        }
        // Our orders' trades that the store lacks (filled while we were down, or answered just before a crash), asked for
        // by order id: a time window would depend on whose clock, and Binance spot answers at most 24 h after a startTime.
        const stored = new Map<string, number>();
        for (const f of await store.fills()) if (f.clientOrderId) stored.set(f.clientOrderId, (stored.get(f.clientOrderId) ?? 0) + f.quantity);
        for (const o of await store.orders({ symbol })) {
          if (!o.exchangeOrderId) continue;
          this.byExchangeId.set(o.exchangeOrderId, o.clientOrderId);
          if (o.filledQuantity <= (stored.get(o.clientOrderId) ?? 0) + 1e-12) continue;
          for (const t of await exchange.fetchOrderTrades(o.exchangeOrderId, symbol)) newFills += await this.takeTrade(t, false, o.clientOrderId);
        }
      }
    }
    const balances = config.mode === "live" ? await exchange.fetchBalance() : undefined;
    let baseline = (await store.state("baseline")) as { positions: PositionRecord[]; cash: number } | undefined;
    const fills = await store.fills();
    if (!baseline) {
      // first start: what the account holds now is where the strategy starts from
      const positions = config.mode === "live"
        ? config.markets.symbols.map((symbol) => ({ symbol, quantity: holdingOf(balances!, exchange.markets![symbol]!.base) - sumFills(fills, symbol), averagePrice: 0 }))
          .filter((p) => p.quantity !== 0)
        : [];
      const cash = config.mode === "live" ? holdingOf(balances!, exchange.markets![config.markets.symbols[0]!]!.quote) : config.paper.cash;
      baseline = { positions, cash };
      await store.setState("baseline", baseline, this.now());
    }
    const expected = positionsFromFills(baseline.positions, fills);
    const quote = exchange.markets![config.markets.symbols[0]!]!.quote;
    const cash = config.mode === "live"
      ? holdingOf(balances!, quote)
      : baseline.cash - fills.reduce((s, f) => s + (f.side === "buy" ? f.quantity * f.price : -f.quantity * f.price) + f.fee, 0);
    const mismatches = config.mode === "live"
      ? compareHoldings(expected, Object.fromEntries(config.markets.symbols.map((s) => [s, holdingOf(balances!, exchange.markets![s]!.base)])), (s) => exchange.markets![s]!.precision.amount ?? 1e-8)
      : [];
    return { ok: mismatches.length === 0 && !recovered.some((r) => r.status === "unknown"), recovered, canceled, foreign, newFills, positions: [...expected.values()], mismatches, cash };
  }

  private buildEngine(report: ReconcileReport): LiveEngine {
    const { config } = this;
    const markets = this.options.exchange.markets!;
    const priceDecimals = Object.fromEntries(config.markets.symbols.map((s) => [s, decimalsOf(markets[s]!.precision.price) ?? 8]));
    const lotSize = Object.fromEntries(config.markets.symbols.map((s) => [s, markets[s]!.precision.amount ?? 1e-8]));
    // paper: the fee charged; live: what sizing keeps back for the fee (the exchange reports the real one)
    const commission = markets[config.markets.symbols[0]!]!.taker ?? 0.001;
    const live = new LiveEngine({
      strategy: this.options.strategy, params: config.strategy.params, symbols: config.markets.symbols, timeframe: config.markets.timeframe,
      mode: config.mode, cash: Math.max(report.cash, 1e-9), risk: riskRules(config.risk), priceDecimals, lotSize, commission,
      onEvent: (e) => void this.events.push(e),
    });
    this.run = { symbols: config.markets.symbols, timeframe: config.markets.timeframe, firstBarMs: Number.NaN, warmupBars: this.options.warmupBars ?? 500, cash: report.cash,
      positions: report.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, averagePrice: p.averagePrice })),
      params: live.params, paramChanges: [], priceDecimals, lotSize, commission, risk: config.risk };
    live.portfolio.cash = report.cash;
    for (const p of report.positions) {
      const k = live.engine.symbolOf(p.symbol);
      live.portfolio.restore(k, p.quantity, p.averagePrice || 1, this.now());
    }
    return live;
  }

  /** History before trading: the stored bars, then the exchange's closed bars after them. */
  private async warmUp(): Promise<void> {
    const { config } = this;
    const live = this.live!;
    const n = this.options.warmupBars ?? 500;
    if (n === 0) return;
    const barMs = timeframeMs(config.markets.timeframe)!;
    // the exchange's clock, not ours: "the last n bars" are the exchange's
    const serverNow = await this.options.exchange.fetchTime() ?? this.now();
    for (const symbol of config.markets.symbols) {
      const recorded = await this.store.recordedBars(symbol, config.markets.timeframe, { last: n });
      const stored = Array.from({ length: recorded.length }, (_, i) => ({ time: recorded.time[i]!, open: recorded.open[i]!, high: recorded.high[i]!,
        low: recorded.low[i]!, close: recorded.close[i]!, volume: recorded.volume[i]! }));
      const since = stored.length > 0 ? stored.at(-1)!.time + barMs : serverNow - (n + 1) * barMs;
      const fetched = (await this.options.exchange.fetchOHLCV(symbol, config.markets.timeframe, since, n))
        .map((c) => ({ time: Number(c[0]), open: Number(c[1]), high: Number(c[2]), low: Number(c[3]), close: Number(c[4]), volume: Number(c[5] ?? 0) }));
      // the newest kline may still be forming: it is delivered by the feed once it closes
      const closed = fetched.slice(0, -1);
      await this.recordBars(symbol, closed);
      live.warm(symbol, [...stored, ...closed].slice(-n));
    }
  }

  private startFeed(): void {
    const { config } = this;
    const live = this.live!;
    const after = Object.fromEntries(config.markets.symbols.map((s) => [s, live.lastTime(s)]).filter(([, t]) => Number.isFinite(t)));
    this.feed = new MarketFeed({
      exchange: this.options.exchange, symbols: config.markets.symbols, timeframe: config.markets.timeframe, after,
      staleMs: config.staleFeedMs, now: this.now,
      onBars: (t, bars) => this.serial(() => this.handleBars(t, bars)).catch(async (e: unknown) => {
        // a bug, not a strategy error (those halt inside handleBars): stop trading, say why, keep the process up
        this.log.error("handling a bar failed; halting", { timeMs: t, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        await this.kill("trader", `handling the bar of ${new Date(t).toISOString()} failed: ${e instanceof Error ? e.message : String(e)}`);
      }),
      onHealth: (h) => void this.serial(() => this.feedHealth(h)),
    });
    this.feed.start();
  }

  private async feedHealth(h: FeedHealth): Promise<void> {
    const risk = this.live?.risk;
    if (!risk) return;
    const stale = this.feed!.health().filter((x) => x.status === "stale" || x.status === "reconnecting").map((x) => x.symbol);
    risk.setCondition("STALE_FEED", stale.length > 0 ? "REDUCING" : null, `feed not current: ${stale.join(", ")}`, this.now());
    await this.audit("feed", h.status, { symbol: h.symbol, lastError: h.lastError });
    (h.status === "ok" ? this.log.info : this.log.warn)(`feed ${h.symbol}: ${h.status}`, { reconnects: h.reconnects, lastError: h.lastError });
    this.changed();
  }

  // ---- bars, orders, fills -----------------------------------------------------------------

  private async handleBars(timeMs: number, bars: Record<string, LiveBar>): Promise<void> {
    const live = this.live!;
    for (const [symbol, bar] of Object.entries(bars)) await this.store.recordBar({ symbol, timeframe: this.config.markets.timeframe, ...bar });
    this.counters.bars++;
    // lastBarMs says "handled": decided, and its orders sent (a monitor or a test may wait on it)
    try {
      if (this.stateValue === "stopped") return;
      if (this.resyncFills) {
        this.resyncFills = false;
        await this.catchUpFills().catch((e: unknown) => {
          this.resyncFills = true;
          this.log.warn("looking for missed fills failed; trying again at the next bar", { error: `${errorClass(e)}: ${(e as Error).message}` });
        });
      }
      if (this.run && Number.isNaN(this.run.firstBarMs)) this.run.firstBarMs = timeMs;
      try {
        live.onBars(timeMs, bars);
      } catch (e) {
        await this.afterEngine();
        if (e instanceof StrategyError) {
          await this.kill("trader", `strategy failed: ${e.message}`);
          return;
        }
        throw e;
      }
      await this.afterEngine();
    } finally {
      this.lastBar = timeMs;
    }
    this.changed();
  }

  /** Persists what the engine did (paper) and sends what it asked for (live). */
  private async afterEngine(): Promise<void> {
    const live = this.live!;
    const events = this.events;
    this.events = [];
    for (const e of events) {
      if (e.type === "order_rejected") {
        this.counters.riskRejections++;
        await this.audit("risk", "order_rejected", { ...e.rejection });
      }
      if (this.config.mode !== "paper") continue;
      if (e.type === "order_accepted") {
        const o = e.order;
        const clientId = this.clientId(o.id);
        await this.store.recordIntent({ clientOrderId: clientId, symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity, limitPrice: o.limitPrice,
          stopPrice: o.stopPrice, timeInForce: o.timeInForce, reduceOnly: o.reduceOnly, source: "strategy", strategy: this.options.strategy.name,
          engineId: o.id, tag: o.tag, createdMs: o.createdMs });
        await this.store.updateOrder(clientId, { timeMs: e.timeMs, event: "accepted", status: "new" });
      } else if (e.type === "order_status") {
        const o = e.order;
        // refused before it was accepted (by the risk manager): audited above, never journaled, as in live mode
        if (!this.clientOf.has(o.id)) continue;
        await this.store.updateOrder(this.clientId(o.id), { timeMs: e.timeMs, event: o.status, status: o.status, quantity: o.quantity, filledQuantity: o.filledQuantity,
          ...(o.filledQuantity > 0 ? { averagePrice: o.averagePrice } : {}), ...(o.reason ? { reason: o.reason } : {}) });
      } else if (e.type === "fill") {
        const f = e.fill;
        this.counters.fills++;
        await this.store.recordFill({ tradeId: `paper-${f.orderId}-${f.timeMs}-${f.quantity}`, clientOrderId: this.clientId(f.orderId), symbol: f.symbol, side: f.side,
          quantity: f.quantity, price: f.price, fee: f.commission, timeMs: f.timeMs, liquidity: f.liquidity });
      }
    }
    if (this.config.mode !== "live") return;
    for (const intent of live.venue!.drain()) {
      if (intent.kind === "submit") await this.send(intent.order);
      else if (intent.kind === "cancel") {
        const clientId = this.clientOf.get(intent.order.id);
        const journal = clientId ? await this.store.order(clientId) : undefined;
        if (journal && !FINAL.has(journal.status)) await this.gateway!.cancel(journal);
      } else {
        this.log.warn("amending a live order is not supported: it is canceled instead", { orderId: intent.order.id });
        live.venue!.closedByExchange(intent.order, () => live.engine.close(intent.order, "canceled", "AMEND_UNSUPPORTED_LIVE", this.now()));
        const clientId = this.clientOf.get(intent.order.id);
        const journal = clientId ? await this.store.order(clientId) : undefined;
        if (journal) await this.gateway!.cancel(journal);
      }
    }
  }

  private clientId(engineId: number): string {
    let id = this.clientOf.get(engineId);
    if (!id) {
      id = this.requested.get(engineId) ?? this.gateway!.takeClientId();
      this.clientOf.set(engineId, id);
    }
    return id;
  }

  private async send(order: Order): Promise<void> {
    const live = this.live!;
    if (order.type !== "market" && order.type !== "limit") {
      live.venue!.closedByExchange(order, () => live.engine.close(order, "rejected", `UNSUPPORTED_LIVE_ORDER_TYPE: ${order.type}`, this.now()));
      return;
    }
    const clientId = this.clientId(order.id);
    this.byClient.set(clientId, order);
    this.clientOf.set(order.id, clientId);
    const started = this.now();
    this.counters.ordersSent++;
    const out = await this.gateway!.submit({ symbol: order.symbol, side: order.side, type: order.type, quantity: order.quantity,
      ...(order.limitPrice !== undefined ? { limitPrice: order.limitPrice } : {}), source: order.tag ?? "strategy", strategy: this.options.strategy.name,
      engineId: order.id, clientOrderId: clientId });
    this.counters.latencies.push(this.now() - started);
    if (this.counters.latencies.length > 1000) this.counters.latencies.splice(0, 500);
    if (out.order.status === "rejected" || out.order.status === "never_placed") {
      this.counters.ordersRejected++;
      live.venue!.closedByExchange(order, () => live.engine.close(order, "rejected", out.order.reason ?? "EXCHANGE_REJECTED", this.now()));
      return;
    }
    if (out.exchangeOrder) await this.takeOrder(out.exchangeOrder, clientId);
  }

  /** An order as the exchange reports it: its id, its trades, its end. */
  private async takeOrder(x: CcxtOrder, clientId: string): Promise<void> {
    if (x.id) this.byExchangeId.set(x.id, clientId);
    await this.takeTrades(x, clientId, true);
    const waiting = x.id ? this.early.get(x.id) : undefined;
    if (waiting) {
      this.early.delete(x.id!);
      await this.takeTrades({ ...x, trades: waiting }, clientId, true);
    }
    const order = this.byClient.get(clientId);
    if (order && isOpenStatus(order.status) && (x.status === "canceled" || x.status === "expired" || x.status === "rejected")) {
      const live = this.live!;
      live.venue!.closedByExchange(order, () => live.engine.close(order, x.status === "rejected" ? "rejected" : x.status === "expired" ? "expired" : "canceled", `exchange: ${x.status}`, this.now()));
    }
  }

  /** An order's own trades (as in a createOrder answer), which ccxt leaves without side, order id or time. */
  private async takeTrades(x: CcxtOrder, clientId: string, book: boolean): Promise<number> {
    let n = 0;
    for (const t of x.trades ?? []) {
      n += await this.takeTrade({ ...t, order: t.order ?? x.id, side: t.side ?? x.side, symbol: t.symbol ?? x.symbol,
        timestamp: t.timestamp ?? x.lastTradeTimestamp ?? x.timestamp }, book, clientId);
    }
    return n;
  }

  /** Stores a trade once (by trade id) and books it into the engine. Returns 1 when it was new. */
  private async takeTrade(t: Trade, book: boolean, knownClientId?: string): Promise<number> {
    const clientId = knownClientId ?? (t.order ? this.byExchangeId.get(t.order) : undefined) ?? (t.info as { c?: string; clientOrderId?: string } | undefined)?.c;
    if (!clientId) {
      if (t.order) this.early.set(t.order, [...(this.early.get(t.order) ?? []), t]);
      return 0;
    }
    if (t.side !== "buy" && t.side !== "sell") throw new Error(`trade ${t.id} of ${clientId} has no side`);
    const fill: FillRecord = {
      tradeId: String(t.id), clientOrderId: clientId, exchangeOrderId: t.order, symbol: t.symbol!, side: t.side as "buy" | "sell", quantity: t.amount!, price: t.price!,
      fee: t.fee?.cost ?? 0, feeCurrency: t.fee?.currency, timeMs: t.timestamp ?? this.now(), liquidity: t.takerOrMaker === "maker" ? "maker" : "taker",
    };
    if (!(await this.store.recordFill(fill))) return 0;
    this.counters.fills++;
    const order = this.byClient.get(clientId);
    if (book && order && this.live) {
      try {
        this.live.engine.applyVenueFill(order, { quantity: fill.quantity, price: fill.price, commission: fill.fee, liquidity: fill.liquidity ?? "taker", timeMs: fill.timeMs });
      } catch (e) {
        if (e instanceof StrategyError) await this.kill("trader", `strategy failed: ${e.message}`);
        else throw e;
      }
      // a resting order's later fills come only from the stream: the journal follows them (an answer's own fills were adopted with it)
      const row = await this.store.order(clientId);
      if (row && !FINAL.has(row.status) && order.filledQuantity > 0) {
        await this.store.updateOrder(clientId, { timeMs: fill.timeMs, event: "fill_booked", status: order.status === "filled" ? "filled" : "partially_filled",
          filledQuantity: order.filledQuantity, averagePrice: order.averagePrice });
      }
      await this.afterEngine();
      this.changed();
    }
    return 1;
  }

  /** The user-data stream's trades, with a REST catch-up after every reconnect so none is missed. */
  private async watchFills(): Promise<void> {
    const exchange = this.options.exchange;
    this.watching = true;
    let attempt = 0;
    let catchUp = false;
    while (this.watching) {
      try {
        // subscribe again first, then look over REST, so that the two overlap
        const next = exchange.watchMyTrades();
        next.catch(() => {}); // awaited below; this keeps a rejection during the catch-up from going unhandled
        handleParkedFutures(exchange);
        if (catchUp) {
          await this.serial(() => this.catchUpFills());
          catchUp = false;
          // the resubscription may not have been live yet when we looked: look once more at the next bar
          this.resyncFills = true;
        }
        const trades = await next;
        // a stopped trader's last watch may still resolve: the trader that replaced it books those trades
        if (!this.watching) return;
        attempt = 0;
        await this.serial(async () => { for (const t of trades) await this.takeTrade(t, true); });
      } catch (e) {
        if (!this.watching) return;
        catchUp = true;
        this.log.warn("fill stream dropped; reconnecting", { error: `${errorClass(e)}: ${(e as Error).message}` });
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt++)));
      }
    }
  }

  /**
   * After a gap in the fill stream: every order the journal holds open, as the exchange has it now
   * (journal updated; the engine's order closed when the exchange closed it), with the trades the
   * store lacks booked. Asked for by client and order id, so no clock decides what was missed.
   */
  private async catchUpFills(): Promise<void> {
    for (const order of await this.store.orders({ open: true })) {
      const found = await this.gateway!.lookup(order);
      if (!found || found === "unreachable") continue;
      await this.gateway!.adopt(order, found);
      const stored = (await this.store.fills({ clientOrderId: order.clientOrderId })).reduce((s, f) => s + f.quantity, 0);
      const trades = found.id && (found.filled ?? 0) > stored + 1e-12 ? await this.options.exchange.fetchOrderTrades(found.id, order.symbol) : [];
      await this.takeOrder({ ...found, trades }, order.clientOrderId);
    }
  }

  // ---- control -----------------------------------------------------------------------------

  /** Runs `fn` after everything queued before it (bars, fills, control actions). */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  /** HALTED until resume, and kept across a restart or a crash (a pause is the operator's, not the run's). */
  pause(actor: string): Promise<void> {
    return this.serial(async () => {
      this.live?.risk.setState("HALTED", `paused by ${actor}`, this.now());
      await this.store.setState("paused", { actor, timeMs: this.now() }, this.now());
      await this.audit(actor, "pause", {});
      this.changed();
    });
  }

  resume(actor: string): Promise<void> {
    return this.serial(async () => {
      this.live?.risk.setState("ACTIVE", `resumed by ${actor}`, this.now());
      await this.store.setState("paused", null, this.now());
      await this.audit(actor, "resume", {});
      this.changed();
    });
  }

  /**
   * Kill switch: HALTED first (so nothing new can leave), then every open order canceled, each
   * cancel tried even when another throws; live, cancelAllOrders then sweeps each symbol as a
   * backstop and the orders whose own cancel failed take the exchange's word for how they ended.
   * Audited with who and why; `failed` lists the orders still not known to be closed.
   */
  async kill(actor: string, reason: string): Promise<{ canceled: string[]; failed: string[] }> {
    this.live?.risk.kill(`${actor}: ${reason}`, this.now());
    this.gateway?.halt();
    this.log.warn("kill switch: halting and canceling every open order", { actor, reason });
    const canceled: string[] = [];
    const failed: string[] = [];
    const live = this.config.mode === "live";
    const say = (e: unknown) => `${errorClass(e)}: ${e instanceof Error ? e.message : String(e)}`;
    try {
      const open = await this.store.orders({ open: true }).catch((e: unknown) => {
        this.log.error("kill: the journal could not be read; canceling at the exchange regardless", { error: say(e) });
        return [] as StoredOrder[];
      });
      for (const order of open) {
        try {
          if (live) {
            const out = await this.gateway!.cancel(order);
            if (out.exchangeOrder) await this.takeOrder(out.exchangeOrder, order.clientOrderId);
            (FINAL.has(out.order.status) ? canceled : failed).push(order.clientOrderId);
          } else {
            const engineOrder = order.engineId !== undefined ? this.live?.engine.order(order.engineId) : undefined;
            if (engineOrder && isOpenStatus(engineOrder.status)) this.live!.engine.close(engineOrder, "canceled", "KILL_SWITCH", this.now());
            canceled.push(order.clientOrderId);
          }
        } catch (e) {
          failed.push(order.clientOrderId);
          this.log.error("kill: a cancel failed", { clientOrderId: order.clientOrderId, error: say(e) });
        }
      }
      if (live) {
        for (const symbol of this.config.markets.symbols) {
          await this.options.exchange.cancelAllOrders(symbol).catch((e: unknown) => {
            // nothing left open is what the sweep is for
            if (!(e instanceof ccxt.OrderNotFound)) this.log.warn("kill: cancelAllOrders failed", { symbol, error: say(e) });
          });
        }
        for (const clientOrderId of failed.splice(0)) {
          try {
            const order = (await this.store.order(clientOrderId))!;
            const found = await this.gateway!.lookup(order);
            if (found && found !== "unreachable") {
              const out = await this.gateway!.adopt(order, found);
              await this.takeOrder(found, clientOrderId);
              if (FINAL.has(out.order.status)) {
                this.log.warn("kill: an order whose cancel failed was closed by the cancelAllOrders sweep", { clientOrderId, status: out.order.status });
                canceled.push(clientOrderId);
                continue;
              }
            }
          } catch (e) {
            this.log.error("kill: looking up an order whose cancel failed failed too", { clientOrderId, error: say(e) });
          }
          failed.push(clientOrderId);
        }
        if (failed.length > 0) this.log.error("kill: orders may still be open at the exchange", { failed });
      }
    } finally {
      this.setState("halted");
      await this.audit(actor, "kill", { reason, canceled, failed }).catch((e: unknown) => this.log.error("kill: the audit line could not be written", { error: say(e) }));
      if (this.config.mode === "paper") await this.afterEngine().catch(() => {});
      this.changed();
    }
    return { canceled, failed };
  }

  /**
   * An order from outside the strategy (an order-drop line, the API): checked by the same risk
   * manager, then sent like the strategy's. `clientOrderId` (a drop line's) makes it once-only:
   * one already journaled resolves undefined without a request. Throws while the strategy is stopped.
   */
  submitManual(request: OrderRequest & { readonly clientOrderId?: string }, actor: string): Promise<Order | undefined> {
    return this.serial(async () => {
      const live = this.live;
      // a stopped strategy has no current prices to check against: the caller (a drop file) waits and offers it again
      if (!live || this.stateValue === "stopped") throw new Error("the trader is not running");
      const { clientOrderId, ...rest } = request;
      // handed over again after a crash (an order-drop file): the journal already has it, and the reconciliation its outcome
      if (clientOrderId && (await this.store.order(clientOrderId))) {
        await this.audit(actor, "manual_order_known", { clientOrderId });
        return undefined;
      }
      const order = live.engine.submit({ ...rest, tag: rest.tag ?? actor });
      if (clientOrderId) this.requested.set(order.id, clientOrderId);
      await this.audit(actor, "manual_order", { symbol: order.symbol, side: order.side, quantity: order.quantity, status: order.status, reason: order.reason, clientOrderId });
      await this.afterEngine();
      this.changed();
      return order;
    });
  }

  /**
   * Cancels open orders and closes positions (of `symbols`, default all) with reduce-only market
   * orders through the risk manager. Returns how many closing orders it placed.
   */
  flatten(actor: string, symbols?: readonly string[]): Promise<number> {
    return this.serial(async () => {
      const live = this.live;
      if (!live) return 0;
      const only = symbols ? new Set(symbols) : undefined;
      for (const o of live.engine.openOrders()) if (!only || only.has(o.symbol)) live.engine.cancel(o);
      let n = 0;
      for (const [k, symbol] of live.engine.symbols.entries()) {
        const q = live.portfolio.quantity[k]!;
        if (q === 0 || (only && !only.has(symbol))) continue;
        live.engine.submit({ symbol, side: q > 0 ? "sell" : "buy", quantity: Math.abs(q), reduceOnly: true, tag: `flatten:${actor}` });
        n++;
      }
      await this.audit(actor, "flatten", { orders: n, ...(symbols ? { symbols } : {}) });
      await this.afterEngine();
      this.changed();
      return n;
    });
  }

  /**
   * A hot parameter update: checked against the strategy's schema, applied at once (the strategy
   * sees it from its next bar), recorded either way. Throws the InputError of a refused value.
   */
  setParams(changes: Readonly<Record<string, unknown>>, actor: string): Promise<Readonly<Record<string, unknown>>> {
    return this.serial(async () => {
      const live = this.live;
      const t = this.now();
      try {
        const next = live ? live.engine.setParams(changes) : resolveParams(this.options.strategy.name, this.options.strategy.params, { ...this.config.strategy.params, ...changes });
        if (live) this.run?.paramChanges.push({ afterBarMs: this.lastBar, params: next });
        await this.store.recordParams({ timeMs: t, strategy: this.options.strategy.name, params: next as Record<string, number | string | boolean>, actor, accepted: true });
        await this.audit(actor, "params", { changes });
        this.changed();
        return next;
      } catch (e) {
        await this.store.recordParams({ timeMs: t, strategy: this.options.strategy.name, params: changes as Record<string, number | string | boolean>, actor, accepted: false, reason: (e as Error).message });
        await this.audit(actor, "params_refused", { changes, reason: (e as Error).message });
        throw e;
      }
    });
  }

  /**
   * The bars the account recorded for one of its symbols (fromMs ≤ open time < toMs), oldest
   * first: the warm-up history and every bar the strategy was handed. InputError for another symbol.
   */
  async recordedBars(symbol: string, range: { fromMs?: number; toMs?: number } = {}): Promise<{ symbol: string; timeframe: string; bars: LiveBar[] }> {
    const { symbols, timeframe } = this.config.markets;
    if (!symbols.includes(symbol)) throw new InputError("UNKNOWN_SYMBOL", { symbol }, `${symbol} is not traded by this account (${symbols.join(", ")})`);
    const s = await this.store.recordedBars(symbol, timeframe, { ...(range.fromMs !== undefined ? { fromMs: range.fromMs } : {}), ...(range.toMs !== undefined ? { toMs: range.toMs } : {}) });
    const bars = Array.from({ length: s.length }, (_, i) => ({ time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! }));
    return { symbol, timeframe, bars };
  }

  /** How the current run started (undefined before its engine is built): see TraderRun. */
  runInfo(): TraderRun | undefined {
    return this.run;
  }

  /** The journaled orders, newest first. */
  orders(limit = 200): Promise<StoredOrder[]> {
    return this.store.orders({ limit });
  }

  /** The stored fills, newest first. */
  fills(limit = 200): Promise<FillRecord[]> {
    return this.store.fills({ limit });
  }

  private audit(actor: string, action: string, details: Readonly<Record<string, unknown>>): Promise<void> {
    return this.store.audit({ timeMs: this.now(), actor, action, details });
  }

  private async recordBars(symbol: string, bars: readonly LiveBar[]): Promise<void> {
    if (bars.length === 0) return;
    const col = (k: keyof LiveBar) => Float64Array.from(bars, (b) => b[k]);
    await this.store.recordBars(barSeries({ symbol, timeframe: this.config.markets.timeframe, time: col("time"), open: col("open"), high: col("high"),
      low: col("low"), close: col("close"), volume: col("volume") }));
  }

  status(): TraderStatus {
    const live = this.live;
    const pf = live?.portfolio;
    return {
      account: this.config.name, mode: this.config.mode, state: this.stateValue, risk: live?.risk.state ?? "ACTIVE", killed: live?.risk.killed ?? false,
      strategy: this.options.strategy.name, ...(this.options.bundle ? { bundle: this.options.bundle } : {}), params: live?.engine.params ?? this.config.strategy.params,
      equity: pf ? pf.equity() : Number.NaN, cash: pf?.cash ?? Number.NaN,
      positions: live ? live.engine.symbols.map((symbol, k) => ({ symbol, quantity: pf!.quantity[k]!, averagePrice: pf!.averagePrice[k]!,
        lastPrice: pf!.lastPrice[k]!, unrealizedPnl: pf!.unrealizedPnl(k), realizedPnl: pf!.realizedPnl[k]! })) : [],
      openOrders: live ? live.engine.openOrders().length : 0, feed: this.feed?.health() ?? [], lastBarMs: this.lastBar,
      ...(this.report ? { report: this.report } : {}),
    };
  }

  private setState(state: TraderState): void {
    if (this.stateValue === state) return;
    this.log.info(`trader ${state}`, { from: this.stateValue });
    this.stateValue = state;
    this.changed();
  }

  private changed(): void {
    this.onChange?.(this.status());
  }
}

/**
 * ccxt.pro 4.5.84 (binance) parks a future for the user data subscription that nobody awaits: when
 * the subscription or its connection fails it rejects unhandled, and an unhandled rejection ends a
 * Node process. The failure reaches the trader through the watch it awaits, so the parked ones get
 * a handler that does nothing (a handler added to a promise takes nothing from its other awaiters).
 */
function handleParkedFutures(exchange: ProExchange): void {
  const clients = (exchange as unknown as { clients?: Record<string, { futures?: Record<string, Promise<unknown>> }> }).clients ?? {};
  for (const client of Object.values(clients)) for (const future of Object.values(client.futures ?? {})) void future.catch(() => {});
}

/** Free + locked units of an asset in a ccxt balance. */
function holdingOf(balance: { total?: unknown } & Record<string, unknown>, asset: string): number {
  const total = (balance.total as Record<string, number | undefined> | undefined)?.[asset];
  return typeof total === "number" ? total : 0;
}

function sumFills(fills: readonly FillRecord[], symbol: string): number {
  return fills.filter((f) => f.symbol === symbol).reduce((s, f) => s + (f.side === "buy" ? f.quantity : -f.quantity), 0);
}
