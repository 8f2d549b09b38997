/**
 * The live runner's engine is the backtest's engine: bars handed in one timestamp at a time
 * (paper) give exactly the backtest's fills; in live mode the orders queued for the exchange,
 * filled by it at the next bar's open, are the backtest's orders when the backtest sizes at the
 * decision as a live venue must.
 */
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import type { BarSeries } from "../../engine/bars.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { LiveEngine } from "../../engine/live/liveEngine.ts";
import { LiveSeries } from "../../engine/live/liveSeries.ts";
import type { Order } from "../../engine/orders.ts";
import { bollingerMeanReversion } from "../../strategies/bollingerMeanReversion.ts";
import { smaCrossover } from "../../strategies/smaCrossover.ts";

const market = syntheticMarket({ symbols: ["SYN-A", "SYN-B"], bars: 3000, timeframe: "1h", seed: 7 });
const bar = (s: BarSeries, i: number) => ({ time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
const fillsOf = (fills: readonly { side: string; quantity: number; price: number; commission: number; timeMs: number; symbol: string }[]) =>
  fills.map((f) => [f.symbol, f.timeMs, f.side, f.quantity, f.price, f.commission]);

describe("LiveEngine in paper mode", () => {
  it.each([
    ["sma-crossover", smaCrossover, { fast: 8, slow: 40, allocation: 0.5 }],
    ["bollinger-mean-reversion", bollingerMeanReversion, {}],
  ] as const)("%s fed bar by bar fills exactly as the backtest of the same bars", (_name, strategy, params) => {
    const settings = { strategy, params, cash: 50_000, commission: 0.001 } as const;
    const backtest = runBacktest({ ...settings, bars: market });
    const live = new LiveEngine({ ...settings, symbols: ["SYN-A", "SYN-B"], timeframe: "1h", priceDecimals: 2, mode: "paper", capacity: 16 });
    let equity = NaN;
    for (let i = 0; i < market[0]!.length; i++) {
      equity = live.onBars(market[0]!.time[i]!, { "SYN-A": bar(market[0]!, i), "SYN-B": bar(market[1]!, i) });
    }
    expect(backtest.fills.length).toBeGreaterThan(20);
    expect(fillsOf(live.engine.fills)).toEqual(fillsOf(backtest.fills));
    expect(equity).toBe(backtest.equity.at(-1));
  });

  it("refuses a bar twice, out of order or with impossible prices, and stores none of them", () => {
    const live = new LiveEngine({ strategy: smaCrossover, symbols: ["SYN-A"], timeframe: "1h", priceDecimals: 2, mode: "paper" });
    const s = market[0]!;
    live.onBars(s.time[0]!, { "SYN-A": bar(s, 0) });
    expect(() => live.onBars(s.time[0]!, { "SYN-A": bar(s, 0) })).toThrow(/DUPLICATE_TIME|comes after/);
    expect(() => live.onBars(s.time[2]!, { "SYN-A": { ...bar(s, 2), close: Number.NaN } })).toThrow(/close is NaN/);
    expect(() => live.onBars(s.time[2]!, { "SYN-A": { ...bar(s, 2), high: 1 } })).toThrow(/do not contain/);
    expect(live.series[0]!.length).toBe(1);
    expect(() => live.onBars(s.time[1]!, { "SYN-B": bar(s, 1) })).toThrow(/no symbol "SYN-B"/);
  });

  it("needs the instruments' price decimals", () => {
    expect(() => new LiveEngine({ strategy: smaCrossover, symbols: ["SYN-A"], timeframe: "1h", mode: "paper" })).toThrow(/price decimals/);
  });

  it("grows its columns without losing bars", () => {
    const s = new LiveSeries("X", "1m", 16);
    for (let i = 0; i < 100; i++) s.append({ time: i * 60_000, open: 10, high: 11, low: 9, close: 10 + (i % 3) / 10, volume: i });
    expect(s.length).toBe(100);
    expect(s.time.length).toBeGreaterThanOrEqual(100);
    expect(Array.from(s.volume.subarray(0, 100))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe("LiveEngine in live mode", () => {
  it("queues for the exchange exactly the orders a decision-sized backtest fills, and books the exchange's fills", () => {
    const s = market[0]!;
    const rate = 0.001;
    const settings = { strategy: smaCrossover, params: { fast: 8, slow: 40, allocation: 0.9 }, cash: 50_000 } as const;
    const backtest = runBacktest({ ...settings, bars: s, commission: rate, sizing: "decision" });
    const live = new LiveEngine({ ...settings, commission: rate, symbols: ["SYN-A"], timeframe: "1h", priceDecimals: 2, mode: "live" });
    const venue = live.venue!;
    const working: Order[] = [];
    const sent: [string, number][] = [];
    for (let i = 0; i < s.length; i++) {
      // the exchange fills market orders at the first price after the decision: this bar's open
      for (const order of working.splice(0)) {
        const quantity = order.quantity - order.filledQuantity;
        live.engine.applyVenueFill(order, { quantity, price: s.open[i]!, commission: quantity * s.open[i]! * rate, liquidity: "taker", timeMs: s.time[i]! });
      }
      live.onBars(s.time[i]!, { "SYN-A": bar(s, i) });
      for (const intent of venue.drain()) {
        expect(intent.kind).toBe("submit");
        sent.push([intent.order.side, intent.order.quantity]);
        working.push(intent.order);
      }
    }
    expect(backtest.rejections).toEqual([]);
    expect(backtest.fills.length).toBeGreaterThan(20);
    expect(sent).toEqual(backtest.orders.filter((o) => o.status === "filled").map((o) => [o.side, o.quantity]));
    expect(fillsOf(live.engine.fills)).toEqual(fillsOf(backtest.fills));
    expect(live.portfolio.cash).toBeCloseTo(backtest.finalCash, 6);
  });

  it("does not echo a cancel for an order the exchange closed itself, and keeps a fill that crossed a cancel", () => {
    const s = market[0]!;
    const live = new LiveEngine({ strategy: smaCrossover, params: { fast: 2, slow: 3 }, symbols: ["SYN-A"], timeframe: "1h", priceDecimals: 2, mode: "live" });
    let i = 0;
    let order: Order | undefined;
    while (!order && i < s.length) {
      live.onBars(s.time[i]!, { "SYN-A": bar(s, i) });
      order = live.venue!.drain().find((x) => x.kind === "submit")?.order;
      i++;
    }
    expect(order).toBeDefined();
    live.venue!.closedByExchange(order!, () => live.engine.close(order!, "rejected", "EXCHANGE_REJECTED", s.time[i]!));
    expect(live.venue!.drain()).toEqual([]);
    expect(live.venue!.openOrders(0)).toEqual([]);
    // a canceled order that the exchange had partly filled: the fill counts, the order stays canceled
    live.engine.applyVenueFill(order!, { quantity: 1, price: s.open[i]!, commission: 0, liquidity: "taker", timeMs: s.time[i]! });
    expect(live.portfolio.quantity[0]).toBe(order!.side === "buy" ? 1 : -1);
  });

  it("warms the indicators on history without calling the strategy", () => {
    const s = market[0]!;
    const live = new LiveEngine({ strategy: smaCrossover, params: { fast: 8, slow: 40 }, symbols: ["SYN-A"], timeframe: "1h", priceDecimals: 2, mode: "live" });
    live.warm("SYN-A", Array.from({ length: 500 }, (_, i) => bar(s, i)));
    expect(live.venue!.drain()).toEqual([]);
    expect(live.engine.orders).toEqual([]);
    expect(() => live.warm("SYN-A", [bar(s, 499)])).toThrow(/comes after/);
    live.onBars(s.time[500]!, { "SYN-A": bar(s, 500) });
    expect(live.lastTime("SYN-A")).toBe(s.time[500]);
    expect(() => live.warm("SYN-A", [bar(s, 501)])).toThrow(/before the first live bar/);
  });
});
