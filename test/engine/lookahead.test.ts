/** No look-ahead: what a strategy can read, and what a run's past depends on. */
import { describe, expect, it } from "vitest";
import { barSeries, defineStrategy, Engine, InputError, noCommission, noSlippage, Portfolio, runBacktest, type BarSeries } from "../../engine/index.js";
import { RiskManager } from "../../engine/risk/riskManager.js";
import { smaCrossover } from "../../strategies/smaCrossover.js";

const DAY = 86_400_000;
function walk(n: number, seed = 7): BarSeries {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const close: number[] = [];
  let p = 50;
  for (let i = 0; i < n; i++) close.push((p = Math.max(1, Math.round((p + (rnd() - 0.5) * 2) * 100) / 100)));
  const open = close.map((c, i) => (i === 0 ? c : close[i - 1]!));
  return barSeries({
    symbol: "W", timeframe: "1d", time: close.map((_, i) => Date.UTC(2020, 0, 1) + i * DAY), open,
    high: close.map((c, i) => Math.max(c, open[i]!) + 0.5), low: close.map((c, i) => Math.min(c, open[i]!) - 0.5), close,
    volume: close.map(() => 1000),
  });
}
const head = (s: BarSeries, m: number): BarSeries => barSeries({ symbol: s.symbol, timeframe: s.timeframe, time: s.time.slice(0, m), open: s.open.slice(0, m), high: s.high.slice(0, m), low: s.low.slice(0, m), close: s.close.slice(0, m), volume: s.volume.slice(0, m) });

describe("no look-ahead", () => {
  it("shows a strategy only bars up to the one it handles", () => {
    const bars = walk(40);
    const seen: number[] = [];
    const probe = defineStrategy({
      name: "probe", params: {}, init: () => ({}),
      onBar(ctx) {
        const h = ctx.history("close", 1e9);
        expect(h.length).toBe(ctx.index + 1);
        expect(h[h.length - 1]).toBe(bars.close[ctx.index]);
        expect(ctx.close).toBe(bars.close[ctx.index]);
        seen.push(ctx.time);
      },
    });
    runBacktest({ bars, strategy: probe });
    expect(seen).toEqual(Array.from(bars.time));
  });

  it("gives onFill the view from before the fill's bar traded, and stamps orders it places with the fill time", () => {
    const bars = walk(10);
    const views: { index: number; close: number; fillTime: number }[] = [];
    let stopCreated = NaN;
    const s = defineStrategy({
      name: "fill-view", params: {}, init: () => ({}),
      onBar(ctx) { if (ctx.index === 2) ctx.buy(5); },
      onFill(ctx, _s, fill) {
        views.push({ index: ctx.index, close: ctx.close, fillTime: fill.timeMs });
        stopCreated = ctx.sell(5, { type: "stop", stopPrice: 1, reduceOnly: true }).createdMs;
      },
    });
    const r = runBacktest({ bars, strategy: s });
    expect(r.fills[0]!.timeMs).toBe(bars.time[3]);
    expect(r.fills[0]!.price).toBe(bars.open[3]);
    expect(views).toEqual([{ index: 2, close: bars.close[2], fillTime: bars.time[3] }]);
    expect(stopCreated).toBe(bars.time[3]);
  });

  it("gives the same past when the future is cut off (fills, orders and equity bit for bit)", () => {
    const bars = walk(600);
    const full = runBacktest({ bars, strategy: smaCrossover, params: { fast: 5, slow: 20 }, commission: 0.001 });
    const m = 350;
    const cut = runBacktest({ bars: head(bars, m), strategy: smaCrossover, params: { fast: 5, slow: 20 }, commission: 0.001 });
    expect(full.fills.length).toBeGreaterThan(10);
    expect(cut.equity).toEqual(full.equity.slice(0, m));
    expect(cut.fills).toEqual(full.fills.filter((f) => f.timeMs < bars.time[m]!));
  });

  it("sums on declared tick decimals when given, with the same result as the inferred ones", () => {
    const bars = walk(300);
    const inferred = runBacktest({ bars, strategy: smaCrossover, params: { fast: 5, slow: 20 } });
    const declared = runBacktest({ bars, strategy: smaCrossover, params: { fast: 5, slow: 20 }, priceDecimals: { W: 4 } });
    expect(declared.fills).toEqual(inferred.fills);
    expect(declared.equity).toEqual(inferred.equity);
  });
});

describe("parameter updates while running", () => {
  const bars = walk(30);
  const seen: number[] = [];
  const s = defineStrategy({
    name: "hot", params: { level: { default: 5, min: 1, max: 10 } }, init: () => ({}),
    onBar(ctx) { seen.push(ctx.params.level); },
  });
  const engine = new Engine({ series: [bars], strategy: s, params: { level: 5 }, portfolio: new Portfolio(["W"], { cash: 1000 }),
    risk: new RiskManager([]), commission: noCommission(), slippage: noSlippage(), lotSize: () => 1 });

  it("applies a value inside the range from the next bar and refuses one outside it, changing nothing", () => {
    engine.start();
    engine.bar(0, 0);
    engine.setParams({ level: 8 });
    engine.bar(0, 1);
    expect(() => engine.setParams({ level: 11 })).toThrow(InputError);
    expect(() => engine.setParams({ nope: 1 })).toThrow(/no parameter "nope"/);
    engine.bar(0, 2);
    expect(seen).toEqual([5, 8, 8]);
    expect(engine.params).toEqual({ level: 8 });
  });
});
