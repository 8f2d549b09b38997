/**
 * Issue 5, test 2: the real trader process (`engine/node/cli/live.ts`) killed with SIGKILL after
 * an order is journaled but before the exchange's answer reaches it, and again after the answer:
 * on restart exactly one order exists at the simulator, nothing is sent twice, and the account's
 * store equals the simulator's account (orders, fills, position). SIGTERM stops it cleanly.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../engine/node/live/accountStore.ts";
import { generatedMinutes } from "../fixtures/binanceData.ts";
import { orderRoutes } from "../fixtures/binanceOrderRoutes.ts";
import { startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import {
  klinesSubscribed, startTrader, stepProcess, traderEnv, until, writeAccount, type AccountFolder, type TraderProcess,
} from "./traderProcess.ts";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const START = T0 + 600 * MIN;

let sim: BinanceSimulator | undefined;
let account: AccountFolder | undefined;
let trader: TraderProcess | undefined;
let releaseParked: (() => void) | undefined;
afterEach(async () => {
  releaseParked?.();
  await trader?.stop("SIGKILL");
  await sim?.close();
  if (account) await rm(account.dir, { recursive: true, force: true });
  sim = account = trader = releaseParked = undefined;
});

async function setUp(): Promise<{ sim: BinanceSimulator; account: AccountFolder }> {
  sim = await startBinanceSimulator({
    bars: { BTCUSDT: generatedMinutes(T0, T0 + 2 * 86_400_000) }, replay: { startMs: START },
    account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true },
  });
  account = await writeAccount(sim);
  return { sim, account };
}

async function start(): Promise<TraderProcess> {
  trader = await startTrader(account!, traderEnv(sim!));
  const ready = trader.logs().find((l) => l.msg === "ready")!;
  expect(ready.state, trader.lines.join("\n")).toBe("running");
  await klinesSubscribed(sim!);
  return trader;
}

/**
 * Holds the next new-order request until `release`: "after" the exchange placed it (only its answer
 * is late), or "before" (it has not reached the matching engine; once released it never does).
 */
function parkNextOrder(s: BinanceSimulator, where: "before" | "after"): { readonly arrived: boolean; release(): void } {
  const place = orderRoutes({ account: s.account, state: s.state, credentials: s.credentials, authClock: Date.now })
    .find((r) => r.method === "POST" && r.path === "/api/v3/order")!;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived = false;
  s.route("POST", "/api/v3/order", async (req) => {
    if (arrived) return place.handler(req);
    arrived = true;
    if (where === "before") {
      await gate;
      return { status: 503, body: { code: -1001, msg: "Internal error; unable to process your request. Please try again." } };
    }
    const answer = await place.handler(req);
    await gate;
    return answer;
  });
  releaseParked = release;
  return { get arrived() { return arrived; }, release };
}

/** Steps bars until the simulator has an order (at most `max` bars). */
async function stepUntilAnOrder(s: BinanceSimulator, p: TraderProcess, max = 400): Promise<void> {
  for (let i = 0; i < max && s.account.orders().length === 0; i++) await stepProcess(s, p, () => s.account.orders().length > 0);
  expect(s.account.orders().length, "the strategy decided within the bars given").toBe(1);
}

/** What the store holds, read once the process has let go of the file. */
async function readStore(file: string) {
  const store = await AccountStore.open(file, { account: "sim" });
  try {
    return { orders: await store.orders(), fills: await store.fills(), audit: await store.auditLog() };
  } finally {
    await store.close();
  }
}

/** The store and the simulator's account agree: the same orders (by client id), the same trades, the same position. */
async function expectStoreEqualsSimulator(s: BinanceSimulator, file: string) {
  const { orders, fills } = await readStore(file);
  const at = s.account.orders();
  expect(orders.map((o) => [o.clientOrderId, o.exchangeOrderId, o.side, o.quantity, o.status, o.filledQuantity]).sort())
    .toEqual(at.map((o) => [o.clientOrderId, String(o.orderId), o.side.toLowerCase(), o.origQty, o.status === "FILLED" ? "filled" : o.status.toLowerCase(), o.executedQty]).sort());
  expect(fills.map((f) => [f.tradeId, f.exchangeOrderId, f.side, f.quantity, f.price]).sort())
    .toEqual(s.account.trades().map((t) => [String(t.id), String(t.orderId), t.isBuyer ? "buy" : "sell", t.qty, t.price]).sort());
  const held = fills.reduce((q, f) => q + (f.side === "buy" ? f.quantity : -f.quantity), 0);
  expect(held).toBeCloseTo(s.account.balances().BTC!.free + s.account.balances().BTC!.locked, 8);
}

describe("the trader process killed around an order (issue 5, test 2)", () => {
  it("SIGKILL after the order is journaled and placed but before its answer: one order at the exchange after restart, and the store equals it", async () => {
    const { sim, account } = await setUp();
    let p = await start();
    const parked = parkNextOrder(sim, "after");
    sim.streams.faults.hold("user"); // nor does the user data stream tell it: the process learns nothing of the order
    await stepUntilAnOrder(sim, p);
    await until(() => parked.arrived, "the order request arrived");
    const placed = sim.account.orders()[0]!;
    await p.stop("SIGKILL");
    sim.streams.faults.release();

    // what the dead process left: the intent, journaled before the request left, with no answer
    const left = await readStore(account.storeFile);
    expect(left.orders.map((o) => [o.clientOrderId, o.status, o.exchangeOrderId])).toEqual([[placed.clientOrderId, "pending_submit", undefined]]);
    expect(left.fills).toEqual([]);

    p = await start();
    const ready = p.logs().find((l) => l.msg === "ready")!;
    expect(ready.reconciled).toBe(true);
    expect(ready.state).toBe("running");
    expect(sim.account.orders().map((o) => o.clientOrderId)).toEqual([placed.clientOrderId]);
    const orders = (await p.api("/orders")).body;
    expect(orders.map((o: any) => [o.clientOrderId, o.status, o.exchangeOrderId])).toEqual([[placed.clientOrderId, "filled", String(placed.orderId)]]);
    const status = (await p.api("/status")).body;
    expect(status.positions[0].quantity).toBeCloseTo(placed.executedQty, 8);
    expect(status.report.recovered).toEqual([{ clientOrderId: placed.clientOrderId, status: "filled" }]);

    // it trades on from there, and nothing it sends again repeats the first order
    for (let i = 0; i < 60; i++) await stepProcess(sim, p);
    const ids = sim.account.orders().map((o) => o.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await p.stop("SIGTERM")).code).toBe(0);
    await expectStoreEqualsSimulator(sim, account.storeFile);
  }, 240_000);

  it("SIGKILL after the answer is journaled: nothing is sent again on restart, and the store equals the exchange", async () => {
    const { sim, account } = await setUp();
    let p = await start();
    await stepUntilAnOrder(sim, p);
    const placed = sim.account.orders()[0]!;
    await until(async () => (await p.api("/orders")).body.some((o: any) => o.clientOrderId === placed.clientOrderId && o.status === "filled"),
      "the answer is journaled");
    await p.stop("SIGKILL");

    const requestsBefore = sim.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order").length;
    p = await start();
    expect(p.logs().find((l) => l.msg === "ready")!.reconciled).toBe(true);
    expect(sim.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order").length).toBe(requestsBefore);
    expect(sim.account.orders().length).toBe(1);
    const status = (await p.api("/status")).body;
    expect(status.state).toBe("running");
    expect(status.positions[0].quantity).toBeCloseTo(placed.executedQty, 8);
    expect((await p.stop("SIGTERM")).code).toBe(0);
    await expectStoreEqualsSimulator(sim, account.storeFile);
  }, 240_000);

  it("SIGKILL after the order is journaled but before it reached the exchange: after restart it is found missing, sent once with the same client id", async () => {
    const { sim, account } = await setUp();
    let p = await start();
    const parked = parkNextOrder(sim, "before");
    for (let i = 0; i < 400 && !parked.arrived; i++) await stepProcess(sim, p, () => parked.arrived);
    expect(parked.arrived).toBe(true);
    expect(sim.account.orders()).toEqual([]);
    await p.stop("SIGKILL");
    parked.release(); // the request dies with its connection: the exchange never places it

    const left = await readStore(account.storeFile);
    expect(left.orders.map((o) => o.status)).toEqual(["pending_submit"]);
    const clientOrderId = left.orders[0]!.clientOrderId;

    p = await start(); // reconciling waits out the request's receive window before it may send again
    expect(p.logs().find((l) => l.msg === "ready")!.reconciled).toBe(true);
    expect(sim.account.orders().map((o) => o.clientOrderId)).toEqual([clientOrderId]);
    const sent = sim.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order");
    const idOf = (r: (typeof sent)[number]) => new URLSearchParams(r.body).get("newClientOrderId") ?? r.query.newClientOrderId;
    expect(sent.map(idOf)).toEqual([clientOrderId, clientOrderId]); // the lost request and the one that counted
    const status = (await p.api("/status")).body;
    expect(status.report.recovered).toEqual([{ clientOrderId, status: "filled" }]);
    expect(status.positions[0].quantity).toBeCloseTo(sim.account.orders()[0]!.executedQty, 8);
    expect((await p.stop("SIGTERM")).code).toBe(0);
    await expectStoreEqualsSimulator(sim, account.storeFile);
  }, 240_000);

  it("SIGTERM stops it cleanly: exit 0, the store closed (checkpointed, no write-ahead log left)", async () => {
    const { sim, account } = await setUp();
    const p = await start();
    for (let i = 0; i < 5; i++) await stepProcess(sim, p);
    const ended = await p.stop("SIGTERM");
    expect(ended).toEqual({ code: 0, signal: null });
    const msgs = p.logs().map((l) => l.msg);
    expect(msgs.slice(msgs.indexOf("stopping"))).toContain("stopped");
    expect(existsSync(`${account.storeFile}.wal`)).toBe(false);
    const { audit } = await readStore(account.storeFile);
    expect(audit.length).toBeGreaterThan(0);
  }, 240_000);
});
