/**
 * Orders to an exchange through ccxt, so that none is ever sent twice or lost:
 * - every order gets a deterministic client order id (`<prefix>-<sequence>`), persisted in the
 *   journal BEFORE the request leaves;
 * - createOrder is never retried blindly: after a timeout or a dropped answer the order is
 *   UNKNOWN until it is found by its client id; it is declared never placed only once the
 *   exchange says "not found" after the request's receive window has passed (the exchange
 *   refuses a request older than that, so it cannot turn up later), and only then sent again;
 * - reads retry with capped backoff; rate limits back off (Retry-After honoured), then the order
 *   is looked up and sent again (a refusal for speed is an answer: nothing was handled, so there
 *   is no window to wait out); the exchange's other refusals (invalid order, insufficient funds,
 *   authentication, …) are final;
 * - submits and cancels are throttled, and the same intent twice within `debounceMs` is refused.
 */
import ccxt, { type Exchange, type Order as CcxtOrder } from "ccxt";
import { errorClass, isRateLimit, isTransient, orderFailure, retryAfterMs } from "../ccxtErrors.js";
import type { AccountStore, OrderUpdate, StoredOrder, StoredOrderStatus } from "./accountStore.js";
import { Throttle } from "./throttle.js";

/** What the gateway needs of the account's store; each write returns once committed. */
export type OrderJournal = Pick<AccountStore, "recordIntent" | "updateOrder" | "audit">;

/** An order to send. */
export interface OrderRequest {
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: "market" | "limit";
  readonly quantity: number;
  readonly limitPrice?: number;
  /** Who asked: "strategy", "order-drop", "api:<actor>", "flatten", … */
  readonly source: string;
  readonly strategy?: string;
  readonly engineId?: number;
  readonly tag?: string;
  /** A client id chosen by the caller (an order-drop line's): a second submit with it sends nothing. */
  readonly clientOrderId?: string;
}

/** How a submit ended: the journaled order, and the exchange's view of it when there is one. */
export interface SubmitOutcome {
  readonly order: StoredOrder;
  readonly exchangeOrder?: CcxtOrder;
}

export interface GatewayOptions {
  readonly exchange: Exchange;
  readonly journal: OrderJournal;
  /** Client ids are `<prefix>-<sequence>`; the prefix names the account/bundle and strategy (letters, digits, "_", "-"). */
  readonly prefix: string;
  /** The first sequence number to use (one past the journal's highest). */
  readonly firstSequence: number;
  readonly ordersPerSecond?: number;
  readonly cancelsPerSecond?: number;
  /** The same symbol/side/type/quantity/price again within this many ms is refused. Default 1000. */
  readonly debounceMs?: number;
  /** The exchange's receive window (Binance: recvWindow, 5 s by default in ccxt… set to the client's). Default 10 000. */
  readonly recvWindowMs?: number;
  /** Read retries before giving up (the order stays UNKNOWN). Default 8. */
  readonly maxReadAttempts?: number;
  /** Capped exponential backoff of reads and rate limits. Defaults 200 ms … 5 s. */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const ACTOR = "gateway";

export class OrderGateway {
  private sequence: number;
  private readonly orders: Throttle;
  private readonly cancels: Throttle;
  private readonly recent = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly backoff: { readonly initial: number; readonly max: number };

  constructor(private readonly options: GatewayOptions) {
    if (!/^[A-Za-z0-9_-]{1,24}$/.test(options.prefix)) throw new RangeError(`client id prefix "${options.prefix}": use 1–24 letters, digits, "_" or "-"`);
    this.sequence = options.firstSequence;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.orders = new Throttle(options.ordersPerSecond ?? 5, undefined, this.now, this.sleep);
    this.cancels = new Throttle(options.cancelsPerSecond ?? 5, undefined, this.now, this.sleep);
    this.backoff = options.backoffMs ?? { initial: 200, max: 5000 };
  }

  private halted = false;

  /** The kill switch: from now on no order leaves (cancels still do). */
  halt(): void {
    this.halted = true;
  }

  /** Hands out the next client id (`<prefix>-<sequence>`), for an order about to be journaled. */
  takeClientId(): string {
    return `${this.options.prefix}-${this.sequence++}`;
  }

  /**
   * Journals and sends an order. Resolves with its journaled state: open/filled when the exchange
   * took it, rejected when it refused it (reason = error class and message), debounced (status
   * rejected, reason DEBOUNCED) without a request, or unknown when it could not be found after
   * every lookup (the trader then pauses and reconciles).
   */
  async submit(intent: OrderRequest): Promise<SubmitOutcome> {
    const t = this.now();
    if (this.halted) {
      const order = stored(intent, this.takeClientId(), t, "rejected", "HALTED: the kill switch is on");
      // journaled as final: a row left pending_submit would be sent by the next start's reconciliation
      await this.record(order);
      return { order };
    }
    const key = `${intent.symbol}|${intent.side}|${intent.type}|${intent.quantity}|${intent.limitPrice ?? ""}`;
    const last = this.recent.get(key);
    const clientOrderId = intent.clientOrderId ?? this.takeClientId();
    if (last !== undefined && t - last < (this.options.debounceMs ?? 1000)) {
      const order = stored(intent, clientOrderId, t, "rejected", `DEBOUNCED: the same order was sent ${t - last} ms ago`);
      await this.record(order);
      await this.audit("debounced", { clientOrderId, symbol: intent.symbol, side: intent.side, quantity: intent.quantity, source: intent.source });
      return { order };
    }
    this.recent.set(key, t);
    const base = stored(intent, clientOrderId, t, "pending_submit");
    if (!(await this.options.journal.recordIntent(base))) {
      await this.audit("duplicate_client_id", { clientOrderId, source: intent.source });
      return { order: { ...base, status: "rejected", reason: `DUPLICATE: client id ${clientOrderId} was used before` } };
    }
    return this.send(base);
  }

  /**
   * Sends (or, after a restart, re-examines) a journaled order: adopts it when the exchange has
   * it by client id, sends it when it provably is not there and still `fresh`, else marks it
   * never placed.
   */
  async recover(order: StoredOrder, fresh: boolean): Promise<SubmitOutcome> {
    const found = await this.lookup(order);
    if (found === "unreachable") return { order };
    if (found) return this.adopt(order, found);
    await this.waitOutWindow(order);
    const again = await this.lookup(order);
    if (again === "unreachable") return { order };
    if (again) return this.adopt(order, again);
    if (fresh) return this.send(order);
    return { order: await this.patch(order, "never_placed", { status: "never_placed", reason: "not at the exchange after its receive window; too old to send again" }) };
  }

  private async send(order: StoredOrder): Promise<SubmitOutcome> {
    const { exchange } = this.options;
    for (let attempt = 0; ; attempt++) {
      await this.orders.take();
      const sentMs = this.now();
      order = await this.patch(order, "submitted", { status: "pending_submit" }, sentMs);
      try {
        const placed = await exchange.createOrder(order.symbol, order.type, order.side, order.quantity, order.limitPrice,
          { clientOrderId: order.clientOrderId, recvWindow: this.recvWindow() });
        return this.adopt(order, placed);
      } catch (e) {
        const failure = orderFailure(e);
        const reason = `${errorClass(e)}: ${e instanceof Error ? e.message : String(e)}`;
        if (failure === "rejected") {
          await this.audit("order_rejected", { clientOrderId: order.clientOrderId, reason });
          return { order: await this.patch(order, "rejected", { status: "rejected", reason }) };
        }
        order = await this.patch(order, "no_answer", { status: "unknown", reason });
        if (failure === "rate_limited") await this.sleep(this.delay(attempt, retryAfterMs(e, exchange)));
        // no answer, or a refusal for speed: the order may be there; find it by its client id
        const found = await this.lookup(order);
        if (found === "unreachable") return { order };
        if (found) return this.adopt(order, found);
        // a refusal for speed is an answer (the request was not handled): only a lost one must wait out its window
        if (failure === "unknown" && !this.outsideWindow(order)) {
          await this.waitOutWindow(order);
          const late = await this.lookup(order);
          if (late === "unreachable") return { order };
          if (late) return this.adopt(order, late);
        }
        if (attempt + 1 >= this.maxReads()) return { order };
        if (this.halted) return { order: await this.patch(order, "halted", { status: "rejected", reason: "HALTED: the kill switch is on" }) };
        await this.audit("resend", { clientOrderId: order.clientOrderId, after: reason });
      }
    }
  }

  /**
   * Asks the exchange for an order by client id, retrying reads. Undefined: the exchange says it
   * does not have it; "unreachable": no answer after every attempt.
   */
  async lookup(order: Pick<StoredOrder, "clientOrderId" | "symbol">): Promise<CcxtOrder | undefined | "unreachable"> {
    const { exchange } = this.options;
    for (let attempt = 0; attempt < this.maxReads(); attempt++) {
      try {
        return await exchange.fetchOrder("", order.symbol, { clientOrderId: order.clientOrderId });
      } catch (e) {
        if (e instanceof ccxt.OrderNotFound) return undefined;
        if (!isTransient(e) && !isRateLimit(e)) throw e;
        await this.sleep(this.delay(attempt, retryAfterMs(e, exchange)));
      }
    }
    return "unreachable";
  }

  /** Cancels an order at the exchange (throttled); resolves with its state after the cancel, as the exchange reports it. */
  async cancel(order: StoredOrder): Promise<SubmitOutcome> {
    const { exchange } = this.options;
    for (let attempt = 0; attempt < this.maxReads(); attempt++) {
      await this.cancels.take();
      try {
        const answer = await exchange.cancelOrder(order.exchangeOrderId ?? "", order.symbol, { clientOrderId: order.clientOrderId });
        await this.audit("cancel", { clientOrderId: order.clientOrderId });
        return this.adopt(order, answer);
      } catch (e) {
        if (e instanceof ccxt.OrderNotFound) {
          // gone already (filled or canceled): learn which
          const found = await this.lookup(order);
          if (found && found !== "unreachable") return this.adopt(order, found);
          return { order };
        }
        if (!isTransient(e) && !isRateLimit(e)) {
          await this.audit("cancel_refused", { clientOrderId: order.clientOrderId, reason: `${errorClass(e)}: ${(e as Error).message}` });
          return { order };
        }
        await this.sleep(this.delay(attempt, retryAfterMs(e, exchange)));
      }
    }
    return { order };
  }

  /** Takes the exchange's view of an order into the journal. */
  async adopt(order: StoredOrder, x: CcxtOrder): Promise<SubmitOutcome> {
    const status = statusOf(x);
    const patched = await this.patch(order, "exchange_state", {
      status, ...(x.id ? { exchangeOrderId: x.id } : {}), filledQuantity: x.filled ?? 0, ...(x.average !== undefined ? { averagePrice: x.average } : {}),
      ...(status === "rejected" || status === "expired" ? { reason: `exchange: ${x.status}` } : {}),
    });
    return { order: patched, exchangeOrder: x };
  }

  private async patch(order: StoredOrder, event: string, change: Omit<OrderUpdate, "timeMs" | "event">, timeMs = this.now()): Promise<StoredOrder> {
    await this.options.journal.updateOrder(order.clientOrderId, { ...change, timeMs, event });
    return { ...order, ...change, updatedMs: timeMs };
  }

  private async record(order: StoredOrder): Promise<void> {
    await this.options.journal.recordIntent(order);
    if (order.status !== "pending_submit") await this.options.journal.updateOrder(order.clientOrderId, { timeMs: order.updatedMs, event: order.status, status: order.status, ...(order.reason ? { reason: order.reason } : {}) });
  }

  private audit(action: string, details: Readonly<Record<string, unknown>>): Promise<void> {
    return this.options.journal.audit({ timeMs: this.now(), actor: ACTOR, action, details });
  }

  private outsideWindow(order: StoredOrder): boolean {
    return this.now() > order.updatedMs + this.recvWindow();
  }

  /** Sleeps until the receive window after `order.updatedMs` has passed (a timer may wake a millisecond early). */
  private async waitOutWindow(order: StoredOrder): Promise<void> {
    while (!this.outsideWindow(order)) await this.sleep(Math.max(1, order.updatedMs + this.recvWindow() - this.now() + 1));
  }

  private recvWindow(): number {
    return this.options.recvWindowMs ?? 10_000;
  }

  private maxReads(): number {
    return this.options.maxReadAttempts ?? 8;
  }

  private delay(attempt: number, retryAfter: number | undefined): number {
    const backoff = Math.min(this.backoff.max, this.backoff.initial * 2 ** attempt);
    return Math.max(backoff, retryAfter ?? 0);
  }
}

/** A journal row for a new request. */
function stored(r: OrderRequest, clientOrderId: string, timeMs: number, status: StoredOrderStatus, reason?: string): StoredOrder {
  return {
    clientOrderId, symbol: r.symbol, side: r.side, type: r.type, quantity: r.quantity, limitPrice: r.limitPrice, source: r.source,
    strategy: r.strategy, engineId: r.engineId, tag: r.tag, reason, createdMs: timeMs, updatedMs: timeMs, status,
    exchangeOrderId: undefined, filledQuantity: 0, averagePrice: undefined,
  };
}

/** The journal's status for a ccxt order. */
export function statusOf(x: CcxtOrder): StoredOrderStatus {
  const filled = x.filled ?? 0;
  switch (x.status) {
    case "closed": return "filled";
    case "canceled": return "canceled";
    case "expired": return "expired";
    case "rejected": return "rejected";
    default: return filled > 0 ? "partially_filled" : "new";
  }
}
