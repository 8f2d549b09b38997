import type { Order } from "./orders.js";

/**
 * Where the engine's accepted orders go. In backtests and paper trading it is the SimExchange
 * (engine/simExchange.ts), which fills them against bars; in live trading it is a venue that
 * sends them to an exchange and reports its fills back through `Engine.applyVenueFill`.
 */
export interface Venue {
  /** Takes an accepted order, decided when the last bar of symbol `k` known was `i` (-1: none yet). */
  add(order: Order, k: number, i: number): void;
  /** The order was closed by the engine (canceled, expired, filled): stop working it. */
  remove(order: Order): void;
  /** The strategy changed an open order's quantity or prices. */
  amended(order: Order): void;
  /** Whether symbol k has orders resting here (the engine skips matchBar when not). */
  hasOpenOrders(k: number): boolean;
  /** Bar i of symbol k opens: simulated venues meet their resting orders with it; live ones do nothing. */
  matchBar(k: number, i: number): void;
  /** The open orders of symbol k, oldest first. */
  openOrders(k: number): readonly Order[];
  /** When bar i of symbol k closes, which is when a strategy decides on it. */
  closeTime(k: number, i: number): number;
}
