import type { BarSeries } from "./bars.js";
import type { SlippageModel } from "./fill/slippage.js";
import { isOpenStatus, type Liquidity, type Order, type OrderStatus } from "./orders.js";
import { utcDayStart } from "./time.js";

/** How simulated orders meet bars. */
export interface FillOptions {
  /** Market orders fill at the close of the bar they are placed on, instead of the next bar's open. Default false. */
  readonly fillOnClose?: boolean;
  /** At most this fraction of a bar's volume is filled (for all orders of the symbol together); the rest waits for later bars. */
  readonly volumeParticipation?: number;
}

/** The engine side of a fill: sizing, costs, portfolio, records. */
export interface ExecutionHost {
  /**
   * Executes what is left of `order`, at most `volumeCap` units, at `price` (already slipped), and
   * returns the quantity filled; 0 when the host closed the order instead (nothing left to do,
   * unaffordable). Target orders are sized here, at the fill price.
   */
  execute(order: Order, k: number, price: number, volumeCap: number, liquidity: Liquidity, timeMs: number): number;
  close(order: Order, status: OrderStatus, reason: string, timeMs: number): void;
}

/**
 * Matches resting orders against bars (DESIGN.md's fill model). An order placed while bar t is
 * handled meets bars t+1, t+2, …:
 * - market: the bar's open;
 * - limit: the better of the open and the limit when the bar gaps through it, else the limit
 *   when the range reaches it (maker, never slipped);
 * - stop: the stop price when the range reaches it; on a gap through the stop, the open (the
 *   stop became a market order before the bar traded — "better than the open" does not exist);
 * - stop-limit: triggers like a stop, then fills in the same bar only when the trigger price is
 *   within the limit, else rests as a limit from the next bar (no guess about the path inside a bar);
 * - trailing stop: checked against the level set by earlier bars, then the level follows this
 *   bar's extreme (same reason).
 * Bracket legs are submitted while their entry fills and so first meet the next bar; when both
 * legs could fill in one bar, the stop-loss leg (the older one) fills first: the pessimistic path.
 */
export class SimExchange {
  private readonly book: Order[][];
  private readonly bookSymbol = new Map<number, number>();
  private readonly consumed: Float64Array;
  private readonly consumedBar: Int32Array;

  constructor(
    private readonly series: readonly BarSeries[],
    private readonly host: ExecutionHost,
    private readonly slippage: SlippageModel,
    private readonly options: FillOptions = {},
  ) {
    this.book = series.map(() => []);
    this.consumed = new Float64Array(series.length);
    this.consumedBar = new Int32Array(series.length).fill(-1);
  }

  /** Resting orders of symbol k. */
  openOrders(k: number): readonly Order[] {
    return this.book[k]!;
  }

  hasOpenOrders(k: number): boolean {
    return this.book[k]!.length > 0;
  }

  /** Accepts an order placed while bar `i` of symbol `k` is handled. */
  add(order: Order, k: number, i: number): void {
    const s = this.series[k]!;
    if (order.type === "trailing_stop") order.stopPrice = this.trailLevel(order, s.close[i]!, undefined);
    this.book[k]!.push(order);
    this.bookSymbol.set(order.id, k);
    if (order.type === "market" && this.options.fillOnClose) {
      this.fillAt(order, k, i, s.close[i]!, "taker", true, s.time[i]!);
      if (isOpenStatus(order.status) && order.timeInForce === "IOC") this.host.close(order, "canceled", "IOC_REMAINDER", s.time[i]!);
      this.prune(k);
    }
  }

  /** Takes an order off the book (after a cancel or when it is done). */
  remove(order: Order): void {
    const k = this.bookSymbol.get(order.id);
    if (k === undefined) return;
    const list = this.book[k]!;
    const at = list.indexOf(order);
    if (at >= 0) list.splice(at, 1);
    this.bookSymbol.delete(order.id);
  }

  /** Meets every resting order of symbol k with bar i. */
  matchBar(k: number, i: number): void {
    const s = this.series[k]!;
    const t = s.time[i]!, o = s.open[i]!, h = s.high[i]!, l = s.low[i]!;
    const list = this.book[k]!;
    // a copy: fills can add bracket legs (they wait for the next bar) and cancel siblings
    const orders = list.slice();
    for (const order of orders) {
      if (!isOpenStatus(order.status)) continue;
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
          this.matchStop(order, k, i, buy, o, h, l, t);
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
          this.matchStop(order, k, i, buy, o, h, l, t);
          if (isOpenStatus(order.status)) order.stopPrice = this.trailLevel(order, buy ? l : h, order.stopPrice);
          break;
      }
      if (order.timeInForce === "IOC" && isOpenStatus(order.status)) this.host.close(order, "canceled", "IOC_REMAINDER", t);
    }
    this.prune(k);
  }

  private matchLimit(order: Order, k: number, i: number, buy: boolean, o: number, h: number, l: number, t: number): void {
    const lp = order.limitPrice!;
    if (buy ? o <= lp : o >= lp) this.fillAt(order, k, i, o, "maker", false, t);
    else if (buy ? l <= lp : h >= lp) this.fillAt(order, k, i, lp, "maker", false, t);
  }

  private matchStop(order: Order, k: number, i: number, buy: boolean, o: number, h: number, l: number, t: number): void {
    const sp = order.stopPrice!;
    if (buy ? o >= sp : o <= sp) this.fillAt(order, k, i, o, "taker", true, t);
    else if (buy ? h >= sp : l <= sp) this.fillAt(order, k, i, sp, "taker", true, t);
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
    let p = slip ? this.slippage.apply(price, order.side, Math.min(order.quantity - order.filledQuantity, volumeCap), s.volume[i]!) : price;
    // a slipped stop-limit still never trades through its limit
    if (limit !== undefined) p = order.side === "buy" ? Math.min(p, limit) : Math.max(p, limit);
    const filled = this.host.execute(order, k, p, volumeCap, liquidity, t);
    if (cap !== undefined) this.consumed[k]! += filled;
  }

  private prune(k: number): void {
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
