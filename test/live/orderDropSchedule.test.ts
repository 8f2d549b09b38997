/**
 * The trader's other ways in: an order CSV dropped in the account's folder (validated, each line
 * risk-checked, each order sent exactly once, even when the process is killed halfway through
 * the file and started again), and scheduled jobs (flatten, pause, resume, disconnect, connect)
 * fired on an injected clock, each audited as `schedule:<name>`.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runScheduled, traderHost } from "../../engine/node/cli/live.ts";
import { AccountStore } from "../../engine/node/live/accountStore.ts";
import { Scheduler, scheduleEntrySchema, type SchedulerClock } from "../../engine/node/live/schedule.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";
import { generatedMinutes } from "../fixtures/binanceData.ts";
import { orderRoutes } from "../fixtures/binanceOrderRoutes.ts";
import { startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import { startRig, step, subscribed, until as waitUntil, type Rig } from "./liveHarness.ts";
import { klinesSubscribed, startTrader, traderEnv, until, writeAccount, type AccountFolder, type TraderProcess } from "./traderProcess.ts";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
let sim: BinanceSimulator | undefined;
let account: AccountFolder | undefined;
let proc: TraderProcess | undefined;
let rig: Rig | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  release?.();
  await proc?.stop("SIGKILL");
  await sim?.close();
  await rig?.close();
  if (account) await rm(account.dir, { recursive: true, force: true });
  sim = account = proc = rig = release = undefined;
});

/** Writes a drop file dated a minute ago, so that the folder watcher takes it as complete. */
async function drop(folder: string, name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  const past = new Date(Date.now() - 60_000);
  await utimes(path, past, past);
  return createHash("sha256").update(text).digest("hex");
}

describe("the order-drop folder of the trader process", () => {
  it("validates a file, refuses a line that breaks a risk rule with its code (audited), and sends each order exactly once across a SIGKILL and restart", async () => {
    sim = await startBinanceSimulator({
      bars: { BTCUSDT: generatedMinutes(T0, T0 + 2 * 86_400_000) }, replay: { startMs: T0 + 600 * MIN },
      account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true },
    });
    account = await writeAccount(sim, { orderDrop: { folder: "drop", pollMs: 100 }, risk: { maxOrderNotional: 50_000 } });
    const folder = join(account.accounts, "drop");
    proc = await startTrader(account, traderEnv(sim));
    await klinesSubscribed(sim);

    // the exchange takes the first order but its answer is held: the process dies waiting for it
    const place = orderRoutes({ account: sim.account, state: sim.state, credentials: sim.credentials, authClock: Date.now })
      .find((r) => r.method === "POST" && r.path === "/api/v3/order")!;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    sim.route("POST", "/api/v3/order", async (req) => {
      const answer = await place.handler(req);
      if (held++ === 0) await gate;
      return answer;
    });
    sim.streams.faults.hold("user");
    const text = "symbol,side,quantity,tag\nBTC/USDT,buy,0.01,first\nBTC/USDT,buy,5,too-big\nBTC/USDT,buy,0.02,third\n";
    const hash = await drop(folder, "orders.csv", text);
    const id = (line: number) => `drop-${hash.slice(0, 16)}-${line}`;
    await until(() => held === 1, "the first line's order reached the exchange");
    await proc.stop("SIGKILL");
    sim.streams.faults.release();
    expect(existsSync(join(folder, "orders.csv"))).toBe(true); // not yet processed

    proc = await startTrader(account, traderEnv(sim));
    expect(proc.logs().find((l) => l.msg === "ready")!.reconciled).toBe(true);
    await until(() => existsSync(join(folder, "processed", "orders.csv")), "the file was processed");
    await until(async () => (await proc!.api("/orders")).body.filter((o: any) => o.status === "filled").length === 2, "both orders filled");

    // each good line once at the exchange, the risky one never
    const sent = sim.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order").map((r) => new URLSearchParams(r.body).get("newClientOrderId") ?? r.query.newClientOrderId);
    expect(sent).toEqual([id(2), id(4)]);
    expect(sim.account.orders().map((o) => [o.clientOrderId, o.side, o.origQty, o.status])).toEqual([[id(2), "BUY", 0.01, "FILLED"], [id(4), "BUY", 0.02, "FILLED"]]);
    const audit = (await proc.api("/audit?limit=10000")).body as Array<{ actor: string; action: string; details: any }>;
    const refused = audit.filter((e) => e.actor === "risk" && e.action === "order_rejected");
    expect(refused.map((e) => e.details.code)).toEqual(["MAX_ORDER_NOTIONAL"]);
    expect(refused[0]!.details.message).toMatch(/^MAX_ORDER_NOTIONAL: max=50000, notional=/);
    const manual = audit.filter((e) => e.actor.startsWith("drop:orders.csv:"));
    expect(manual.map((e) => [e.actor, e.action, e.details.status ?? null])).toEqual([
      ["drop:orders.csv:2", "manual_order", "new"], // first run: sent, then the process died
      ["drop:orders.csv:2", "manual_order_known", null], // the restart hands it over again: already journaled, not sent
      ["drop:orders.csv:3", "manual_order", "rejected"],
      ["drop:orders.csv:4", "manual_order", "new"],
    ]);
    const status = (await proc.api("/status")).body;
    expect(status.positions[0].quantity).toBeCloseTo(0.03, 8);

    // the same content again is refused as a duplicate; a bad file is refused whole, with every problem
    await drop(folder, "again.csv", text);
    await drop(folder, "bad.csv", "symbol,side,quantity\nBTC/USDT,hold,1\nETH/USDT,buy,-2\n");
    await until(() => existsSync(join(folder, "rejected", "again.csv")) && existsSync(join(folder, "rejected", "bad.csv")), "both files were rejected");
    expect(readFileSync(join(folder, "rejected", "again.csv.errors.txt"), "utf8")).toMatch(/^again\.csv:1: the same content was already processed as orders\.csv/);
    expect(readFileSync(join(folder, "rejected", "bad.csv.errors.txt"), "utf8").trim().split("\n")).toEqual([
      'bad.csv:2: column 2 "side": must be buy or sell, got "hold"',
      expect.stringMatching(/^bad\.csv:3: column 3 "quantity": must be a positive number/),
    ]);
    expect(readdirSync(join(folder, "processed"))).toEqual(["orders.csv"]);
    expect(sim.account.orders()).toHaveLength(2);

    expect((await proc.stop("SIGTERM")).code).toBe(0);
    const store = await AccountStore.open(account.storeFile, { account: "sim" });
    try {
      expect((await store.processedFile(hash))?.outcome).toBe("processed");
      expect((await store.orders()).map((o) => [o.clientOrderId, o.status])).toEqual([[id(2), "filled"], [id(4), "filled"]]);
    } finally {
      await store.close();
    }
  }, 240_000);
});

/** A clock the scheduler runs on: time moves only when the test says so. */
class TestClock implements SchedulerClock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 0;
  constructor(public t: number) {}
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    this.timers.set(++this.next, { at: this.t + ms, fn });
    return this.next;
  };
  clearTimer = (handle: unknown) => void this.timers.delete(handle as number);
  /** Moves to `to`, running every timer due on the way, in order. */
  advanceTo(to: number): void {
    for (;;) {
      const due = [...this.timers].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = to;
  }
}

describe("scheduled jobs", () => {
  it("flatten, pause, resume, disconnect and connect fire at their times on the trader and are audited as schedule:<name>", async () => {
    rig = await startRig({ mode: "paper", start: false });
    const r = rig;
    const host = traderHost({ config: r.config, strategy: smaCrossover, exchange: r.exchange, store: r.store, log: r.log, warmupBars: 0 });
    r.trader = host.trader();
    await r.trader.start();
    await subscribed(r);
    for (let i = 0; i < 400 && !(r.trader.status().positions[0]!.quantity > 0); i++) await step(r);
    expect(r.trader.status().positions[0]!.quantity).toBeGreaterThan(0);

    const day = Date.UTC(2025, 2, 3); // a Monday
    const clock = new TestClock(day + 21 * 3_600_000);
    const entries = [
      { name: "close-out", at: "21:55", action: "flatten", days: ["mon", "tue", "wed", "thu", "fri"] },
      { name: "overnight", at: "22:00", action: "pause" },
      { name: "session-end", at: "22:05", action: "disconnect" },
      { name: "session-start", at: "07:55", action: "connect" },
      { name: "morning", at: "08:00", action: "resume" },
    ].map((e) => scheduleEntrySchema.parse(e));
    const fired: Array<Promise<void>> = [];
    const errors: unknown[] = [];
    const scheduler = new Scheduler(entries, { clock, onFire: (entry) => { const p = runScheduled(host, entry); fired.push(p); return p; }, onError: (e) => void errors.push(e) });
    scheduler.start();
    const at = async (hhmm: string, next = 0) => {
      const [h, m] = hhmm.split(":").map(Number);
      clock.advanceTo(day + next * 86_400_000 + (h! * 60 + m!) * 60_000);
      await Promise.all(fired);
    };

    await at("21:54");
    expect(fired).toHaveLength(0);
    await at("21:55");
    await step(r); // the flatten order fills at the next open
    expect(r.trader.status().positions[0]!.quantity).toBe(0);
    await at("22:00");
    expect(r.trader.status().risk).toBe("HALTED");
    await at("22:05");
    expect(host.trader().state).toBe("stopped");
    await at("07:55", 1);
    await waitUntil(() => host.trader().state === "running", "the strategy started again");
    r.trader = host.trader();
    await subscribed(r);
    expect(r.trader.status().risk).toBe("HALTED"); // the pause outlives the restart
    await at("08:00", 1);
    expect(r.trader.status().risk).toBe("ACTIVE");
    await step(r);
    scheduler.stop();
    expect(errors).toEqual([]);

    const audit = (await r.store.auditLog()).filter((e) => e.actor.startsWith("schedule:"));
    expect(audit.map((e) => [e.actor, e.action])).toEqual([
      ["schedule:close-out", "flatten"], ["schedule:overnight", "pause"], ["schedule:session-end", "strategy_stop"],
      ["schedule:session-start", "strategy_start"], ["schedule:morning", "resume"],
    ]);
    expect((audit[0]!.details as { orders: number }).orders).toBe(1);
    await host.stopStrategy("test");
  }, 180_000);
});
