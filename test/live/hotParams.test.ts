/**
 * Issue 5, test 8: hot parameter updates through the control API. A new value inside the
 * parameter's range is applied when the call returns and used from the next bar on (the run
 * decides as a backtest whose parameter changes at that bar); an out-of-range value is refused
 * with the schema's message, audited, and changes nothing. The last update survives a crash of
 * the process; editing the account file wins over it.
 */
import { utimes } from "node:fs/promises";
import { rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { barsBetween } from "../../engine/bars.ts";
import { InputError } from "../../engine/errors.ts";
import { startControlApi, type ControlApi, type TraderHost } from "../../engine/node/live/controlApi.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { resolveParams } from "../../engine/strategy/params.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";
import { generatedMinutes, generatedSeries } from "../fixtures/binanceData.ts";
import { startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import { MIN, MINUTES, START, startRig, step, type Rig } from "./liveHarness.ts";
import { TOKEN, klinesSubscribed, startTrader, traderEnv, writeAccount, type AccountFolder, type TraderProcess } from "./traderProcess.ts";

const PARAMS = { fast: 3, slow: 8, allocation: 0.9 };
let rig: Rig | undefined;
let api: ControlApi | undefined;
let sim: BinanceSimulator | undefined;
let account: AccountFolder | undefined;
let proc: TraderProcess | undefined;
afterEach(async () => {
  await api?.close();
  await rig?.close();
  await proc?.stop("SIGKILL");
  await sim?.close();
  if (account) await rm(account.dir, { recursive: true, force: true });
  rig = api = sim = account = proc = undefined;
});

/** A paper trader on the simulator with the real control API in front of it. */
async function start(): Promise<{ rig: Rig; post: (body: unknown, actor?: string) => Promise<{ status: number; body: any }> }> {
  rig = await startRig({ mode: "paper" });
  const r = rig;
  const host: TraderHost = {
    trader: () => r.trader,
    startStrategy: async () => {}, stopStrategy: async () => {}, restartStrategy: async () => {},
    auditLog: (limit) => r.store.auditLog({ limit }),
    subscribe: () => {},
  };
  api = await startControlApi(host, { port: 0, token: TOKEN, log: r.log });
  const url = api.url;
  const post = async (body: unknown, actor = "quant") => {
    const res = await fetch(`${url}/params`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "x-actor": actor }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  return { rig: r, post };
}

/** sma-crossover whose parameters become `changed` from the bar opening at `fromMs` on: the backtest of a hot update. */
function changedAt(fromMs: number, changed: Readonly<Record<string, number>>) {
  return defineStrategy({
    ...smaCrossover,
    onBar(ctx, s) {
      const params = ctx.time >= fromMs ? { ...ctx.params, ...changed } : ctx.params;
      const view = new Proxy(ctx, {
        get: (target, key) => {
          if (key === "params") return params;
          const v = Reflect.get(target, key, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      smaCrossover.onBar(view, s);
    },
  });
}

const recorded = (bars: number) => barsBetween({ ...generatedSeries(MINUTES), symbol: "BTC/USDT" }, START, START + bars * MIN);

describe("hot parameter updates (issue 5, test 8)", () => {
  it("applies a value inside its range when the call returns, and from the next bar on the run decides as a backtest changed at that bar", async () => {
    const { rig, post } = await start();
    const BEFORE = 70, AFTER = 170;
    for (let i = 0; i < BEFORE; i++) await step(rig);
    const answer = await post({ params: { allocation: 0.35 } }, "quant");
    expect(answer).toEqual({ status: 200, body: { params: { ...PARAMS, allocation: 0.35 } } });
    expect(rig.trader.status().params).toEqual({ ...PARAMS, allocation: 0.35 }); // applied when the call returned
    for (let i = 0; i < AFTER; i++) await step(rig);

    const market = rig.exchange.markets!["BTC/USDT"]!;
    const options = { bars: recorded(BEFORE + AFTER), params: PARAMS, cash: 100_000, commission: market.taker ?? 0.001, lotSize: market.precision.amount! };
    const changed = runBacktest({ ...options, strategy: changedAt(START + BEFORE * MIN, { allocation: 0.35 }) });
    const unchanged = runBacktest({ ...options, strategy: smaCrossover });
    const filled = (await rig.store.orders()).filter((o) => o.status === "filled");
    const decisions = (orders: readonly { side: string; quantity: number; averagePrice: number | undefined; createdMs: number }[]) =>
      orders.map((o) => [o.side, o.quantity, o.averagePrice]);
    expect(decisions(filled)).toEqual(decisions(changed.orders.filter((o) => o.status === "filled")));
    // the update mattered: an entry after it is smaller than without it
    const entriesAfter = changed.orders.filter((o) => o.status === "filled" && o.side === "buy" && o.createdMs >= START + BEFORE * MIN);
    expect(entriesAfter.length).toBeGreaterThan(0);
    expect(decisions(changed.orders)).not.toEqual(decisions(unchanged.orders));

    const history = await rig.store.paramsHistory();
    expect(history.map((c) => [c.actor, c.accepted, c.params])).toEqual([["api:quant", true, { ...PARAMS, allocation: 0.35 }]]);
    const audit = await rig.store.auditLog();
    expect(audit.filter((e) => e.action === "params").map((e) => [e.actor, e.details])).toEqual([["api:quant", { changes: { allocation: 0.35 } }]]);
  }, 120_000);

  it("refuses a value out of its range, of the wrong type or for an unknown parameter with the schema's message (400), audits it, and changes nothing", async () => {
    const { rig, post } = await start();
    for (let i = 0; i < 5; i++) await step(rig);
    const schemaMessage = (given: Record<string, unknown>) => {
      try {
        resolveParams(smaCrossover.name, smaCrossover.params, { ...PARAMS, ...given });
      } catch (e) {
        if (e instanceof InputError) return { code: e.code, message: e.message };
      }
      throw new Error("accepted");
    };
    for (const given of [{ fast: 500 }, { allocation: 0 }, { slow: 8.5 }, { fast: "ten" }, { speed: 3 }]) {
      const expected = schemaMessage(given);
      const a = await post({ params: given }, "intern");
      expect(a).toEqual({ status: 400, body: { error: expected.message, code: expected.code } });
    }
    expect(schemaMessage({ fast: 500 }).message).toMatch(/fast/);
    expect(rig.trader.status().params).toEqual(PARAMS);
    const refused = (await rig.store.auditLog()).filter((e) => e.action === "params_refused");
    expect(refused.map((e) => [e.actor, (e.details as any).changes])).toEqual([
      ["api:intern", { fast: 500 }], ["api:intern", { allocation: 0 }], ["api:intern", { slow: 8.5 }], ["api:intern", { fast: "ten" }], ["api:intern", { speed: 3 }],
    ]);
    expect((await rig.store.paramsHistory()).every((c) => c.accepted === false)).toBe(true);
    // and the run goes on deciding as the untouched backtest
    for (let i = 0; i < 120; i++) await step(rig);
    const market = rig.exchange.markets!["BTC/USDT"]!;
    const backtest = runBacktest({ bars: recorded(125), strategy: smaCrossover, params: PARAMS, cash: 100_000, commission: market.taker ?? 0.001, lotSize: market.precision.amount! });
    expect((await rig.store.orders()).filter((o) => o.status === "filled").map((o) => [o.side, o.quantity]))
      .toEqual(backtest.orders.filter((o) => o.status === "filled").map((o) => [o.side, o.quantity]));
  }, 120_000);

  it("keeps the last update across a crash of the process; an edit of the account file wins over it", async () => {
    const T0 = Date.UTC(2024, 0, 1);
    sim = await startBinanceSimulator({
      bars: { BTCUSDT: generatedMinutes(T0, T0 + 2 * 86_400_000) }, replay: { startMs: T0 + 600 * MIN },
      account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true },
    });
    account = await writeAccount(sim, { mode: "paper" });
    proc = await startTrader(account, traderEnv(sim));
    await klinesSubscribed(sim);
    // a period the indicators are built from cannot change while running: refused, nothing changes
    const cold = await proc.api("/params", { body: { params: { allocation: 0.5, fast: 4 } }, actor: "quant" });
    expect(cold.status).toBe(400);
    expect(cold.body.error).toMatch(/fast is fixed when the strategy starts/);
    expect((await proc.api("/params", { body: { params: { allocation: 0.5 } }, actor: "quant" })).body).toEqual({ params: { ...PARAMS, allocation: 0.5 } });
    await proc.stop("SIGKILL");

    proc = await startTrader(account, traderEnv(sim));
    expect((await proc.api("/status")).body.params).toEqual({ ...PARAMS, allocation: 0.5 });
    expect(proc.logs().find((l) => l.msg === "parameters of the last hot update kept")).toMatchObject({ by: "api:quant" });
    await proc.stop("SIGTERM");

    const later = new Date(Date.now() + 1000);
    await utimes(account.file, later, later); // the operator edited the file since
    proc = await startTrader(account, traderEnv(sim));
    expect((await proc.api("/status")).body.params).toEqual(PARAMS);
  }, 120_000);
});
