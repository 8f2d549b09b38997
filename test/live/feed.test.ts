/**
 * Market data of the trader on the simulator's WebSocket streams (real ccxt.pro watchOHLCV):
 * a connection cut mid-run is reconnected with backoff, the bars that closed while it was down
 * come over REST before the strategy sees a newer one, no bar is handled twice, and the run still
 * decides as the backtest of the same bars. A feed silent for staleFeedMs moves trading to
 * REDUCING (an entry is refused citing STALE_FEED, an exit goes through) until bars return.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { barsBetween } from "../../engine/bars.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";
import { generatedSeries } from "../fixtures/binanceData.ts";
import { MIN, MINUTES, START, startRig, step, subscribed, until, type Rig } from "./liveHarness.ts";

const PARAMS = { fast: 3, slow: 8, allocation: 0.9 };
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const recorded = (bars: number) => barsBetween({ ...generatedSeries(MINUTES), symbol: "BTC/USDT" }, START, START + bars * MIN);
const health = (r: Rig) => r.trader.status().feed[0]!;

describe("the market feed", () => {
  it("reconnects after a cut with backoff, backfills the missed bars over REST first, handles none twice, and decides as the backtest", async () => {
    rig = await startRig({ mode: "paper" });
    const r = rig;
    const market = r.exchange.markets!["BTC/USDT"]!;
    const backtest = runBacktest({ bars: recorded(240), strategy: smaCrossover, params: PARAMS, cash: 100_000, commission: market.taker ?? 0.001, lotSize: market.precision.amount! });
    expect(backtest.fills.length).toBeGreaterThan(6);
    // cut where the backtest decides nothing for a while: a feed that is not current reduces risk, and an entry then would be refused
    let cut = 60;
    while (backtest.orders.some((o) => o.createdMs >= START + (cut - 2) * MIN && o.createdMs <= START + (cut + 10) * MIN)) cut++;
    for (let i = 0; i < cut; i++) await step(r);
    const restBefore = r.sim.requests.filter((q) => q.path === "/api/v3/klines").length;

    // the cut: the connection dies and the next attempts are refused while 7 bars close
    r.sim.streams.faults.refuse({ kind: "market", times: Infinity });
    expect(r.sim.streams.faults.kill("market")).toBe(1);
    await r.sim.clock.advance(7);
    await until(() => health(r).reconnects >= 3, "the feed tried to reconnect three times");
    expect(health(r).status).toBe("reconnecting");
    expect(r.trader.status().risk).toBe("REDUCING");
    // meanwhile the closed bars came over REST, in order; the newest may still be forming as far as REST can tell
    await until(() => r.trader.status().lastBarMs === START + (cut + 5) * MIN, "the bars that closed while down were handled");
    expect(r.sim.requests.filter((q) => q.path === "/api/v3/klines").length).toBeGreaterThan(restBefore);
    r.sim.streams.faults.clear();
    await subscribed(r);

    // back on the stream: the next bar closes the one REST left open, then is handled itself
    await step(r);
    expect(r.trader.status().lastBarMs).toBe(START + (cut + 7) * MIN);
    expect(health(r).status).toBe("ok");
    expect(r.trader.status().risk).toBe("ACTIVE");
    for (let i = cut + 8; i < 240; i++) await step(r);

    // every minute handled once, none twice, none missing
    expect(r.trader.counters.bars).toBe(240);
    const stored = await r.store.recordedBars("BTC/USDT", "1m");
    expect(Array.from(stored.time)).toEqual(Array.from({ length: 240 }, (_, i) => START + i * MIN));
    expect(Array.from(stored.close)).toEqual(Array.from(recorded(240).close));
    const fills = await r.store.fills();
    expect(fills.map((f) => [f.timeMs, f.side, f.quantity, f.price])).toEqual(backtest.fills.map((f) => [f.timeMs, f.side, f.quantity, f.price]));
    const audit = (await r.store.auditLog()).filter((e) => e.actor === "feed").map((e) => e.action);
    expect(audit).toEqual(["ok", "reconnecting", "ok"]);
  }, 180_000);

  it("moves to REDUCING when the feed is silent for staleFeedMs: an entry is refused citing STALE_FEED, an exit goes through; ACTIVE again when bars return", async () => {
    rig = await startRig({ mode: "paper", account: { staleFeedMs: 2000 } });
    const r = rig;
    // silent from the start counts too
    await until(() => health(r).status === "stale", "the feed that never spoke went stale");
    expect(r.trader.status().risk).toBe("REDUCING");
    await step(r);
    expect([health(r).status, r.trader.status().risk]).toEqual(["ok", "ACTIVE"]);
    for (let i = 0; i < 400 && !(r.trader.status().positions[0]!.quantity > 0); i++) await step(r);
    const held = r.trader.status().positions[0]!.quantity;
    expect(held).toBeGreaterThan(0);

    // no bar for longer than staleFeedMs
    await until(() => health(r).status === "stale", "the feed went stale");
    await until(() => r.trader.status().risk === "REDUCING", "trading is REDUCING");
    const entry = await r.trader.submitManual({ symbol: "BTC/USDT", side: "buy", quantity: 0.01 }, "desk");
    expect(entry!.status).toBe("rejected");
    expect(entry!.reason).toBe("TRADING_REDUCING");
    const exit = await r.trader.submitManual({ symbol: "BTC/USDT", side: "sell", quantity: held }, "desk");
    expect(exit!.status).toBe("new");
    const refused = (await r.store.auditLog()).filter((e) => e.actor === "risk" && e.action === "order_rejected");
    expect(refused.map((e) => (e.details as { message: string }).message)).toEqual([expect.stringMatching(/^TRADING_REDUCING: cause=STALE_FEED, reason=feed not current: BTC\/USDT/)]);

    // bars return: the feed is current again, trading ACTIVE, and the exit fills at the next open
    await step(r);
    expect(health(r).status).toBe("ok");
    expect(r.trader.status().risk).toBe("ACTIVE");
    expect(r.trader.status().positions[0]!.quantity).toBe(0);
    const audit = (await r.store.auditLog()).filter((e) => e.actor === "feed").map((e) => e.action);
    expect([audit.slice(0, 2), audit.slice(-2)]).toEqual([["stale", "ok"], ["stale", "ok"]]);
  }, 180_000);
});
