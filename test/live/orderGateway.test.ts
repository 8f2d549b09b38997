/**
 * Issue 5, order safety: the OrderGateway with a real ccxt.binance client against the local
 * Binance simulator and a real AccountStore on disk. Every ccxt error class either retries or
 * does not, as the gateway's header says; the journal row exists before the request leaves;
 * nothing is ever sent twice. Waits are counted through the injected sleep, never timed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ccxt from "ccxt";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore, type StoredOrder } from "../../engine/node/live/accountStore.ts";
import { OrderGateway, type GatewayOptions, type OrderRequest } from "../../engine/node/live/orderGateway.ts";
import { orderRoutes } from "../fixtures/binanceOrderRoutes.ts";
import { binanceClient, startBinanceSimulator, type BinanceSimulator, type SimRequest } from "../fixtures/binanceSimulator.ts";
import { generatedMinutes } from "../fixtures/binanceData.ts";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const START = T0 + 600 * MIN;
const MINUTES = generatedMinutes(T0, T0 + 86_400_000);

const isNewOrder = (r: SimRequest) => r.method === "POST" && r.path === "/api/v3/order";
const isOrderLookup = (r: SimRequest) => r.method === "GET" && r.path === "/api/v3/order";
/** The order requests the simulator received (new orders and lookups), as "METHOD status". */
const orderTraffic = (sim: BinanceSimulator) =>
  sim.requests.filter((r) => isNewOrder(r) || isOrderLookup(r)).map((r) => `${r.method} ${r.status ?? "…"}`);
const clientIdOf = (r: SimRequest) => new URLSearchParams(r.body).get("newClientOrderId");

const BUY: OrderRequest = { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.01, source: "test" };

interface Rig {
  sim: BinanceSimulator;
  exchange: InstanceType<typeof ccxt.binance>;
  store: AccountStore;
  gateway: OrderGateway;
  /** Every wait the gateway asked for (its throttle, backoff and receive-window waits), ms. */
  sleeps: number[];
  /** The gateway's clock. */
  now: () => number;
  events(clientOrderId: string): Promise<string[]>;
}

let dir: string | undefined;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.store.close();
  await rig?.sim.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  rig = undefined;
  dir = undefined;
});

/**
 * A simulator, a ccxt.binance on it, a store and a gateway. `clock: "virtual"` makes the gateway's
 * sleeps return at once and move its clock instead (for backoff and throttle arithmetic);
 * "real" sleeps for real (where the simulator must see time pass: receive windows, timeouts).
 */
async function start(options: {
  clock?: "virtual" | "real";
  gateway?: Partial<GatewayOptions>;
  client?: Parameters<typeof binanceClient>[1];
} = {}): Promise<Rig> {
  const sim = await startBinanceSimulator({ bars: { BTCUSDT: MINUTES }, replay: { startMs: START }, account: { balances: { USDT: 100_000, BTC: 0 } } });
  const exchange = binanceClient(sim.url, { ...sim.credentials, enableRateLimit: false, ...options.client });
  await exchange.loadMarkets();
  dir = await mkdtemp(join(tmpdir(), "qw-gateway-"));
  const store = await AccountStore.open(join(dir, "account.duckdb"));
  const sleeps: number[] = [];
  let virtual = Date.now();
  const clock = options.clock === "real"
    ? { now: Date.now, sleep: (ms: number) => { sleeps.push(ms); return new Promise<void>((r) => setTimeout(r, ms)); } }
    : { now: () => virtual, sleep: async (ms: number) => { sleeps.push(ms); virtual += ms; } };
  const gateway = new OrderGateway({
    exchange, journal: store, prefix: "t", firstSequence: 1, debounceMs: 0, recvWindowMs: 1000, backoffMs: { initial: 100, max: 250 },
    ordersPerSecond: 1000, cancelsPerSecond: 1000, ...clock, ...options.gateway,
  });
  rig = { sim, exchange, store, gateway, sleeps, now: options.gateway?.now ?? clock.now, events: async (id) => (await store.orderEvents(id)).map((e) => e.event) };
  return rig;
}

/** The simulator's orders (every one it accepted) as [client id, status]. */
const exchangeOrders = (sim: BinanceSimulator) => sim.account.orders().map((o) => [o.clientOrderId, o.status]);

/** The journal row agrees with what the exchange holds for it. */
async function expectJournalIsExchange(r: Rig, order: StoredOrder): Promise<void> {
  const row = (await r.store.order(order.clientOrderId))!;
  const x = r.sim.account.find("BTCUSDT", { clientOrderId: order.clientOrderId })!;
  expect(row).toMatchObject({ status: x.status === "FILLED" ? "filled" : "new", exchangeOrderId: String(x.orderId), filledQuantity: x.executedQty });
}

describe("the order gateway refuses for good what the exchange refused", () => {
  const refusals: Array<[string, typeof ccxt.BaseError, (r: Rig) => Promise<OrderRequest>]> = [
    ["InsufficientFunds: a buy the balance cannot pay for", ccxt.InsufficientFunds, async () => ({ ...BUY, quantity: 10 })],
    ["InvalidOrder: a LOT_SIZE filter refusal", ccxt.InvalidOrder, async (r) => {
      r.sim.faults.reject("LOT_SIZE", { path: isNewOrder });
      return BUY;
    }],
    ["BadRequest (an InvalidOrder's sibling): a NOTIONAL filter refusal of an order worth under 5 USDT", ccxt.BadRequest, async () => ({ ...BUY, quantity: 0.0001 })],
    ["AuthenticationError: a request signed with the wrong secret", ccxt.AuthenticationError, async (r) => {
      r.exchange.secret = "not-the-secret";
      return BUY;
    }],
  ];

  for (const [name, errorClass, prepare] of refusals) {
    it(`${name}: rejected after exactly one request, never retried, never looked up`, async () => {
      const r = await start();
      const intent = await prepare(r);
      const { order, exchangeOrder } = await r.gateway.submit(intent);
      expect(exchangeOrder).toBeUndefined();
      expect(order).toMatchObject({ clientOrderId: "t-1", status: "rejected" });
      expect(order.reason).toMatch(new RegExp(`^${errorClass.name}: `));
      expect(await r.store.order("t-1")).toMatchObject({ status: "rejected", reason: order.reason });
      expect(await r.events("t-1")).toEqual(["intent", "submitted", "rejected"]);
      expect(orderTraffic(r.sim)).toEqual([expect.stringMatching(/^POST 40[01]$/)]);
      expect(r.sim.account.orders()).toEqual([]);
      expect(r.sleeps).toEqual([]);
    });
  }

  it("each of those refusals is the ccxt class named (checked on the client directly)", async () => {
    const r = await start();
    const outcome = (p: Promise<unknown>) => p.then(() => "placed", (e: unknown) => e);
    expect(await outcome(r.exchange.createOrder("BTC/USDT", "market", "buy", 10))).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(await outcome(r.exchange.createOrder("BTC/USDT", "market", "buy", 0.0001))).toBeInstanceOf(ccxt.BadRequest);
    r.sim.faults.reject("LOT_SIZE", { path: isNewOrder });
    expect(await outcome(r.exchange.createOrder("BTC/USDT", "market", "buy", 0.01))).toBeInstanceOf(ccxt.InvalidOrder);
    r.exchange.secret = "not-the-secret";
    expect(await outcome(r.exchange.createOrder("BTC/USDT", "market", "buy", 0.01))).toBeInstanceOf(ccxt.AuthenticationError);
    expect(r.sim.account.orders()).toEqual([]);
  });
});

describe("the order gateway never sends an order twice", () => {
  it("journals the order (pending_submit) before its request leaves", async () => {
    const r = await start();
    const original = orderRoutes({ account: r.sim.account, state: r.sim.state, credentials: r.sim.credentials, authClock: Date.now })
      .find((x) => x.method === "POST" && x.path === "/api/v3/order")!;
    const seen: Array<{ clientOrderId: string | null; row: StoredOrder | undefined; events: string[] }> = [];
    r.sim.route("POST", "/api/v3/order", async (req) => {
      const id = clientIdOf(req);
      seen.push({ clientOrderId: id, row: await r.store.order(id!), events: await r.events(id!) });
      return original.handler(req);
    });
    const { order } = await r.gateway.submit(BUY);
    expect(order.status).toBe("filled");
    expect(seen).toEqual([{ clientOrderId: "t-1", row: expect.objectContaining({ status: "pending_submit", quantity: 0.01 }), events: ["intent", "submitted"] }]);
  });

  it("DDoSProtection / RateLimitExceeded (429 with Retry-After): backs off at least Retry-After, looks the order up by client id, sends it once more", async () => {
    const r = await start({ gateway: { recvWindowMs: 5000 } });
    r.sim.faults.reject("TOO_MANY_REQUESTS", { path: isNewOrder, retryAfter: 3 });
    const { order } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ clientOrderId: "t-1", status: "filled", filledQuantity: 0.01 });
    // Retry-After, and no receive-window wait: a 429 is an answer, the request was not handled
    expect(r.sleeps).toEqual([3000]);
    expect(orderTraffic(r.sim)).toEqual(["POST 429", "GET 400", "POST 200"]);
    expect(r.sim.requests.filter(isNewOrder).map(clientIdOf)).toEqual(["t-1", "t-1"]);
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
    expect(await r.events("t-1")).toEqual(["intent", "submitted", "no_answer", "submitted", "exchange_state"]);
    const noAnswer = (await r.store.orderEvents("t-1"))[2]!;
    expect(noAnswer).toMatchObject({ status: "unknown", details: { reason: expect.stringMatching(/^DDoSProtection: /) } });
    await expectJournalIsExchange(r, order);
  });

  it("RequestTimeout (the order accepted, its answer later than the client's timeout): UNKNOWN, found by client id, one order", async () => {
    const r = await start({ clock: "real", client: { timeout: 1000 } });
    r.sim.faults.delay(2500, { path: isNewOrder, afterProcessing: true });
    const { order, exchangeOrder } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
    expect(exchangeOrder).toMatchObject({ clientOrderId: "t-1", status: "closed" });
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
    expect(r.sim.requests.filter(isNewOrder)).toHaveLength(1);
    expect(r.sim.requests.filter(isOrderLookup)).toHaveLength(1);
    const events = await r.store.orderEvents("t-1");
    expect(events.map((e) => [e.event, e.status])).toEqual([["intent", "pending_submit"], ["submitted", "pending_submit"], ["no_answer", "unknown"], ["exchange_state", "filled"]]);
    expect(events[2]!.details).toEqual({ reason: expect.stringMatching(/^RequestTimeout: /) });
    await expectJournalIsExchange(r, order);
  });

  for (const stage of ["before-headers", "mid-body"] as const) {
    it(`NetworkError (the connection dropped ${stage}, the order placed): UNKNOWN, found by client id, one order`, async () => {
      const r = await start();
      r.sim.faults.drop({ path: isNewOrder, stage });
      const { order } = await r.gateway.submit(BUY);
      expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
      expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
      expect(orderTraffic(r.sim)).toEqual(["POST 200", "GET 200"]);
      const events = await r.store.orderEvents("t-1");
      expect(events.map((e) => [e.event, e.status])).toEqual([["intent", "pending_submit"], ["submitted", "pending_submit"], ["no_answer", "unknown"], ["exchange_state", "filled"]]);
      expect(r.sleeps).toEqual([]);
      await expectJournalIsExchange(r, order);
    });
  }

  it("ExchangeNotAvailable (5xx) on the lookup: the read is retried with capped backoff until the exchange answers", async () => {
    const r = await start();
    const outage = { path: isOrderLookup, body: "<html><body><h1>503 Service Unavailable</h1></body></html>" };
    r.sim.faults.fail(503, { ...outage, times: 1 });
    const direct = await r.exchange.fetchOrder("", "BTC/USDT", { clientOrderId: "nothing" }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    r.sim.requests.length = 0;

    r.sim.faults.drop({ path: isNewOrder, stage: "before-headers" });
    r.sim.faults.fail(503, { ...outage, times: 4 });
    const { order } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
    expect(orderTraffic(r.sim)).toEqual(["POST 200", "GET 503", "GET 503", "GET 503", "GET 503", "GET 200"]);
    expect(r.sleeps).toEqual([100, 200, 250, 250]); // 100 · 2^n, capped at 250
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
  });

  it("a lookup that never gets an answer leaves the order UNKNOWN (not resent, not rejected)", async () => {
    const r = await start({ gateway: { maxReadAttempts: 3 } });
    r.sim.faults.drop({ path: isNewOrder, stage: "before-headers" });
    r.sim.faults.fail(503, { path: isOrderLookup, times: Infinity });
    const { order } = await r.gateway.submit(BUY);
    expect(order.status).toBe("unknown");
    expect(await r.store.order("t-1")).toMatchObject({ status: "unknown" });
    expect(orderTraffic(r.sim)).toEqual(["POST 200", "GET 503", "GET 503", "GET 503"]);
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
  });

  it("ExchangeNotAvailable (5xx) on the order itself, nothing made: looked up, declared not placed only after its receive window, sent once more", async () => {
    const r = await start({ gateway: { recvWindowMs: 5000 } });
    r.sim.faults.fail(503, { path: isNewOrder, body: "<html><body><h1>503 Service Unavailable</h1></body></html>" });
    const { order } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
    expect(orderTraffic(r.sim)).toEqual(["POST 503", "GET 400", "GET 400", "POST 200"]);
    expect(r.sleeps).toEqual([5001]); // the window, on the gateway's clock
    const events = await r.store.orderEvents("t-1");
    expect(events.map((e) => e.event)).toEqual(["intent", "submitted", "no_answer", "submitted", "exchange_state"]);
    expect(events[2]!.details).toEqual({ reason: expect.stringMatching(/^ExchangeNotAvailable: /) });
    expect(events[3]!.timeMs - events[2]!.timeMs).toBeGreaterThan(5000);
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
  });

  it("an order whose request never reached the matching engine is declared never placed only after the receive window, then sent once more with the same client id", async () => {
    // The request is held before it is processed for longer than the client waits and longer than
    // the receive window: when it finally arrives, the exchange refuses it as too old (-1021).
    const r = await start({ clock: "real", client: { timeout: 1000 }, gateway: { recvWindowMs: 1500 } });
    r.sim.faults.delay(4000, { path: isNewOrder });
    const { order } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
    const events = await r.store.orderEvents("t-1");
    expect(events.map((e) => e.event)).toEqual(["intent", "submitted", "no_answer", "submitted", "exchange_state"]);
    // resent only once the first request's receive window had passed since it was given up on
    expect(events[3]!.timeMs - events[2]!.timeMs).toBeGreaterThan(1500);
    const audit = await r.store.auditLog();
    expect(audit.map((a) => a.action)).toEqual(["resend"]);
    // the late request arrives and is refused by the exchange as outside its receive window
    const [late, again] = r.sim.requests.filter(isNewOrder);
    await waitFor(() => late!.status !== undefined, "the held request to be answered");
    expect(late!.status).toBe(400);
    expect([clientIdOf(late!), clientIdOf(again!)]).toEqual(["t-1", "t-1"]);
    expect(new URLSearchParams(late!.body).get("recvWindow")).toBe("1500");
    expect(r.sim.requests.filter(isOrderLookup).map((q) => q.status)).toEqual([400, 400]);
    expect(exchangeOrders(r.sim)).toEqual([["t-1", "FILLED"]]);
  });
});

describe("the order gateway's recovery of a journaled order (a restart)", () => {
  const journaled = async (r: Rig, clientOrderId: string) => {
    await r.store.recordIntent({ clientOrderId, symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.01, source: "test", createdMs: r.now() });
    return (await r.store.order(clientOrderId))!;
  };

  it("adopts an order the exchange has by its client id", async () => {
    const r = await start();
    await r.exchange.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, { clientOrderId: "t-9" });
    const { order } = await r.gateway.recover(await journaled(r, "t-9"), true);
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.01 });
    expect(r.sim.requests.filter(isNewOrder)).toHaveLength(1); // only the one made above
  });

  it("declares one the exchange lacks never placed once its receive window has passed, sending nothing when it is no longer fresh", async () => {
    const r = await start();
    const { order } = await r.gateway.recover(await journaled(r, "t-9"), false);
    expect(order.status).toBe("never_placed");
    expect(await r.store.order("t-9")).toMatchObject({ status: "never_placed" });
    expect(r.sleeps.reduce((s, x) => s + x, 0)).toBeGreaterThan(1000);
    expect(orderTraffic(r.sim)).toEqual(["GET 400", "GET 400"]);
  });

  it("sends one the exchange lacks, once, when it is still fresh", async () => {
    const r = await start();
    const { order } = await r.gateway.recover(await journaled(r, "t-9"), true);
    expect(order.status).toBe("filled");
    expect(orderTraffic(r.sim)).toEqual(["GET 400", "GET 400", "POST 200"]);
    expect(exchangeOrders(r.sim)).toEqual([["t-9", "FILLED"]]);
  });
});

describe("the order gateway's debounce and throttle", () => {
  it("refuses the same intent again within debounceMs, without a request, and takes it once the debounce has passed", async () => {
    let now = 1_000_000;
    const r = await start({ gateway: { debounceMs: 1000, now: () => now } });
    const first = await r.gateway.submit(BUY);
    now += 999;
    const second = await r.gateway.submit(BUY);
    expect(first.order.status).toBe("filled");
    expect(second.order).toMatchObject({ clientOrderId: "t-2", status: "rejected", reason: "DEBOUNCED: the same order was sent 999 ms ago" });
    expect(await r.store.order("t-2")).toMatchObject({ status: "rejected", reason: second.order.reason });
    expect(r.sim.requests.filter(isNewOrder)).toHaveLength(1);
    const other = await r.gateway.submit({ ...BUY, quantity: 0.02 }); // another intent is not debounced
    expect(other.order.status).toBe("filled");
    now += 1;
    expect((await r.gateway.submit(BUY)).order.status).toBe("filled");
    expect(r.sim.requests.filter(isNewOrder).map(clientIdOf)).toEqual(["t-1", "t-3", "t-4"]);
    expect((await r.store.auditLog()).map((a) => a.action)).toEqual(["debounced"]);
  });

  it("spaces a burst of submits out: N orders at r a second wait for N − burst tokens, (N − burst)/r seconds in all", async () => {
    const rate = 2, burst = 2, n = 7;
    const r = await start({ gateway: { ordersPerSecond: rate } });
    const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => r.gateway.submit({ ...BUY, quantity: 0.01 + i * 0.001 })));
    expect(outcomes.map((o) => o.order.status)).toEqual(Array(n).fill("filled"));
    expect(r.sleeps).toHaveLength(n - burst);
    expect(r.sleeps.reduce((s, x) => s + x, 0)).toBeGreaterThanOrEqual(((n - burst) / rate) * 1000);
    expect(r.sim.requests.filter(isNewOrder).map(clientIdOf)).toEqual(Array.from({ length: n }, (_, i) => `t-${i + 1}`));
  });

  it("throttles cancels too, and a cancel of an order already gone learns its final state instead", async () => {
    const r = await start({ gateway: { cancelsPerSecond: 1 } });
    const price = 20_000; // far below the market: it rests
    const resting = await Promise.all([1, 2, 3].map((i) => r.gateway.submit({ ...BUY, type: "limit", limitPrice: price, quantity: 0.01 * i })));
    expect(resting.map((o) => o.order.status)).toEqual(["new", "new", "new"]);
    await r.exchange.cancelOrder("", "BTC/USDT", { clientOrderId: "t-3" }); // gone behind the gateway's back
    const canceled = [];
    for (const o of resting) canceled.push(await r.gateway.cancel(o.order));
    expect(canceled.map((c) => c.order.status)).toEqual(["canceled", "canceled", "canceled"]);
    expect(r.sleeps).toEqual([1000, 1000]); // burst 1 at 1/s: the second and third cancels waited a token each
    expect(r.sim.account.openOrders()).toEqual([]);
  });
});

describe("the order gateway's kill switch", () => {
  it("after halt() no order leaves; the refusal is journaled as final, not as an order waiting to be sent", async () => {
    const r = await start();
    r.gateway.halt();
    const { order } = await r.gateway.submit(BUY);
    expect(order).toMatchObject({ status: "rejected", reason: "HALTED: the kill switch is on" });
    expect(await r.store.order(order.clientOrderId)).toMatchObject({ status: "rejected", reason: "HALTED: the kill switch is on" });
    expect(await r.store.orders({ open: true })).toEqual([]);
    expect(r.sim.requests.filter(isNewOrder)).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
