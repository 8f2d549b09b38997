import { InputError, StrategyError } from "../errors.js";
import type { Order } from "../orders.js";
import type { Fill } from "../records.js";
import { riskRules, type RiskConfig } from "../risk/riskConfig.js";
import type { AnyStrategy } from "../strategy/defineStrategy.js";
import { formatTime } from "../time.js";
import { LiveEngine } from "./liveEngine.js";
import type { LiveBar } from "./liveSeries.js";

/**
 * A trader's run as recorded: what it was started with (the trader's `runInfo()`, see
 * engine/node/live/trader.ts) and the bars its account stored. Everything a replay needs to make
 * the trader's decisions again.
 */
export interface RecordedRun {
  readonly strategy: AnyStrategy;
  readonly mode: "paper" | "live";
  readonly timeframe: string;
  /** The account's symbols, in its config's order (the engine's symbol order). */
  readonly symbols: readonly string[];
  /** The recorded bars per symbol, oldest first: the warm-up history and the bars handed to the strategy. */
  readonly bars: Readonly<Record<string, readonly LiveBar[]>>;
  /** Open time of the first bar the strategy decided on; the `warmupBars` recorded before it warmed it up. */
  readonly firstBarMs: number;
  /** The last bar the trader had handled; later recorded bars are left out. Default: every recorded bar. */
  readonly lastBarMs?: number;
  readonly warmupBars: number;
  /** The book the engine started from. */
  readonly cash: number;
  readonly positions?: readonly { readonly symbol: string; readonly quantity: number; readonly averagePrice: number }[];
  readonly params: Readonly<Record<string, unknown>>;
  /** Hot updates, each applied after the bar that opened at `afterBarMs`. */
  readonly paramChanges?: readonly { readonly afterBarMs: number; readonly params: Readonly<Record<string, unknown>> }[];
  readonly priceDecimals: number | Readonly<Record<string, number>>;
  readonly lotSize: number | Readonly<Record<string, number>>;
  /** Commission rate (paper: charged on each fill; live: kept back by sizing and charged on the replay's fills). */
  readonly commission: number;
  readonly risk?: RiskConfig;
}

/** What the replay did. */
export interface Replay {
  /** Every order the strategy made (refused and canceled ones too). */
  readonly orders: readonly Order[];
  readonly fills: readonly Fill[];
  /**
   * Live mode: orders sent at the last bar's close (or resting since) that no replayed bar has
   * filled yet; the exchange may already have filled them. Empty in paper mode.
   */
  readonly working: readonly Order[];
  /** Bars handed to the strategy (timestamps). */
  readonly bars: number;
  readonly warmedBars: number;
  /** Why the replay stopped early (as the trader would have: a strategy that throws halts it); the rest is kept. */
  readonly error?: string;
}

/**
 * Replays a recorded run through the engine exactly as the trader ran it: the same LiveEngine in
 * the same mode, warmed on the same history, handed the same bars one timestamp at a time, with
 * the hot parameter updates at the bars they took effect. Paper: the engine's fill model fills,
 * as it did in the trader. Live: orders are sized at the decision, and the exchange is stood in
 * for by the next bar — a market order fills at its open, a limit when the bar reaches it (at the
 * open on a gap); other order types are refused, as the trader refuses them.
 *
 * @example
 * const replay = replayRun({ strategy, mode: "paper", timeframe: "1m", symbols: ["BTC/USDT"], bars, ...run });
 * replay.fills;   // the fills the trader should have had
 */
export function replayRun(run: RecordedRun): Replay {
  const timeSet = new Set<number>();
  const live = new LiveEngine({
    strategy: run.strategy, params: run.params, symbols: run.symbols, timeframe: run.timeframe, mode: run.mode,
    cash: Math.max(run.cash, 1e-9), risk: riskRules(run.risk ?? {}), priceDecimals: run.priceDecimals, lotSize: run.lotSize,
    commission: run.commission,
  });
  live.portfolio.cash = run.cash;
  for (const p of run.positions ?? []) {
    if (p.quantity !== 0) live.portfolio.restore(live.engine.symbolOf(p.symbol), p.quantity, p.averagePrice || 1, run.firstBarMs);
  }
  let warmedBars = 0;
  for (const symbol of run.symbols) {
    const history = (run.bars[symbol] ?? []).filter((b) => b.time < run.firstBarMs).slice(-run.warmupBars);
    if (run.warmupBars > 0) live.warm(symbol, history);
    warmedBars = Math.max(warmedBars, run.warmupBars > 0 ? history.length : 0);
  }

  // the trader's timestamps: every bar from the first decided one to the last handled one, symbols together
  const last = run.lastBarMs ?? Number.POSITIVE_INFINITY;
  const byTime = new Map<number, Record<string, LiveBar>>();
  for (const symbol of run.symbols) {
    for (const bar of run.bars[symbol] ?? []) {
      if (bar.time < run.firstBarMs || bar.time > last) continue;
      timeSet.add(bar.time);
      const at = byTime.get(bar.time) ?? {};
      at[symbol] = bar;
      byTime.set(bar.time, at);
    }
  }
  const times = [...timeSet].sort((a, b) => a - b);
  const changes = [...(run.paramChanges ?? [])].sort((a, b) => a.afterBarMs - b.afterBarMs);
  let nextChange = 0;
  // changes made before the first bar (after the start) apply from it
  while (nextChange < changes.length && changes[nextChange]!.afterBarMs < run.firstBarMs) live.engine.setParams(changes[nextChange++]!.params);

  const exchange = run.mode === "live" ? new StandInExchange(live, run.commission) : undefined;
  let handled = 0;
  let error: string | undefined;
  for (const t of times) {
    const bars = byTime.get(t)!;
    try {
      exchange?.open(t, bars);
      live.onBars(t, bars);
      exchange?.take();
    } catch (e) {
      if (!(e instanceof StrategyError) && !(e instanceof InputError)) throw e;
      error = `the replay stopped at the bar of ${formatTime(t)}: ${e.message}`;
      break;
    }
    handled++;
    while (nextChange < changes.length && changes[nextChange]!.afterBarMs <= t) live.engine.setParams(changes[nextChange++]!.params);
  }
  return { orders: live.engine.orders, fills: live.engine.fills, working: exchange?.resting() ?? [], bars: handled, warmedBars, ...(error ? { error } : {}) };
}

/**
 * The exchange in a live-mode replay: what the trader would have sent (the venue's intents) rests
 * here and trades against the following bars.
 */
class StandInExchange {
  private working: Order[] = [];

  constructor(private readonly live: LiveEngine, private readonly rate: number) {}

  /** The orders still resting (sent, not yet filled by a replayed bar). */
  resting(): readonly Order[] {
    return [...this.working];
  }

  /** A new bar opens: resting orders trade against it before the strategy sees it close. */
  open(timeMs: number, bars: Readonly<Record<string, LiveBar>>): void {
    const engine = this.live.engine;
    for (const order of [...this.working]) {
      const bar = bars[order.symbol];
      if (!bar) continue;
      const price = order.type === "market" ? bar.open
        : order.side === "buy" ? (bar.low <= order.limitPrice! ? Math.min(bar.open, order.limitPrice!) : undefined)
          : (bar.high >= order.limitPrice! ? Math.max(bar.open, order.limitPrice!) : undefined);
      if (price === undefined) continue;
      const quantity = order.quantity - order.filledQuantity;
      this.working.splice(this.working.indexOf(order), 1);
      engine.applyVenueFill(order, { quantity, price, commission: quantity * price * this.rate, liquidity: order.type === "market" ? "taker" : "maker", timeMs });
    }
  }

  /** What the strategy asked for at this bar's close, as the trader handles it (trader.ts afterEngine). */
  take(): void {
    const { engine, venue } = this.live;
    for (const intent of venue!.drain()) {
      const order = intent.order;
      if (intent.kind === "submit") {
        if (order.type === "market" || order.type === "limit") this.working.push(order);
        else venue!.closedByExchange(order, () => engine.close(order, "rejected", `UNSUPPORTED_LIVE_ORDER_TYPE: ${order.type}`, engine.now()));
      } else {
        const i = this.working.indexOf(order);
        if (i >= 0) this.working.splice(i, 1);
        if (intent.kind === "amend") venue!.closedByExchange(order, () => engine.close(order, "canceled", "AMEND_UNSUPPORTED_LIVE", engine.now()));
      }
    }
  }
}
