/**
 * Issue 7, a trader running a promoted bundle: the real trader process (engine/node/cli/live.ts)
 * on the Binance simulator fetches its bundle from a real hub with the account's hub token. It
 * refuses one that awaits the approval the account's policy asks for, a tampered bundle file, and
 * (live) one that never ran in paper mode here, each with exit 2 and the reason before anything
 * connects to the exchange. Once approved, the paper trader's orders and fills are those of a
 * backtest of the bundle's own code and parameters on the same bars. A rollback restarts it on
 * the previous bundle, is audited on the account and on the hub, and holds across a restart.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { barsBetween } from "../../engine/bars.ts";
import type { Bundle } from "../../engine/bundle.ts";
import { parseAccountConfig } from "../../engine/node/live/accountConfig.ts";
import { strategyFromCode } from "../../engine/node/reports/specStrategy.ts";
import { TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { generatedMinutes, generatedSeries } from "../fixtures/binanceData.ts";
import { binanceClient, startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import { editorBundle } from "../helpers/testBundles.ts";
import { startTestHub, tempDir, TOKENS, type TestHub } from "../hub/hubHarness.ts";
import { ACCOUNT, klinesSubscribed, startTrader, stepProcess, traderEnv, until, writeAccount, type AccountFolder, type TraderProcess } from "./traderProcess.ts";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const MINUTES = generatedMinutes(T0, T0 + 86_400_000);
const BARS = 240;
const SOURCE = TEMPLATES[0]!.source("minute-trend");
const PARAMS_A = { period: 8, allocation: 0.9 };
const PARAMS_B = { period: 13, allocation: 0.6 };

const tmp = tempDir("qw-bundle-trader-");
let hub: TestHub;
let sim: BinanceSimulator;
let a: Bundle;
let b: Bundle;
let account: AccountFolder;
let proc: TraderProcess | undefined;
const folders: AccountFolder[] = [];

beforeAll(async () => {
  // the account "sim" needs one approval; the trader's token is a reader's
  hub = await startTestHub(tmp.dir, { policy: { accounts: { [ACCOUNT]: { requireApprovals: 1 } } } });
  // the replay starts at the first bar: there is no history to warm up on, so the backtest from T0 is the run
  sim = await startBinanceSimulator({ bars: { BTCUSDT: MINUTES }, replay: { startMs: T0 }, account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true } });
  a = await editorBundle(SOURCE, { params: PARAMS_A });
  b = await editorBundle(SOURCE, { params: PARAMS_B, createdMs: Date.UTC(2025, 0, 2) });
  for (const bundle of [a, b]) expect((await hub.api("POST", "/api/bundles", TOKENS.alice, { content: bundle.content })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await proc?.stop("SIGKILL");
  await sim?.close();
  await hub?.close();
  for (const f of folders) await rm(f.dir, { recursive: true, force: true });
  tmp.remove();
});

const env = () => traderEnv(sim, { QW_SIM_HUB_TOKEN: TOKENS.reader });
const newAccount = async (overrides: Record<string, unknown>) => {
  const f = await writeAccount(sim, overrides);
  folders.push(f);
  return f;
};
const hubRows = async (event: string) => (await hub.api("GET", `/api/audit?event=${event}&limit=1000`, TOKENS.reader)).body.rows as Record<string, any>[];

/** Starts a trader that must refuse to: resolves with its exit code and what it said. */
async function refused(folder: AccountFolder, environment = env()): Promise<{ code: number | null; said: string }> {
  const requestsBefore = sim.requests.length;
  try {
    proc = await startTrader(folder, environment);
  } catch (error) {
    const message = (error as Error).message;
    const code = /"code":(\d+)/.exec(message);
    // nothing reached the exchange
    expect(sim.requests.length).toBe(requestsBefore);
    return { code: code ? Number(code[1]) : null, said: message };
  }
  throw new Error("the trader started");
}

describe("a trader running a promoted bundle", () => {
  it("refuses a bundle that awaits the approval its account's policy asks for, then runs it once approved", async () => {
    account = await newAccount({ mode: "paper", strategy: { bundle: a.id, hub: hub.url } });
    const before = await refused(account);
    expect(before.code).toBe(2);
    expect(before.said).toContain(`live: ${account.file}: bundle ${a.id} needs 1 approval(s) by someone other than its author (alice) before account sim may run it, and has 0: approve it on the hub first`);
    expect((await hub.api("POST", `/api/bundles/${a.id}/approve`, TOKENS.bob)).status).toBe(200);
    proc = await startTrader(account, env());
    await klinesSubscribed(sim);
    expect((await proc.api("/bundle")).body).toEqual({ id: a.id, name: "minute-trend", previous: [] });
    expect((await proc.api("/status")).body).toMatchObject({ mode: "paper", strategy: "minute-trend", bundle: a.id, params: PARAMS_A, state: "running" });
  }, 120_000);

  it("decides as a backtest of the bundle's code and parameters on the same bars: same orders, same fills", async () => {
    for (let i = 0; i < BARS; i++) await stepProcess(sim, proc!);
    const client = binanceClient(sim.url);
    const market = (await client.loadMarkets())["BTC/USDT"]!;
    const recorded = barsBetween({ ...generatedSeries(MINUTES), symbol: "BTC/USDT" }, T0, T0 + BARS * MIN);
    const backtest = runBacktest({ bars: recorded, strategy: await strategyFromCode(a.content.strategy.code), params: a.content.params,
      cash: 100_000, commission: market.taker ?? 0.001, lotSize: market.precision.amount! });
    expect(backtest.fills.length).toBeGreaterThan(6);
    const orders = ((await proc!.api("/orders?limit=1000")).body as { side: string; quantity: number; averagePrice: number; status: string; createdMs: number }[])
      .filter((o) => o.status === "filled").sort((x, y) => x.createdMs - y.createdMs);
    expect(orders.map((o) => [o.side, o.quantity, o.averagePrice])).toEqual(
      backtest.orders.filter((o) => o.status === "filled").map((o) => [o.side, o.quantity, o.averagePrice]));
    const fills = ((await proc!.api("/fills?limit=1000")).body as { timeMs: number; side: string; quantity: number; price: number }[]).sort((x, y) => x.timeMs - y.timeMs);
    expect(fills.map((f) => [f.timeMs, f.side, f.quantity, f.price])).toEqual(backtest.fills.map((f) => [f.timeMs, f.side, f.quantity, f.price]));
    // the hub knows it started, from whom (the account's token)
    expect(await hubRows("bundle-event")).toEqual([expect.objectContaining({ bundle: a.id, action: "start", account: ACCOUNT, mode: "paper", user: "reader" })]);
  }, 180_000);

  it("rolls back to the previous bundle on request: restarted on it, audited on the account and the hub, and kept across a restart", async () => {
    expect((await hub.api("POST", `/api/bundles/${b.id}/approve`, TOKENS.carol)).status).toBe(200);
    expect((await proc!.api("/bundle/rollback", { method: "POST", body: {} })).body).toMatchObject({ code: "NO_PREVIOUS_BUNDLE" });
    await proc!.stop("SIGTERM");
    writeFileSync(account.file, JSON.stringify({ ...account.json, strategy: { bundle: b.id, hub: hub.url } }));
    proc = await startTrader(account, env());
    expect((await proc.api("/bundle")).body).toEqual({ id: b.id, name: "minute-trend", previous: [a.id] });
    expect((await proc.api("/status")).body).toMatchObject({ bundle: b.id, params: PARAMS_B });

    const rolled = await proc.api("/bundle/rollback", { method: "POST", body: {}, actor: "ops" });
    expect(rolled).toMatchObject({ status: 200, body: { id: a.id, name: "minute-trend", previous: [b.id] } });
    await until(async () => (await proc!.api("/status")).body?.state === "running", "the trader runs again");
    expect((await proc.api("/status")).body).toMatchObject({ bundle: a.id, params: PARAMS_A });
    const audit = (await proc.api("/audit?limit=1000")).body as { actor: string; action: string; details: any }[];
    expect(audit.filter((r) => r.action === "bundle_rollback").map((r) => [r.actor, r.details])).toEqual([["api:ops", { from: b.id, to: a.id }]]);
    expect(audit.filter((r) => r.action === "bundle_start").map((r) => [r.actor, r.details.bundle])).toEqual([["config", a.id], ["config", b.id], ["api:ops", a.id]]);
    expect((await hubRows("bundle-event")).map((r) => [r.action, r.bundle, r.from])).toEqual([
      ["start", a.id, undefined], ["stop", a.id, undefined], ["start", b.id, undefined], ["rollback", a.id, b.id], ["start", a.id, undefined]]);

    // a restart stays on the rolled-back bundle while the file still names the other
    await proc.stop("SIGTERM");
    proc = await startTrader(account, env());
    expect((await proc.api("/bundle")).body).toEqual({ id: a.id, name: "minute-trend", previous: [b.id] });
    expect(proc.logs().find((l) => l.msg?.startsWith("a rollback pinned the previous bundle"))).toMatchObject({ configured: b.id, running: a.id });
    await proc.stop("SIGTERM");
    proc = undefined;
  }, 180_000);

  it("refuses a tampered bundle file at start: exit 2 with the reason, nothing connects", async () => {
    const file = join(tmp.dir, "bundle.json");
    writeFileSync(file, JSON.stringify({ id: a.id, content: { ...a.content, params: { ...a.content.params, allocation: 1 } } }));
    const folder = await newAccount({ mode: "paper", strategy: { bundleFile: file } });
    const out = await refused(folder);
    expect(out.code).toBe(2);
    expect(out.said).toContain(`live: ${file}: bundle ${a.id} does not match its id: its content hashes to `);
    expect(out.said).toMatch(/It is refused\./);
    // the untouched file runs
    writeFileSync(file, JSON.stringify(a));
    proc = await startTrader(folder, env());
    expect((await proc.api("/bundle")).body).toMatchObject({ id: a.id });
    await proc.stop("SIGTERM");
    proc = undefined;
    // a store that ran it names what was changed
    writeFileSync(file, readFileSync(file, "utf8").replace(`"allocation":0.9`, `"allocation":1`));
    expect((await refused(folder)).said).toContain("it differs from the bundle made with that id in params.allocation.");
  }, 120_000);

  it("paper first: a live account refuses a bundle that never ran in paper mode on this machine", async () => {
    const live = await newAccount({ mode: "live", strategy: { bundle: b.id, hub: hub.url } });
    const out = await refused(live);
    expect(out.code).toBe(2);
    expect(out.said).toContain(`bundle ${b.id} has not run in paper mode on this machine: run it on a paper account of ${live.accounts} first, or set "paperFirst": false in the strategy`);
  }, 60_000);
});

describe("an account file's bundle keys", () => {
  const base = { name: "main", exchange: { id: "binance" }, markets: { symbols: ["BTC/USDT"], timeframe: "1m" } };
  const id = "ab".repeat(32);
  const parse = (strategy: unknown) => parseAccountConfig({ ...base, strategy }, "/accounts/main.json");

  it("reads a hub bundle (token variable by default QW_<NAME>_HUB_TOKEN) or a bundle file (relative to the account file)", () => {
    expect(parse({ bundle: id, hub: "http://127.0.0.1:1234/" })).toMatchObject({
      strategy: { name: "", params: {} }, bundle: { kind: "hub", id, hub: "http://127.0.0.1:1234", tokenEnv: "QW_MAIN_HUB_TOKEN", paperFirst: true } });
    expect(parse({ bundleFile: "bundles/b.json", paperFirst: false }).bundle).toEqual({ kind: "file", file: "/accounts/bundles/b.json", paperFirst: false });
    expect(parse({ name: "sma-crossover" }).bundle).toBeUndefined();
  });

  it.each([
    [{ name: "sma-crossover", bundle: id, hub: "http://127.0.0.1:1" }, "strategy: give only one of name, bundle"],
    [{}, "strategy: needs a name (a template), a bundle (with hub) or a bundleFile"],
    [{ bundle: id }, "strategy.hub: a bundle id needs the hub to fetch it from"],
    [{ bundle: id, hub: "http://127.0.0.1:1", params: { fast: 3 } }, "strategy.params: a bundle's parameters come from the bundle"],
    [{ bundleFile: "b.json", hub: "http://127.0.0.1:1" }, "strategy.hub: only goes with a bundle id"],
    [{ name: "sma-crossover", paperFirst: false }, "strategy.paperFirst: only applies to a bundle"],
    [{ bundle: "XYZ", hub: "http://127.0.0.1:1" }, "strategy.bundle: must be a bundle id (64 lowercase hex digits)"],
  ])("refuses %j, naming the key", (strategy, message) => {
    expect(() => parse(strategy)).toThrow(`/accounts/main.json: ${message}`);
  });
});
