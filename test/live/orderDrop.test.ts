/**
 * The order-drop folder: good files are handed over once and moved to processed/, bad ones are
 * rejected whole with every problem as file:line: column, and a restart (after a crash at any
 * step) neither loses a file nor hands its orders over twice.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AccountStore } from "../../engine/node/live/accountStore.js";
import { OrderDrop, formatProblem, parseOrderCsv, type DropFile, type DropProblem } from "../../engine/node/live/orderDrop.js";

const HASH = "0123456789abcdef".repeat(4);
let dir: string;
let folder: string;
let storeFile: string;
let store: AccountStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "drop-"));
  folder = join(dir, "drop");
  mkdirSync(folder);
  storeFile = join(dir, "acct.duckdb");
  store = await AccountStore.open(storeFile);
});
afterEach(async () => {
  await store.close();
});

/** Writes a drop file, dated in the past so that it counts as settled. */
function drop(name: string, lines: string[]): string {
  const path = join(folder, name);
  writeFileSync(path, lines.join("\n"));
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past);
  return path;
}

function dropper(onOrders: (f: DropFile) => void | Promise<void> = () => {}, extra: Partial<ConstructorParameters<typeof OrderDrop>[0]> = {}) {
  const handed: DropFile[] = [];
  const rejected: Array<{ name: string; problems: readonly DropProblem[] }> = [];
  const errors: string[] = [];
  const d = new OrderDrop({
    folder, store, symbols: ["BTC/USDT", "ETH/USDT"],
    onOrders: async (f) => { handed.push(f); await onOrders(f); },
    onRejected: (name, problems) => rejected.push({ name, problems }),
    onError: (e, name) => errors.push(`${name}: ${(e as Error).message}`),
    ...extra,
  });
  return { d, handed, rejected, errors };
}

const ls = (sub = "") => readdirSync(join(folder, sub)).filter((f) => f !== "processed" && f !== "rejected").sort();

describe("parseOrderCsv", () => {
  it("reads orders with aliases, quotes, comments, CRLF and a BOM", () => {
    const text = "\uFEFF# today's rebalance\r\nSymbol,Side,Qty,Order Type,Limit_Price,stop-price,TIF,reduce_only,tag\r\n" +
      "BTC/USDT,BUY,0.5,limit,42000,,gtc,,\"rebalance, part 1\"\r\n\r\n" +
      "ETH/USDT,sell,2,stop-limit,2900,2950,DAY,yes,\r\n" +
      "ETH/USDT,sell,1,,,,,,\r\n";
    const { orders, problems } = parseOrderCsv(text, "a.csv", HASH);
    expect(problems).toEqual([]);
    expect(orders).toEqual([
      { clientOrderId: "drop-0123456789abcdef-3", line: 3, symbol: "BTC/USDT", side: "buy", type: "limit", quantity: 0.5,
        limitPrice: 42_000, stopPrice: undefined, timeInForce: "GTC", reduceOnly: false, tag: "rebalance, part 1" },
      { clientOrderId: "drop-0123456789abcdef-5", line: 5, symbol: "ETH/USDT", side: "sell", type: "stop_limit", quantity: 2,
        limitPrice: 2900, stopPrice: 2950, timeInForce: "DAY", reduceOnly: true, tag: undefined },
      { clientOrderId: "drop-0123456789abcdef-6", line: 6, symbol: "ETH/USDT", side: "sell", type: "market", quantity: 1,
        limitPrice: undefined, stopPrice: undefined, timeInForce: undefined, reduceOnly: false, tag: undefined },
    ]);
  });

  it("reports every problem with its line and column, and then no orders", () => {
    const text = [
      "symbol,side,quantity,type,limit_price",
      "BTC/USDT,buy,0.5,limit,42000",
      "BTC/USDT,hold,-5,market,",
      "BTCUSDT,buy,1,limit,",
      "BTC/USDT,buy,1,market,100",
      "DOGE/USDT,buy,1,market,",
      "BTC/USDT,buy,1e3,market",
      "BTC/USDT,sell,abc,twap,\"1",
    ].join("\n");
    const { orders, problems } = parseOrderCsv(text, "bad.csv", HASH, { symbols: ["BTC/USDT"] });
    expect(orders).toEqual([]);
    expect(problems.map(formatProblem)).toEqual([
      'bad.csv:3: column 2 "side": must be buy or sell, got "hold"',
      'bad.csv:3: column 3 "quantity": must be a positive number, got "-5"',
      'bad.csv:4: column 1 "symbol": must be a symbol such as BTC/USDT, got "BTCUSDT"',
      'bad.csv:4: column 5 "limit_price": is required for a limit order',
      'bad.csv:5: column 5 "limit_price": must be empty for a market order, got "100"',
      'bad.csv:6: column 1 "symbol": DOGE/USDT is not traded by this account (BTC/USDT)',
      "bad.csv:7: has 4 fields but the header has 5",
      "bad.csv:8: a quoted field is not closed on this line",
    ]);
  });

  it("explains header problems and empty files", () => {
    const messages = (text: string) => parseOrderCsv(text, "h.csv", HASH).problems.map(formatProblem);
    expect(messages("symbol,side,amount\nBTC/USDT,buy,1")).toEqual([
      expect.stringMatching(/^h\.csv:1: column 3 "amount": unknown column; columns: symbol, side, quantity/),
      'h.csv:1: the header has no "quantity" column (required: symbol, side, quantity)',
    ]);
    expect(messages("symbol,side,qty,quantity\n")).toEqual(['h.csv:1: column 4 "quantity": the column quantity appears twice']);
    expect(messages("")).toEqual([expect.stringMatching(/^h\.csv:1: the file is empty/)]);
    expect(messages("# only a comment\nsymbol,side,quantity\n")).toEqual(["h.csv:3: the file has a header but no orders"]);
  });
});

describe("OrderDrop", () => {
  it("hands a good file over once and moves it to processed/", async () => {
    drop("rebalance.csv", ["symbol,side,quantity", "BTC/USDT,buy,0.5", "ETH/USDT,sell,3"]);
    const { d, handed } = dropper();
    expect(await d.scan()).toEqual({ processed: ["rebalance.csv"], rejected: [], waiting: [] });
    expect(handed).toHaveLength(1);
    expect(handed[0]!.orders.map((o) => `${o.line} ${o.side} ${o.quantity} ${o.symbol}`)).toEqual(["2 buy 0.5 BTC/USDT", "3 sell 3 ETH/USDT"]);
    expect(ls()).toEqual([]);
    expect(ls("processed")).toEqual(["rebalance.csv"]);
    expect(await store.processedFile(handed[0]!.hash)).toMatchObject({ name: "rebalance.csv", outcome: "processed", orders: 2 });
    expect(await d.scan()).toEqual({ processed: [], rejected: [], waiting: [] });
    expect(handed).toHaveLength(1);
  });

  it("rejects a file with a bad line whole, writing file:line: column next to it", async () => {
    drop("bad.csv", ["symbol,side,quantity", "BTC/USDT,buy,1", "ETH/USDT,sell,-5"]);
    drop("good.csv", ["symbol,side,quantity", "ETH/USDT,buy,1"]);
    const { d, handed, rejected } = dropper();
    expect(await d.scan()).toEqual({ processed: ["good.csv"], rejected: ["bad.csv"], waiting: [] });
    expect(handed.map((f) => f.name)).toEqual(["good.csv"]);
    expect(rejected.map((r) => r.problems.map(formatProblem))).toEqual([['bad.csv:3: column 3 "quantity": must be a positive number, got "-5"']]);
    expect(ls("rejected")).toEqual(["bad.csv", "bad.csv.errors.txt"]);
    expect(readFileSync(join(folder, "rejected/bad.csv.errors.txt"), "utf8")).toBe('bad.csv:3: column 3 "quantity": must be a positive number, got "-5"\n');
  });

  it("refuses the same content again after a restart, even under another name", async () => {
    const lines = ["symbol,side,quantity", "BTC/USDT,buy,1"];
    drop("monday.csv", lines);
    const first = dropper();
    await first.d.scan();
    await store.close();

    store = await AccountStore.open(storeFile);
    drop("monday-again.csv", lines);
    drop("monday.csv", lines); // same name, same content: taken is renamed, not overwritten
    const second = dropper();
    expect(await second.d.scan()).toEqual({ processed: [], rejected: ["monday-again.csv", "monday.csv"], waiting: [] });
    expect(second.handed).toEqual([]);
    expect(second.rejected[0]!.problems[0]!.message).toMatch(/the same content was already processed as monday\.csv at 20\d\d-/);
    expect(ls("rejected")).toEqual(["monday-again.csv", "monday-again.csv.errors.txt", "monday.csv", "monday.csv.errors.txt"]);
    expect(ls("processed")).toEqual(["monday.csv"]);
  });

  it("after a crash while handing orders over, hands them over again with the same ids, so each is sent once", async () => {
    drop("orders.csv", ["symbol,side,quantity,type,limit_price", "BTC/USDT,buy,1,limit,40000", "ETH/USDT,buy,2,market,"]);
    let sent = 0;
    // The runner: records each intent (false when known) and sends only new ones.
    const runner = (crashAfter?: number) => async (f: DropFile) => {
      for (const [i, o] of f.orders.entries()) {
        if (i === crashAfter) throw new Error("process died");
        const isNew = await store.recordIntent({
          clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity,
          limitPrice: o.limitPrice, source: "order-drop", reason: `${f.name}:${o.line}`, createdMs: Date.now(),
        });
        if (isNew) sent++;
      }
    };
    const crashing = dropper(runner(1));
    expect(await crashing.d.scan()).toEqual({ processed: [], rejected: [], waiting: ["orders.csv"] });
    expect(crashing.errors).toEqual(["orders.csv: process died"]);
    expect(sent).toBe(1);
    expect(ls()).toEqual(["orders.csv"]);
    await store.close();

    store = await AccountStore.open(storeFile); // restart
    const restarted = dropper(runner());
    expect(await restarted.d.scan()).toEqual({ processed: ["orders.csv"], rejected: [], waiting: [] });
    expect(restarted.handed[0]!.orders.map((o) => o.clientOrderId)).toEqual(crashing.handed[0]!.orders.map((o) => o.clientOrderId));
    expect(sent).toBe(2);
    expect((await store.orders()).map((o) => `${o.symbol} ${o.reason}`)).toEqual(["BTC/USDT orders.csv:2", "ETH/USDT orders.csv:3"]);
  });

  it("after a crash between recording and moving, does not hand the file over again", async () => {
    const path = drop("late.csv", ["symbol,side,quantity", "BTC/USDT,sell,1"]);
    const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
    await store.recordProcessedFile({ hash, name: "late.csv", timeMs: Date.now(), outcome: "processed", orders: 1 });
    const { d, handed } = dropper();
    expect(await d.scan()).toMatchObject({ rejected: ["late.csv"] });
    expect(handed).toEqual([]);
  });

  it("waits for a file that is still being written, and ignores other files", async () => {
    writeFileSync(join(folder, "fresh.csv"), "symbol,side,quantity\nBTC/USDT,buy,1\n");
    drop("notes.txt", ["not an order file"]);
    drop(".hidden.csv", ["symbol,side,quantity", "BTC/USDT,buy,1"]);
    const { d, handed } = dropper(undefined, { settleMs: 60_000 });
    expect(await d.scan()).toEqual({ processed: [], rejected: [], waiting: ["fresh.csv"] });
    expect(handed).toEqual([]);
    const later = dropper(undefined, { settleMs: 60_000, now: () => Date.now() + 120_000 });
    expect(await later.d.scan()).toEqual({ processed: ["fresh.csv"], rejected: [], waiting: [] });
    expect(ls()).toEqual([".hidden.csv", "notes.txt"]);
  });

  it("rejects a file that is too large without reading it", async () => {
    drop("huge.csv", ["symbol,side,quantity", ...Array.from({ length: 100 }, () => "BTC/USDT,buy,1")]);
    const { d, rejected } = dropper(undefined, { maxBytes: 1000 });
    expect(await d.scan()).toMatchObject({ rejected: ["huge.csv"] });
    expect(rejected[0]!.problems[0]!.message).toMatch(/at most 1000 are accepted/);
  });

  it("picks up a dropped file by itself once started", async () => {
    const { d, handed } = dropper(undefined, { pollMs: 100, settleMs: 0 });
    await d.start();
    try {
      writeFileSync(join(folder, "live.csv"), "symbol,side,quantity\nETH/USDT,buy,1\n");
      await vi.waitFor(() => expect(ls("processed")).toEqual(["live.csv"]), { timeout: 10_000, interval: 50 });
      expect(handed.map((f) => f.name)).toEqual(["live.csv"]);
    } finally {
      await d.stop();
    }
  });
});
