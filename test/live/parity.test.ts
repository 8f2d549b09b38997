/**
 * Issue 5, test 1: a paper run and a live run on the simulator of the same recorded bars make the
 * same decisions as a backtest of those bars (same orders, same sides and sizes).
 */
import { afterEach, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { barsBetween } from "../../engine/bars.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";
import { generatedSeries } from "../fixtures/binanceData.ts";
import { MIN, MINUTES, START, startRig, step, type Rig } from "./liveHarness.ts";

const BARS = 240;
const params = { fast: 3, slow: 8, allocation: 0.9 };
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** The recorded bars the trader receives, as the backtest reads them. */
const recorded = () => barsBetween({ ...generatedSeries(MINUTES), symbol: "BTC/USDT" }, START, START + BARS * MIN);

async function run(mode: "paper" | "live") {
  rig = await startRig({ mode });
  for (let i = 0; i < BARS; i++) await step(rig);
  const market = rig.exchange.markets!["BTC/USDT"]!;
  const orders = (await rig.store.orders()).filter((o) => o.status === "filled");
  return { rig, orders, lot: market.precision.amount!, taker: market.taker ?? 0.001 };
}

describe("a trader on the simulator decides as the backtest of the same bars", () => {
  it("paper: the engine's own fill model fills exactly as the backtest (orders, sizes, fill prices)", async () => {
    const { orders, lot, taker } = await run("paper");
    const backtest = runBacktest({ bars: recorded(), strategy: smaCrossover, params, cash: 100_000, commission: taker, lotSize: lot });
    expect(backtest.fills.length).toBeGreaterThan(6);
    expect(orders.map((o) => [o.side, o.quantity, o.averagePrice])).toEqual(
      backtest.orders.filter((o) => o.status === "filled").map((o) => [o.side, o.quantity, o.averagePrice]));
    const fills = await rig!.store.fills();
    expect(fills.map((f) => [f.timeMs, f.side, f.quantity, f.price])).toEqual(backtest.fills.map((f) => [f.timeMs, f.side, f.quantity, f.price]));
    expect(rig!.trader.status().equity).toBeCloseTo(backtest.equity.at(-1)!, 6);
    // paper: the exchange client holds no key, so not one request was signed or carried a key
    expect(rig!.sim.requests.length).toBeGreaterThan(0);
    expect(rig!.sim.requests.filter((r) => r.headers["x-mbx-apikey"] !== undefined || /signature=/.test(`${r.rawQuery}&${r.body}`))).toEqual([]);
    expect(rig!.sim.account.orders()).toEqual([]);
  });

  it("live: the orders sent through ccxt are the decision-sized backtest's, and the exchange fills them at the next open", async () => {
    const { orders, lot } = await run("live");
    const backtest = runBacktest({ bars: recorded(), strategy: smaCrossover, params, cash: 100_000, commission: 0.001, lotSize: lot, sizing: "decision" });
    expect(backtest.fills.length).toBeGreaterThan(6);
    expect(orders.map((o) => [o.side, o.quantity])).toEqual(backtest.orders.filter((o) => o.status === "filled").map((o) => [o.side, o.quantity]));
    // what the exchange did: one trade per order, at the open after the decision
    const trades = rig!.sim.account.trades();
    expect(trades.map((t) => [t.isBuyer ? "buy" : "sell", t.qty, t.price])).toEqual(backtest.fills.map((f) => [f.side, f.quantity, f.price]));
    expect(rig!.sim.account.orders().length).toBe(orders.length);
    const status = rig!.trader.status();
    expect(status.positions[0]!.quantity).toBeCloseTo(backtest.positions[0]!.quantity, 8);
  });
});
