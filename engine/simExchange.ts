import type { BarSeries } from "./bars.js";
import { isOpenStatus, type Liquidity, type Order, type OrderStatus } from "./orders.js";
import { utcDayStart } from "./time.js";
import type { Venue } from "./venue.js";

/** How simulated orders meet bars. */
export interface FillOptions {
  /** Market orders fill at the close of the bar they are placed on, instead of the next bar's open. Default false. */
  readonly fillOnClose?: boolean;
  /** At most this fraction of a bar's volume is filled (for all orders of the symbol together); the rest waits for later bars. */
  readonly volumeParticipation?: number;
}

/** One chance for an order to trade: where, at what base price, and within what bounds. */
export interface FillAttempt {
  readonly price: number;
  readonly slip: boolean;
  /** The price a slipped stop-limit may not trade through. */
  readonly limit: number | undefined;
  readonly volumeCap: number;
  readonly barVolume: number;
  readonly liquidity: Liquidity;
  readonly timeMs: number;
}

/** The engine side of a fill: sizing, costs, portfolio, records. */
export interface ExecutionHost {
  /**
   * Executes what is left of `order`, at most `volumeCap` units, at `price` (slipped by the host
   * when `slip`, on the quantity actually filled, and never past `limit`), and returns the
   * quantity filled; 0 when nothing could be filled now or the host closed the order (nothing left
   * to do, unaffordable). Target orders are sized here, at the fill price.
   */
  execute(order: Order, k: number, fill: FillAttempt): number;
  close(order: Order, status: OrderStatus, reason: string, timeMs: number): void;
}

/**
 * Matches resting orders against bars (DESIGN.md's fill model). Time is the engine's clock: a bar
 * trades from its open time, and a strategy decides at its close (open + bar length), so an order
 * decided at time T meets only bars that open at or after T — for the same symbol the next bar,
 * for another symbol its first bar opening after the decision. Then:
 * - market: the bar's open; with `fillOnClose`, the close of the bar that closes at the decision;
 * - limit: the better of the open and the limit when the bar gaps through it, else the limit
 *   when the range reaches it (maker, never slipped);
 * - stop: the stop price when the range reaches it; on a gap through the stop, the open (the
 *   stop became a market order before the bar traded — "better than the open" does not exist);
 *   once triggered, what is left (a volume cap) trades as a market order at later opens;
 * - stop-limit: triggers like a stop, then fills in the same bar only when the trigger price is
 *   within the limit, else rests as a limit from the next bar (no guess about the path inside a bar);
 * - trailing stop: checked against the level set by earlier bars, then the level follows this
 *   bar's extreme (same reason); the level starts from the last price known at the decision, or
 *   from the first open it meets when there was none.
 * Time in force: DAY orders expire at the end of the UTC day of their decision (so an order
 * decided at a daily bar's close is good for the next day's bar); IOC orders get the first bar
 * they meet. Bracket legs are placed while their entry fills and so first meet the next bar; when
 * both legs could fill in one bar, the stop-loss leg (the older one) fills first: the pessimistic
 * path. Orders of one symbol meet a bar oldest first.
 */
export class SimExchange implements Venue {
  private readonly book: Order[][];
  private readonly bookSymbol = new Map<number, number>();
  private readonly consumed: Float64Array;
  private readonly consumedBar: Int32Array;
  /** True while matchBar walks a book: fills then run strategy code that may place and cancel orders. */
  private matching = false;
  /** 1 where the book holds closed orders not yet pruned. */
  private readonly dirty: Uint8Array;

  constructor(
    private readonly series: readonly BarSeries[],
    /** Bar length of each series in ms: a bar opening at t closes at t + barMs. */
    private readonly barMs: Float64Array,
    private readonly host: ExecutionHost,
    private readonly options: FillOptions = {},
  ) {
    this.book = series.map(() => []);
    this.consumed = new Float64Array(series.length);
    this.consumedBar = new Int32Array(series.length).fill(-1);
    this.dirty = new Uint8Array(series.length);
  }

  /** Resting orders of symbol k. */
  openOrders(k: number): readonly Order[] {
    if (!this.dirty[k]) return this.book[k]!;
    // while a bar is matched its list must not shrink under the loop
    if (this.matching) return this.book[k]!.filter((o) => isOpenStatus(o.status));
    this.prune(k);
    return this.book[k]!;
  }

  /** When bar i of symbol k closes: open + bar length, but never after the next bar opens. */
  closeTime(k: number, i: number): number {
    const s = this.series[k]!;
    const close = s.time[i]! + this.barMs[k]!;
    return i + 1 < s.length && s.time[i + 1]! < close ? s.time[i + 1]! : close;
  }

  hasOpenOrders(k: number): boolean {
    return this.book[k]!.length > 0;
  }

  /** Accepts an order decided at `order.createdMs`, when the last bar of symbol `k` known then is `i` (-1: none yet). */
  add(order: Order, k: number, i: number): void {
    const s = this.series[k]!;
    // no price known yet: the level starts at the first open the order meets
    if (order.type === "trailing_stop") order.stopPrice = i >= 0 ? this.trailLevel(order, s.close[i]!, undefined) : NaN;
    this.book[k]!.push(order);
    this.bookSymbol.set(order.id, k);
    // no fill at a close while a bar is matched: the order was placed after that bar opened, a later price than any close known
    if (order.type === "market" && this.options.fillOnClose && !this.matching && i >= 0 && this.closeTime(k, i) === order.createdMs) {
      this.fillAt(order, k, i, s.close[i]!, "taker", true, order.createdMs);
      if (isOpenStatus(order.status) && order.timeInForce === "IOC") this.host.close(order, "canceled", "IOC_REMAINDER", order.createdMs);
      this.prune(k);
    }
  }

  /** Amended orders meet the next bar with their new quantity and prices: nothing to do here. */
  amended(_order: Order): void {}

  /** Takes a closed order off the book: lazily, so that a cancel inside matchBar does not shift the list under it. */
  remove(order: Order): void {
    const k = this.bookSymbol.get(order.id);
    if (k === undefined) return;
    this.bookSymbol.delete(order.id);
    this.dirty[k] = 1;
  }

  /** Meets every resting order of symbol k with bar i. */
  matchBar(k: number, i: number): void {
    const t = this.series[k]!.time[i]!;
    const list = this.book[k]!;
    const closeMs = this.closeTime(k, i);
    this.matching = true;
    try {
      this.matchOrders(k, i, list, t, closeMs);
    } finally {
      this.matching = false;
    }
    this.prune(k);
  }

  private matchOrders(k: number, i: number, list: Order[], t: number, closeMs: number): void {
    const s = this.series[k]!;
    const o = s.open[i]!, h = s.high[i]!, l = s.low[i]!;
    // up to the length at the start: orders placed by fills (bracket legs, onFill) wait for the next bar
    const n = list.length;
    for (let j = 0; j < n; j++) {
      const order = list[j]!;
      if (!isOpenStatus(order.status)) continue;
      if (order.createdMs > t) {
        // decided after this bar opened: only a fill-on-close market order decided at its close meets it
        if (order.type === "market" && this.options.fillOnClose && order.createdMs === closeMs) {
          this.fillAt(order, k, i, s.close[i]!, "taker", true, closeMs);
          if (order.timeInForce === "IOC" && isOpenStatus(order.status)) this.host.close(order, "canceled", "IOC_REMAINDER", closeMs);
        }
        continue;
      }
      if (order.timeInForce === "DAY" && utcDayStart(t) > utcDayStart(order.createdMs)) {
        this.host.close(order, "expired", "DAY_EXPIRED", t);
        continue;
      }
      const buy = order.side === "buy";
      switch (order.type) {
        case "market":
          this.fillAt(order, k, i, o, "taker", true, t);
          break;
        case "limit":
          this.matchLimit(order, k, i, buy, o, h, l, t);
          break;
        case "stop":
          if (order.triggered) this.fillAt(order, k, i, o, "taker", true, t);
          else this.matchStop(order, k, i, buy, o, h, l, t);
          break;
        case "stop_limit": {
          if (order.triggered) {
            this.matchLimit(order, k, i, buy, o, h, l, t);
            break;
          }
          const sp = order.stopPrice!, lp = order.limitPrice!;
          const trigger = buy ? (o >= sp ? o : h >= sp ? sp : NaN) : (o <= sp ? o : l <= sp ? sp : NaN);
          if (Number.isNaN(trigger)) break;
          order.triggered = true;
          if (buy ? trigger <= lp : trigger >= lp) this.fillAt(order, k, i, trigger, "taker", true, t, lp);
          break;
        }
        case "trailing_stop":
          if (order.triggered) {
            this.fillAt(order, k, i, o, "taker", true, t);
            break;
          }
          if (Number.isNaN(order.stopPrice)) order.stopPrice = this.trailLevel(order, o, undefined);
          this.matchStop(order, k, i, buy, o, h, l, t);
          if (isOpenStatus(order.status) && !order.triggered) order.stopPrice = this.trailLevel(order, buy ? l : h, order.stopPrice);
          break;
      }
      if (order.timeInForce === "IOC" && isOpenStatus(order.status)) this.host.close(order, "canceled", "IOC_REMAINDER", t);
    }
  }

  private matchLimit(order: Order, k: number, i: number, buy: boolean, o: number, h: number, l: number, t: number): void {
    const lp = order.limitPrice!;
    if (buy ? o <= lp : o >= lp) this.fillAt(order, k, i, o, "maker", false, t);
    else if (buy ? l <= lp : h >= lp) this.fillAt(order, k, i, lp, "maker", false, t);
  }

  private matchStop(order: Order, k: number, i: number, buy: boolean, o: number, h: number, l: number, t: number): void {
    const sp = order.stopPrice!;
    const price = buy ? (o >= sp ? o : h >= sp ? sp : NaN) : (o <= sp ? o : l <= sp ? sp : NaN);
    if (Number.isNaN(price)) return;
    // touched: from here on the stop is a market order, whatever a volume cap leaves over
    order.triggered = true;
    this.fillAt(order, k, i, price, "taker", true, t);
  }

  private trailLevel(order: Order, extreme: number, previous: number | undefined): number {
    const sell = order.side === "sell";
    const level = order.trailPercent !== undefined
      ? (sell ? extreme * (1 - order.trailPercent) : extreme * (1 + order.trailPercent))
      : (sell ? extreme - order.trailAmount! : extreme + order.trailAmount!);
    if (previous === undefined) return level;
    return sell ? Math.max(previous, level) : Math.min(previous, level);
  }

  private fillAt(order: Order, k: number, i: number, price: number, liquidity: Liquidity, slip: boolean, t: number, limit?: number): void {
    const s = this.series[k]!;
    let volumeCap = Infinity;
    const cap = this.options.volumeParticipation;
    if (cap !== undefined) {
      if (this.consumedBar[k] !== i) { this.consumedBar[k] = i; this.consumed[k] = 0; }
      volumeCap = s.volume[i]! * cap - this.consumed[k]!;
      if (volumeCap <= 0) return;
    }
    const filled = this.host.execute(order, k, { price, slip, limit, volumeCap, barVolume: s.volume[i]!, liquidity, timeMs: t });
    if (cap !== undefined) this.consumed[k]! += filled;
  }

  private prune(k: number): void {
    this.dirty[k] = 0;
    const list = this.book[k]!;
    let w = 0;
    for (let r = 0; r < list.length; r++) {
      const order = list[r]!;
      if (isOpenStatus(order.status)) list[w++] = order;
      else this.bookSymbol.delete(order.id);
    }
    list.length = w;
  }
}
