import type { BarSeries } from "../bars.js";
import { isOpenStatus, type Order } from "../orders.js";
import type { Venue } from "../venue.js";

/** What the engine asked of the exchange, in order; the live runner sends these. */
export type VenueIntent =
  | { readonly kind: "submit"; readonly order: Order }
  | { readonly kind: "cancel"; readonly order: Order }
  | { readonly kind: "amend"; readonly order: Order };

/**
 * The engine's venue in live trading: accepted orders, cancels and amendments are queued as
 * intents for the runner to persist and send (`drain()`); the exchange's fills come back through
 * `Engine.applyVenueFill`, and its own closes (rejected, expired, canceled by the exchange)
 * through `closedByExchange`, which does not echo a cancel back.
 */
export class LiveVenue implements Venue {
  private readonly book: Order[][];
  private readonly bookSymbol = new Map<number, number>();
  private intents: VenueIntent[] = [];
  /** Orders being closed on the exchange's word: their removal sends nothing. */
  private readonly quiet = new Set<number>();

  constructor(private readonly series: readonly BarSeries[], private readonly barMs: Float64Array) {
    this.book = series.map(() => []);
  }

  add(order: Order, k: number, _i: number): void {
    this.book[k]!.push(order);
    this.bookSymbol.set(order.id, k);
    this.intents.push({ kind: "submit", order });
  }

  remove(order: Order): void {
    const k = this.bookSymbol.get(order.id);
    if (k === undefined) return;
    this.bookSymbol.delete(order.id);
    const list = this.book[k]!;
    list.splice(list.indexOf(order), 1);
    if (!this.quiet.has(order.id) && (order.status === "canceled" || order.status === "expired")) this.intents.push({ kind: "cancel", order });
  }

  amended(order: Order): void {
    if (this.bookSymbol.has(order.id)) this.intents.push({ kind: "amend", order });
  }

  /** Live orders rest at the exchange, not here: the engine never matches them against bars. */
  hasOpenOrders(_k: number): boolean {
    return false;
  }

  matchBar(_k: number, _i: number): void {}

  openOrders(k: number): readonly Order[] {
    return this.book[k]!;
  }

  /** A live bar is known when it closes: its open time plus the bar length. */
  closeTime(k: number, i: number): number {
    return this.series[k]!.time[i]! + this.barMs[k]!;
  }

  /** The intents queued since the last call, oldest first. */
  drain(): VenueIntent[] {
    const out = this.intents;
    this.intents = [];
    return out;
  }

  /**
   * The exchange closed an order by itself (rejected it, expired it, canceled it): runs `close`
   * (the engine's close, which records the status and calls back `remove`) without sending a
   * cancel for it.
   */
  closedByExchange(order: Order, close: () => void): void {
    if (!isOpenStatus(order.status)) return;
    this.quiet.add(order.id);
    try {
      close();
    } finally {
      this.quiet.delete(order.id);
    }
  }
}
