/**
 * The account store: what a write promise resolved for survives a SIGKILL; fills and bars are
 * stored once; one process per file; and research can read the file back (as a BarSeries, with
 * plain DuckDB SQL, and through readBars after a COPY to Parquet).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { barSeries } from "../../engine/bars.js";
import { AccountStore, type OrderIntent } from "../../engine/node/live/accountStore.js";
import { readBars } from "../../engine/node/readBars.js";

const ROOT = resolve(import.meta.dirname, "../..");
const T0 = Date.UTC(2025, 0, 6, 14, 30);
const MIN = 60_000;
let dir: string;
let n = 0;
const fresh = () => join(dir, `acct-${++n}.duckdb`);
const opened: AccountStore[] = [];
async function open(file = fresh(), account?: string): Promise<AccountStore> {
  const store = await AccountStore.open(file, account ? { account } : {});
  opened.push(store);
  return store;
}

const intent = (id: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  clientOrderId: id, symbol: "BTC/USDT", side: "buy", type: "limit", quantity: 0.25, limitPrice: 42_000,
  timeInForce: "GTC", source: "strategy", strategy: "sma-crossover", bundle: "b-1", reason: "cross up", createdMs: T0, ...over,
});

function minuteBars(symbol: string, start: number, count: number) {
  const time = Array.from({ length: count }, (_, i) => start + i * MIN);
  const close = time.map((_, i) => 100 + i * 0.1 + (i % 3) * 0.01);
  return barSeries({
    symbol, timeframe: "1m", time, open: close.map((c) => c - 0.05), high: close.map((c) => c + 0.2),
    low: close.map((c) => c - 0.2), close, volume: close.map((_, i) => 10 + i),
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "store-"));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe("orders", () => {
  it("records an intent once, before anything else, and follows its updates", async () => {
    const store = await open();
    expect(await store.recordIntent(intent("c-1"))).toBe(true);
    expect(await store.recordIntent(intent("c-1", { quantity: 99 }))).toBe(false);
    expect(await store.order("c-1")).toMatchObject({ status: "pending_submit", quantity: 0.25, filledQuantity: 0, exchangeOrderId: undefined, reduceOnly: false });

    await store.updateOrder("c-1", { timeMs: T0 + 1, event: "submitted", status: "new", exchangeOrderId: "X-9" });
    await store.updateOrder("c-1", { timeMs: T0 + 2, event: "fill", status: "partially_filled", filledQuantity: 0.1, averagePrice: 41_990 });
    await expect(store.updateOrder("nope", { timeMs: T0, event: "x" })).rejects.toMatchObject({ code: "STORE_NO_ORDER" });
    expect(await store.order("c-1")).toMatchObject({
      status: "partially_filled", exchangeOrderId: "X-9", filledQuantity: 0.1, averagePrice: 41_990, createdMs: T0, updatedMs: T0 + 2,
      source: "strategy", strategy: "sma-crossover", bundle: "b-1", reason: "cross up", timeInForce: "GTC", limitPrice: 42_000,
    });
    expect((await store.orderEvents("c-1")).map((e) => `${e.event}:${e.status}`)).toEqual(["intent:pending_submit", "submitted:new", "fill:partially_filled"]);

    await store.recordIntent(intent("c-2", { createdMs: T0 + 5, type: "market", limitPrice: undefined, engineId: 7 }));
    await store.recordIntent(intent("c-3", { createdMs: T0 + 6, symbol: "ETH/USDT" }));
    await store.updateOrder("c-3", { timeMs: T0 + 7, event: "canceled", status: "canceled", reason: "user" });
    await store.recordIntent(intent("c-4", { createdMs: T0 + 8 }));
    await store.updateOrder("c-4", { timeMs: T0 + 9, event: "send_failed", status: "never_placed", reason: "NetworkError before send" });
    expect((await store.orders({ open: true })).map((o) => o.clientOrderId)).toEqual(["c-1", "c-2"]);
    expect((await store.orders({ limit: 2 })).map((o) => o.clientOrderId)).toEqual(["c-3", "c-4"]);
    expect((await store.order("c-2"))?.engineId).toBe(7);
    expect((await store.orders({ symbol: "ETH/USDT" })).map((o) => o.status)).toEqual(["canceled"]);
    expect((await store.orderEvents("c-3")).at(-1)?.details).toEqual({ reason: "user" });
  });

  it("stores a fill once, however often it is reported", async () => {
    const store = await open();
    await store.recordIntent(intent("c-1"));
    const fill = { tradeId: "T-1", clientOrderId: "c-1", exchangeOrderId: "X-1", symbol: "BTC/USDT", side: "buy" as const,
      quantity: 0.1, price: 41_990, fee: 0.0001, feeCurrency: "BTC", liquidity: "maker" as const, timeMs: T0 + 10 };
    const results = await Promise.all([store.recordFill(fill), store.recordFill(fill), store.recordFill({ ...fill, price: 1 })]);
    expect(results).toEqual([true, false, false]);
    expect(await store.recordFill({ ...fill, tradeId: "T-2", quantity: 0.15 })).toBe(true);
    expect((await store.fills()).map((f) => `${f.tradeId} ${f.quantity}@${f.price}`)).toEqual(["T-1 0.1@41990", "T-2 0.15@41990"]);
    expect(await store.fills({ sinceMs: T0 + 11 })).toEqual([]);
    expect((await store.fills({ limit: 1 })).map((f) => f.tradeId)).toEqual(["T-2"]);
    expect((await store.orderEvents("c-1")).filter((e) => e.event === "fill")).toHaveLength(2);
  });
});

describe("positions, balances, audit, params, processed files", () => {
  it("keeps current positions, balance history, the audit trail and parameter history", async () => {
    const store = await open();
    await store.setPositions([{ symbol: "BTC/USDT", quantity: 0.25, averagePrice: 42_000, timeMs: T0 }]);
    await store.setPositions([{ symbol: "BTC/USDT", quantity: 0, averagePrice: 0, timeMs: T0 + 1 }, { symbol: "ETH/USDT", quantity: -1, averagePrice: 3000, timeMs: T0 + 1 }]);
    expect((await store.positions()).map((p) => `${p.symbol} ${p.quantity}`)).toEqual(["BTC/USDT 0", "ETH/USDT -1"]);

    await store.recordBalances([{ currency: "USDT", free: 900, used: 100, total: 1000, timeMs: T0 }, { currency: "BTC", free: 1, used: 0, total: 1, timeMs: T0 }]);
    await store.recordBalances([{ currency: "USDT", free: 800, used: 0, total: 800, timeMs: T0 + 60_000 }]);
    expect((await store.latestBalances()).map((b) => `${b.currency} ${b.total}`)).toEqual(["BTC 1", "USDT 800"]);

    await store.audit({ timeMs: T0, actor: "control-api:alice", action: "pause", details: { reason: "news" } });
    await store.audit({ timeMs: T0 + 1, actor: "schedule:close", action: "flatten" });
    expect((await store.auditLog()).map((a) => `${a.actor} ${a.action} ${JSON.stringify(a.details)}`))
      .toEqual(['control-api:alice pause {"reason":"news"}', "schedule:close flatten undefined"]);
    expect((await store.auditLog({ limit: 1 })).map((a) => a.action)).toEqual(["flatten"]);

    await store.recordParams({ timeMs: T0, strategy: "sma-crossover", params: { fast: 10, slow: 30 }, actor: "start" });
    await store.recordParams({ timeMs: T0 + 5, strategy: "sma-crossover", params: { fast: 12, slow: 30 }, actor: "control-api:alice", reason: "tuning" });
    await store.recordParams({ timeMs: T0 + 6, strategy: "sma-crossover", params: { fast: 500 }, actor: "control-api:bob", accepted: false, reason: "outside its range" });
    expect((await store.paramsHistory()).map((p) => `${p.params.fast} ${p.accepted}`)).toEqual(["10 true", "12 true", "500 false"]);

    expect(await store.state("baseline")).toBeUndefined();
    await store.setState("baseline", { cash: 1000, positions: [] }, T0);
    await store.setState("baseline", { cash: 900, positions: [{ symbol: "BTC/USDT", quantity: 1 }] }, T0 + 1);
    expect(await store.state("baseline")).toEqual({ cash: 900, positions: [{ symbol: "BTC/USDT", quantity: 1 }] });
  });

  it("moves a processed-file record from processing to its outcome, and only once", async () => {
    const store = await open();
    const file = { hash: "ab".repeat(32), name: "orders.csv", timeMs: T0, orders: 2 };
    expect(await store.recordProcessedFile({ ...file, outcome: "processing" })).toBe(true);
    expect(await store.recordProcessedFile({ ...file, outcome: "processing" })).toBe(true);
    expect(await store.recordProcessedFile({ ...file, outcome: "processed", timeMs: T0 + 1 })).toBe(true);
    expect(await store.recordProcessedFile({ ...file, outcome: "processed", timeMs: T0 + 2 })).toBe(false);
    expect(await store.recordProcessedFile({ ...file, outcome: "rejected" })).toBe(false);
    expect(await store.processedFile(file.hash)).toMatchObject({ outcome: "processed", timeMs: T0 + 1, orders: 2 });
    expect(await store.processedFile("00")).toBeUndefined();
  });
});

describe("bars", () => {
  it("stores a bar never twice and gives them back as a BarSeries", async () => {
    const store = await open();
    const first = minuteBars("BTC/USDT", T0, 100);
    expect(await store.recordBars(first)).toBe(100);
    expect(await store.recordBars(minuteBars("BTC/USDT", T0 + 50 * MIN, 100))).toBe(50); // overlaps by 50
    expect(await store.recordBars(first)).toBe(0);
    expect(await store.recordBar({ symbol: "BTC/USDT", timeframe: "1m", time: T0, open: 1, high: 1, low: 1, close: 1, volume: 1 })).toBe(false);
    expect(await store.recordBar({ symbol: "BTC/USDT", timeframe: "5m", time: T0, open: 1, high: 2, low: 1, close: 2, volume: 3 })).toBe(true);
    await expect(store.recordBar({ symbol: "BTC/USDT", timeframe: "5m", time: T0 + 5 * MIN, open: 1, high: 0.5, low: 1, close: 1, volume: 0 }))
      .rejects.toMatchObject({ code: "INCONSISTENT_HIGH" });

    const back = await store.recordedBars("BTC/USDT", "1m");
    expect(back.length).toBe(150);
    expect(back.timeframe).toBe("1m");
    expect(Array.from(back.close.subarray(0, 100))).toEqual(Array.from(first.close)); // the first copy of each bar is kept
    const window = await store.recordedBars("BTC/USDT", "1m", { fromMs: T0 + 10 * MIN, toMs: T0 + 20 * MIN });
    expect(Array.from(window.time)).toEqual(Array.from(first.time.subarray(10, 20)));
    const latest = await store.recordedBars("BTC/USDT", "1m", { last: 3 });
    expect(Array.from(latest.time)).toEqual([T0 + 147 * MIN, T0 + 148 * MIN, T0 + 149 * MIN]);
    expect((await store.recordedBars("ETH/USDT", "1m")).length).toBe(0);
  });

  it("is readable by research once closed: plain SQL, and readBars after a COPY to Parquet", async () => {
    const file = fresh();
    const store = await open(file, "main");
    const bars = minuteBars("BTC/USDT", T0, 300);
    await store.recordBars(bars);
    await store.recordBars(minuteBars("ETH/USDT", T0, 10));
    await store.close();

    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
      await db.run(`ATTACH '${file}' AS acct (READ_ONLY)`);
      const counts = (await db.runAndReadAll("SELECT symbol, count(*)::INTEGER, min(time) FROM acct.bars GROUP BY symbol ORDER BY symbol")).getRowsJS();
      expect(counts).toEqual([["BTC/USDT", 300, BigInt(T0)], ["ETH/USDT", 10, BigInt(T0)]]);
      const parquet = join(dir, "btc-from-store.parquet");
      await db.run(`COPY (SELECT symbol, time, open, high, low, close, volume FROM acct.bars WHERE symbol = 'BTC/USDT' AND timeframe = '1m' ORDER BY time)
                    TO '${parquet}' (FORMAT parquet)`);
      const read = await readBars(parquet);
      expect(read.symbol).toBe("BTC/USDT");
      expect(read.timeframe).toBe("1m");
      for (const col of ["time", "open", "high", "low", "close", "volume"] as const) expect(Array.from(read[col])).toEqual(Array.from(bars[col]));
    } finally {
      db.closeSync();
      instance.closeSync();
    }
    const again = await open(file, "main");
    expect((await again.recordedBars("BTC/USDT", "1m")).length).toBe(300);
  });
});

describe("one writer", () => {
  it("refuses a second open in this process, and a file of another account", async () => {
    const file = fresh();
    const store = await open(file, "main");
    await expect(AccountStore.open(file)).rejects.toMatchObject({ code: "STORE_LOCKED" });
    await store.close();
    await expect(store.order("x")).rejects.toMatchObject({ code: "STORE_CLOSED" });
    await expect(AccountStore.open(file, { account: "other" })).rejects.toMatchObject({ code: "STORE_ACCOUNT", message: expect.stringContaining('belongs to account "main"') });
    (await open(file, "main")).file;
  });
});

describe("crash safety", () => {
  it("keeps every write a SIGKILLed process had been told was committed, and refuses a second process meanwhile", async () => {
    const file = fresh();
    const script = join(dir, "writer.mjs");
    writeFileSync(script, `
      const { AccountStore } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "engine/node/live/accountStore.ts")).href)});
      const { barSeries } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "engine/bars.ts")).href)});
      const store = await AccountStore.open(process.argv[2], { account: "crash" });
      const T0 = ${T0};
      for (let i = 0; ; i++) {
        const id = "c-" + i;
        await store.recordIntent({ clientOrderId: id, symbol: "BTC/USDT", side: "buy", type: "market", quantity: 1, source: "test", createdMs: T0 + i });
        await store.updateOrder(id, { timeMs: T0 + i, event: "submitted", status: "new", exchangeOrderId: "X-" + i });
        await store.recordFill({ tradeId: "T-" + i, clientOrderId: id, symbol: "BTC/USDT", side: "buy", quantity: 1, price: 100 + i, fee: 0, timeMs: T0 + i });
        await store.recordBars(barSeries({ symbol: "BTC/USDT", timeframe: "1m", time: [T0 + i * 60000], open: [100], high: [101], low: [99], close: [100.5], volume: [i] }));
        await store.audit({ timeMs: T0 + i, actor: "test", action: "step", details: { i } });
        process.stdout.write("ack " + i + "\\n");
      }
    `);
    const child = spawn(process.execPath, ["--import", "tsx", script, file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    let lastAck = -1;
    let buffered = "";
    // "close", not "exit": it comes after stdout has ended, so every ack the child wrote has been read.
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on("close", (_code, signal) => done(signal)));
    const reached = new Promise<void>((done, fail) => {
      child.stdout.on("data", (d) => {
        buffered += String(d);
        for (const m of buffered.matchAll(/ack (\d+)\n/g)) lastAck = Math.max(lastAck, Number(m[1]));
        buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
        if (lastAck >= 40) done();
      });
      child.on("exit", () => fail(new Error(`writer exited early: ${stderr}`)));
    });
    await reached;
    // The writer holds the lock: another process (this one) cannot open the file.
    const locked = await AccountStore.open(file).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(locked?.code).toBe("STORE_LOCKED");
    expect(locked?.message).toMatch(new RegExp(`in use by another process \\(PID ${child.pid}\\)`));
    const walBeforeKill = existsSync(`${file}.wal`);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const acked = lastAck; // the child may have committed part of the next step, unacknowledged

    const store = await open(file, "crash");
    const orders = await store.orders();
    const fills = await store.fills();
    const bars = await store.recordedBars("BTC/USDT", "1m");
    const audit = await store.auditLog();
    for (let i = 0; i <= acked; i++) {
      expect(orders[i]).toMatchObject({ clientOrderId: `c-${i}`, status: "new", exchangeOrderId: `X-${i}` });
      expect(fills[i]).toMatchObject({ tradeId: `T-${i}`, price: 100 + i });
      expect(bars.time[i]).toBe(T0 + i * MIN);
      expect(audit[i]?.details).toEqual({ i });
    }
    // A step cut short is cut between transactions, never inside one: each order has its intent event.
    for (const o of orders.slice(acked + 1)) expect((await store.orderEvents(o.clientOrderId))[0]?.event).toBe("intent");
    expect(orders.length - (acked + 1)).toBeLessThanOrEqual(1);
    console.log(JSON.stringify({ crashTest: { acked: acked + 1, ordersAfterRestart: orders.length, fills: fills.length, bars: bars.length, walBeforeKill } }));
  });
});
