/**
 * Closed bars from an exchange's WebSocket feed (ccxt.pro watchOHLCV), as the engine needs them:
 * each bar once, in time order, the bars of one timestamp together.
 *
 * A kline stream sends the forming bar again and again; a bar is closed when the next one
 * starts. After a dropped connection (or a jump in the stream) the missing bars are fetched over
 * REST (fetchOHLCV) before anything newer is delivered, so a reconnect leaves no gap and no bar
 * twice. A symbol that sends nothing for `staleMs` (from the start, or since its last message) is
 * reported stale (the trader then reduces risk) and no longer holds back the other symbols' bars.
 */
import type { Exchange, OHLCV } from "ccxt";
import { timeframeMs } from "../../time.js";
import type { LiveBar } from "../../live/liveSeries.js";
import { errorClass } from "../ccxtErrors.js";

export type FeedStatus = "connecting" | "ok" | "stale" | "reconnecting" | "stopped";

export interface FeedHealth {
  readonly symbol: string;
  readonly status: FeedStatus;
  /** Open time of the last bar delivered (NaN before the first). */
  readonly lastBarMs: number;
  /** Wall-clock ms of the last message from the stream (NaN before the first). */
  readonly lastMessageMs: number;
  readonly reconnects: number;
  readonly lastError?: string;
}

/** What the feed needs of a ccxt.pro exchange: the kline stream and the REST klines. */
export type FeedExchange = Pick<Exchange, "fetchOHLCV"> & {
  watchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<OHLCV[]>;
  unWatchOHLCV?(symbol: string, timeframe?: string): Promise<unknown>;
};

/** How long stop() waits for the exchange to confirm an unsubscription (a dead connection never does). */
const UNWATCH_WAIT_MS = 2000;

export interface MarketFeedOptions {
  readonly exchange: FeedExchange;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  /** Per symbol, the open time of the last bar already handled (a restart resumes after it); missing = none. */
  readonly after?: Readonly<Record<string, number>>;
  /** Gets the closed bars of one timestamp; the next delivery waits for it. */
  readonly onBars: (timeMs: number, bars: Record<string, LiveBar>) => Promise<void> | void;
  readonly onHealth?: (health: FeedHealth) => void;
  /** No message for this long makes a symbol stale. Default 3 bar lengths. */
  readonly staleMs?: number;
  /** Reconnect backoff, capped exponential. Default 250 ms … 10 s. */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Bars per REST page. Default 500. */
  readonly pageSize?: number;
  readonly now?: () => number;
}

interface SymbolState {
  forming: OHLCV | undefined;
  /** Closed bars not yet delivered, by open time. */
  readonly closed: Map<number, LiveBar>;
  /** Open time of the newest closed bar (delivered or waiting). */
  lastClosed: number;
  health: FeedHealth;
  needsBackfill: boolean;
}

export class MarketFeed {
  private readonly barMs: number;
  private readonly states = new Map<string, SymbolState>();
  private lastDelivered = -Infinity;
  private delivering: Promise<void> = Promise.resolve();
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private startedMs = Number.NaN;
  private readonly now: () => number;
  /** The first error thrown by onBars: the feed stops delivering and `stop()`/`done` reject with it. */
  private failure: unknown;

  constructor(private readonly options: MarketFeedOptions) {
    const ms = timeframeMs(options.timeframe);
    if (ms === undefined) throw new RangeError(`unknown timeframe "${options.timeframe}"`);
    this.barMs = ms;
    this.now = options.now ?? Date.now;
    for (const symbol of options.symbols) {
      const after = options.after?.[symbol] ?? -Infinity;
      this.states.set(symbol, {
        forming: undefined, closed: new Map(), lastClosed: after, needsBackfill: Number.isFinite(after),
        health: { symbol, status: "connecting", lastBarMs: Number.isFinite(after) ? after : Number.NaN, lastMessageMs: Number.NaN, reconnects: 0 },
      });
    }
    this.lastDelivered = Math.min(...options.symbols.map((s) => options.after?.[s] ?? -Infinity));
  }

  /** Starts one watch loop per symbol and the stale-feed check. */
  start(): void {
    this.startedMs = this.now();
    for (const symbol of this.options.symbols) void this.watch(symbol);
    const staleMs = this.staleMs();
    this.timer = setInterval(() => this.checkStale(), Math.max(50, Math.min(1000, staleMs / 4)));
  }

  /**
   * Stops watching and unsubscribes; resolves when the loops have ended and the last delivery is
   * done. Unsubscribing matters to whoever watches next on the same client (a restarted
   * strategy): a subscription left open would hand the next message to this feed's last watch.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.states.values()) this.setHealth(s, { status: "stopped" });
    await Promise.all(this.options.symbols.map((symbol) => this.unwatch(symbol)));
    await this.delivering;
    if (this.failure !== undefined) throw this.failure;
  }

  private async unwatch(symbol: string): Promise<void> {
    const { exchange, timeframe } = this.options;
    if (!exchange.unWatchOHLCV) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      exchange.unWatchOHLCV(symbol, timeframe).catch(() => undefined),
      new Promise((r) => { timer = setTimeout(r, UNWATCH_WAIT_MS); }),
    ]);
    clearTimeout(timer);
  }

  health(): FeedHealth[] {
    return [...this.states.values()].map((s) => s.health);
  }

  private staleMs(): number {
    return this.options.staleMs ?? 3 * this.barMs;
  }

  private async watch(symbol: string): Promise<void> {
    const state = this.states.get(symbol)!;
    const backoff = this.options.backoffMs ?? { initial: 250, max: 10_000 };
    let attempt = 0;
    while (!this.stopped && this.failure === undefined) {
      try {
        if (state.needsBackfill) await this.backfill(symbol, state);
        const candles = await this.options.exchange.watchOHLCV(symbol, this.options.timeframe);
        if (this.stopped) return;
        attempt = 0;
        this.setHealth(state, { status: "ok", lastMessageMs: this.now() });
        for (const c of candles) this.ingest(symbol, state, c);
      } catch (error) {
        if (this.stopped) return;
        state.needsBackfill = true;
        this.setHealth(state, { status: "reconnecting", reconnects: state.health.reconnects + 1, lastError: `${errorClass(error)}: ${(error as Error)?.message ?? String(error)}` });
        await new Promise((r) => setTimeout(r, Math.min(backoff.max, backoff.initial * 2 ** attempt++)));
      }
    }
  }

  /** REST klines from after the last closed bar; the newest one may still be forming. */
  private async backfill(symbol: string, state: SymbolState): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    let since = Number.isFinite(state.lastClosed) ? state.lastClosed + this.barMs : undefined;
    if (since === undefined) {
      state.needsBackfill = false;
      return;
    }
    for (;;) {
      const page = await this.options.exchange.fetchOHLCV(symbol, this.options.timeframe, since, pageSize);
      for (const c of page) this.ingest(symbol, state, c, true);
      if (page.length < pageSize) break;
      since = Number(page.at(-1)![0]) + this.barMs;
    }
    state.needsBackfill = false;
  }

  private ingest(symbol: string, state: SymbolState, c: OHLCV, fromRest = false): void {
    const t = Number(c[0]);
    if (!(t > state.lastClosed)) return;
    const forming = state.forming;
    if (forming === undefined || t === Number(forming[0])) {
      state.forming = c;
      return;
    }
    if (t < Number(forming[0])) return;
    // a later bar started: the forming one is final
    this.close(symbol, state, forming);
    if (!fromRest && t > Number(forming[0]) + this.barMs) {
      // the stream skipped bars: fetch them before this one is closed in turn
      state.needsBackfill = true;
    }
    state.forming = c;
  }

  private close(symbol: string, state: SymbolState, c: OHLCV): void {
    const t = Number(c[0]);
    state.closed.set(t, { time: t, open: Number(c[1]), high: Number(c[2]), low: Number(c[3]), close: Number(c[4]), volume: Number(c[5] ?? 0) });
    state.lastClosed = t;
    this.flush();
  }

  /** Delivers, in time order, every timestamp that no live symbol can still add a bar to. */
  private flush(): void {
    this.delivering = this.delivering.then(async () => {
      for (;;) {
        if (this.failure !== undefined || this.stopped) return;
        const waiting = [...this.states.values()].filter((s) => s.health.status !== "stale");
        const next = Math.min(...[...this.states.values()].flatMap((s) => [...s.closed.keys()]));
        if (!Number.isFinite(next)) return;
        if (waiting.some((s) => s.lastClosed < next)) return;
        const bars: Record<string, LiveBar> = {};
        for (const [symbol, s] of this.states) {
          const bar = s.closed.get(next);
          if (!bar) continue;
          s.closed.delete(next);
          bars[symbol] = bar;
          this.setHealth(s, { lastBarMs: next });
        }
        if (next <= this.lastDelivered) continue;
        this.lastDelivered = next;
        try {
          await this.options.onBars(next, bars);
        } catch (error) {
          this.failure = error;
          return;
        }
      }
    });
  }

  private checkStale(): void {
    const now = this.now();
    for (const s of this.states.values()) {
      // a stream that never sent anything since the start is as silent as one that stopped
      const last = Number.isNaN(s.health.lastMessageMs) ? this.startedMs : s.health.lastMessageMs;
      if ((s.health.status === "ok" || s.health.status === "connecting") && now - last > this.staleMs()) {
        this.setHealth(s, { status: "stale" });
        this.flush();
      }
    }
  }

  private setHealth(state: SymbolState, patch: Partial<FeedHealth>): void {
    const before = state.health.status;
    state.health = { ...state.health, ...patch };
    if (patch.status !== undefined && patch.status !== before) this.options.onHealth?.(state.health);
  }
}
