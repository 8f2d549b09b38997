/**
 * Walk-forward analysis (engine/walkForward*.ts): window planning and its edge cases, in-sample
 * selection checked against runs made independently, out-of-sample stitching against hand-made
 * compounding, the warm-up, and that no out-of-sample bar can sway a window's choice.
 */
import { describe, expect, it } from "vitest";
import {
  DAY_MS, HOUR_MS, InputError, barSeries, combineWalkForward, computeMetrics, defineStrategy, mergedTimeline,
  parseWindowLength, planWalkForward, runBacktest, runWarmedUp, selectBest, sweepGrid, walkForward,
  type CandidateRun, type Metrics, type OutOfSampleRun, type WalkForwardWindow,
} from "../../engine/index.ts";
import { barsBetween } from "../../engine/bars.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { YEAR_MS } from "../../engine/metrics/inferPeriodsPerYear.ts";
import { smaCrossover } from "../../strategies/index.ts";

const T0 = Date.UTC(2024, 0, 1);
/** n hourly bar times from T0. */
const hours = (n: number) => Float64Array.from({ length: n }, (_, i) => T0 + i * HOUR_MS);
const [SYN] = syntheticMarket({ seed: 42, symbols: 1, timeframe: "1h", start: T0, bars: 150 * 24 });
const market = SYN!;
const paramSets = sweepGrid(smaCrossover.params, [{ param: "fast", from: 5, to: 15, step: 5 }, { param: "slow", from: 30, to: 60, step: 30 }]);
const settings = { strategy: smaCrossover, cash: 100_000, commission: 0.001 } as const;

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

const spans = (ws: readonly WalkForwardWindow[]) => ws.map((w) => [w.inSample.start, w.inSample.end, w.outOfSample.start, w.outOfSample.end, w.partial]);

describe("parseWindowLength", () => {
  it("reads bars and durations", () => {
    expect(parseWindowLength(500, "x")).toEqual({ bars: 500 });
    expect(parseWindowLength("500", "x")).toEqual({ bars: 500 });
    expect(parseWindowLength("500 bars", "x")).toEqual({ bars: 500 });
    expect(parseWindowLength("90d", "x")).toEqual({ ms: 90 * DAY_MS });
    expect(parseWindowLength(" 12h ", "x")).toEqual({ ms: 12 * HOUR_MS });
    expect(parseWindowLength("4w", "x")).toEqual({ ms: 28 * DAY_MS });
    expect(parseWindowLength("30m", "x")).toEqual({ ms: 30 * 60_000 });
    expect(parseWindowLength("1.5d", "x")).toEqual({ ms: 1.5 * DAY_MS });
    expect(parseWindowLength({ ms: 1234 }, "x")).toEqual({ ms: 1234 });
    expect(parseWindowLength(0, "the warm-up", true)).toEqual({ bars: 0 });
  });

  it.each<[unknown, RegExp]>([
    [0, /the in-sample length is 0 bars; it must be a whole number above 0/],
    [-5, /is -5 bars/],
    [2.5, /is 2.5 bars; it must be a whole number/],
    [Number.NaN, /is NaN bars/],
    ["abc", /"abc" is not a length; write a number of bars \(500\), or a duration such as 90d/],
    ["3M", /months and years have no fixed length; give days instead/],
    ["", /"" is not a length/],
    [{ ms: -1 }, /is -1 ms; a duration must be a finite number of ms above 0/],
    [null, /is not a length/],
  ])("refuses %j with a clear message", (length, message) => {
    const e = inputError(() => parseWindowLength(length as never, "the in-sample length"));
    expect(e.code).toBe("WF_BAD_LENGTH");
    expect(e.message).toMatch(message);
  });
});

describe("planWalkForward", () => {
  it("rolls a fixed in-sample window by the out-of-sample length; the last window may be cut short", () => {
    const time = hours(100);
    const ws = planWalkForward(time, { inSample: 30, outOfSample: 20 });
    expect(spans(ws)).toEqual([[0, 30, 30, 50, false], [20, 50, 50, 70, false], [40, 70, 70, 90, false], [60, 90, 90, 100, true]]);
    expect(ws.map((w) => w.index)).toEqual([0, 1, 2, 3]);
    // the ms bounds select exactly those bars; the last ends at the last bar's close
    expect(ws[0]!.inSample).toMatchObject({ fromMs: time[0], toMs: time[30] });
    expect(ws[3]!.outOfSample).toMatchObject({ fromMs: time[90], toMs: time[99]! + HOUR_MS });
    // warm-up defaults to the in-sample length: for rolling windows, the in-sample window itself
    for (const w of ws) expect([w.warmUp.start, w.warmUp.end, w.warmUp.fromMs, w.warmUp.toMs]).toEqual([w.inSample.start, w.inSample.end, w.inSample.fromMs, w.inSample.toMs]);
  });

  it("anchors every in-sample window at the first bar when anchored", () => {
    const ws = planWalkForward(hours(100), { mode: "anchored", inSample: 30, outOfSample: 20 });
    expect(spans(ws)).toEqual([[0, 30, 30, 50, false], [0, 50, 50, 70, false], [0, 70, 70, 90, false], [0, 90, 90, 100, true]]);
    // the default warm-up is the in-sample *length*, not the growing window
    expect(ws.map((w) => [w.warmUp.start, w.warmUp.end])).toEqual([[0, 30], [20, 50], [40, 70], [60, 90]]);
  });

  it("takes a step longer than the out-of-sample window (leaving gaps), and a warm-up of any length, or none", () => {
    const ws = planWalkForward(hours(100), { inSample: 30, outOfSample: 10, step: 25, warmUp: 5 });
    expect(spans(ws)).toEqual([[0, 30, 30, 40, false], [25, 55, 55, 65, false], [50, 80, 80, 90, false]]);
    expect(ws.map((w) => [w.warmUp.start, w.warmUp.end])).toEqual([[25, 30], [50, 55], [75, 80]]);
    const cold = planWalkForward(hours(100), { inSample: 30, outOfSample: 20, warmUp: 0 });
    expect(cold.every((w) => w.warmUp.start === w.warmUp.end && w.warmUp.fromMs === w.outOfSample.fromMs)).toBe(true);
    // a warm-up longer than the history before the window starts at the first bar
    expect(planWalkForward(hours(100), { inSample: 30, outOfSample: 20, warmUp: 1000 })[0]!.warmUp.start).toBe(0);
  });

  it("plans durations in time, skips a window that falls in a gap, and its bounds select the same bars as barsBetween", () => {
    // 60 days of hourly bars with days 25..34 missing
    const all = hours(60 * 24);
    const time = all.filter((t) => t < T0 + 25 * DAY_MS || t >= T0 + 35 * DAY_MS);
    const ws = planWalkForward(time, { inSample: "10d", outOfSample: "5d" });
    // out of sample from day 25 or 30: nothing to trade; from day 35: nothing to optimise on (days 25–35); left out
    expect(ws.map((w) => (w.outOfSample.fromMs - T0) / DAY_MS)).toEqual([10, 15, 20, 40, 45, 50, 55]);
    expect(ws.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const s = barSeries({ symbol: "X", time, open: time.map(() => 1), high: time.map(() => 1), low: time.map(() => 1), close: time.map(() => 1) });
    for (const w of ws) {
      for (const span of [w.inSample, w.outOfSample, w.warmUp]) {
        const b = barsBetween(s, span.fromMs, span.toMs);
        expect([b.length, b.length ? b.time[0] : undefined]).toEqual([span.end - span.start, span.end > span.start ? time[span.start] : undefined]);
      }
    }
    // the first window after the gap optimises on the 5 days of its 10 that have bars
    expect(ws[3]!.inSample.end - ws[3]!.inSample.start).toBe(5 * 24);
    expect(ws.some((w) => w.partial)).toBe(false);
  });

  it("marks a duration window cut by the end of the data as partial", () => {
    const ws = planWalkForward(hours(24 * 12), { inSample: "5d", outOfSample: "2d" });
    expect(ws.map((w) => [(w.outOfSample.fromMs - T0) / DAY_MS, w.outOfSample.end - w.outOfSample.start, w.partial])).toEqual([[5, 48, false], [7, 48, false], [9, 48, false], [11, 24, true]]);
  });

  it.each<[string, object, number, string, RegExp]>([
    ["data shorter than the in-sample window", { inSample: 100, outOfSample: 10 }, 100, "WF_TOO_SHORT", /the data \(100 bars, 2024-01-01 to 2024-01-05T03:00:00.000Z\) is too short for one window: the in-sample window alone is 100 bars/],
    ["a duration longer than the data", { inSample: "30d", outOfSample: "5d" }, 100, "WF_TOO_SHORT", /the in-sample window alone is 30 days/],
    ["overlapping out-of-sample windows", { inSample: 30, outOfSample: 20, step: 10 }, 100, "WF_OVERLAP", /the step \(10 bars\) is shorter than the out-of-sample window \(20 bars\), so the out-of-sample windows would overlap/],
    ["bars mixed with durations", { inSample: "10d", outOfSample: 24 }, 100, "WF_MIXED_LENGTHS", /all in bars or all as durations; got 10 days, 24 bars and 24 bars/],
    ["an unknown mode", { mode: "sliding", inSample: 30, outOfSample: 20 }, 100, "WF_BAD_MODE", /mode must be "rolling" or "anchored"; got "sliding"/],
    ["a step that makes too many windows", { inSample: 10, outOfSample: 1, maxWindows: 50 }, 100, "WF_TOO_MANY_WINDOWS", /give 90 windows, more than the 50 allowed/],
    ["one bar", { inSample: 1, outOfSample: 1 }, 1, "WF_TOO_SHORT", /the data has 1 bar;/],
    ["a nonsense step", { inSample: 30, outOfSample: 20, step: "soon" }, 100, "WF_BAD_LENGTH", /the step "soon" is not a length/],
  ])("refuses %s", (_, spec, n, code, message) => {
    const e = inputError(() => planWalkForward(hours(n), spec as never));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it("merges the timelines of several symbols", () => {
    expect(Array.from(mergedTimeline([[1, 3, 5], [2, 3, 6]]))).toEqual([1, 2, 3, 5, 6]);
  });
});

const metricsWith = (values: Partial<Metrics>) => ({ ...runBacktest({ bars: market, strategy: smaCrossover, params: { fast: 5, slow: 30 } }).metrics, ...values });

describe("selectBest", () => {
  const run = (sharpe: number, error?: string): CandidateRun => ({ params: { sharpe }, metrics: metricsWith({ sharpe }), ...(error ? { error } : {}) });

  it("takes the highest value, the earliest on a tie; a failed or NaN run never wins; Infinity is a number", () => {
    expect(selectBest([run(1), run(3), run(3), run(2)], "sharpe")).toEqual({ index: 1, value: 3, qualified: 4, failed: 0, unscored: 0 });
    expect(selectBest([run(9, "STRATEGY_ERROR: boom"), run(NaN), { params: {}, error: "fast must be below slow" }, run(0.5)], "sharpe"))
      .toEqual({ index: 3, value: 0.5, qualified: 1, failed: 2, unscored: 1 });
    expect(selectBest([run(5), run(Infinity)], "sharpe").index).toBe(1);
  });

  it("minimises lower-is-better metrics unless told otherwise", () => {
    const dd = (maxDrawdown: number): CandidateRun => ({ params: {}, metrics: metricsWith({ maxDrawdown }) });
    expect(selectBest([dd(0.3), dd(0.1), dd(0.2)], "maxDrawdown").index).toBe(1);
    expect(selectBest([dd(0.3), dd(0.1), dd(0.2)], "maxDrawdown", true).index).toBe(0);
  });

  it("says why nothing was chosen", () => {
    expect(selectBest([run(NaN), { params: {}, error: "x" }], "sharpe")).toEqual({ index: undefined, value: NaN, qualified: 0, failed: 1, unscored: 1, reason: "no in-sample run qualified: 1 failed, 1 had no sharpe (NaN)" });
    expect(selectBest([], "sharpe").reason).toBe("there were no parameter sets to try");
  });
});

describe("runWarmedUp", () => {
  const w = planWalkForward(market.time, { inSample: "20d", outOfSample: "10d" })[2]!;
  const period = { fromMs: w.outOfSample.fromMs, toMs: w.outOfSample.toMs, warmUpFromMs: w.warmUp.fromMs };

  it("with no warm-up is runBacktest over the period", () => {
    const cold = runWarmedUp({ ...settings, bars: market, params: { fast: 5, slow: 30 } }, { fromMs: period.fromMs, toMs: period.toMs });
    const ref = runBacktest({ ...settings, bars: barsBetween(market, period.fromMs, period.toMs), params: { fast: 5, slow: 30 } });
    expect(cold).toEqual(ref);
  });

  it("lets the strategy see the warm-up bars but trade and be measured only from the period's first bar", () => {
    let firstOobSma = NaN;
    const probe = defineStrategy({
      name: "always-long", params: {},
      init: (ctx) => ({ sma: ctx.sma(50) }),
      onBar(ctx, s) {
        if (ctx.time === period.fromMs) firstOobSma = s.sma.value;
        if (ctx.position === 0) ctx.orderTargetPercent(1);
      },
    });
    const r = runWarmedUp({ bars: market, strategy: probe, cash: 50_000 }, period);
    expect(Number.isFinite(firstOobSma)).toBe(true); // 480 warm-up bars filled the 50-bar average
    const oos = barsBetween(market, period.fromMs, period.toMs);
    expect(r.time).toEqual(oos.time);
    expect(r.equity[0]).toBe(50_000); // nothing traded before the period
    // the first order is decided on the period's first bar and fills at the next bar's open
    expect(r.fills[0]!.timeMs).toBe(oos.time[1]);
    expect(r.fills.every((f) => f.timeMs >= period.fromMs)).toBe(true);
    expect(r.rejections).toEqual([]);
    expect(r.orders.every((o) => o.createdMs > period.fromMs)).toBe(true);
    expect(r.barsProcessed).toBe(oos.length);
    expect(r.metrics).toEqual(computeMetrics({ timeMs: r.time, equity: r.equity, initialCash: 50_000, trades: r.trades, fills: r.fills, exposure: r.exposure }));
    // without the warm-up the 50-bar average is not ready on the first bar
    runWarmedUp({ bars: market, strategy: probe, cash: 50_000 }, { fromMs: period.fromMs, toMs: period.toMs });
    expect(firstOobSma).toBeNaN();
  });

  it("refuses a period with no bars", () => {
    expect(inputError(() => runWarmedUp({ ...settings, bars: market }, { fromMs: T0 - 10 * DAY_MS, toMs: T0 - DAY_MS, warmUpFromMs: T0 - 20 * DAY_MS })).code).toBe("NO_BARS_IN_PERIOD");
  });
});

describe("walkForward", () => {
  const spec = { inSample: "30d", outOfSample: "15d" } as const;
  const wf = walkForward({ ...settings, bars: market, paramSets, metric: "sharpe", windows: spec });

  it("plans its windows on the bars and runs every set in each", () => {
    expect(wf.windows.map((r) => r.window)).toEqual(planWalkForward(market.time, spec));
    expect(wf.windows.length).toBe(8);
    expect(wf.windows.every((r) => r.candidates.length === paramSets.length)).toBe(true);
  });

  it("chooses in each window the argmax of in-sample runs made independently (earliest on a tie)", () => {
    for (const row of wf.windows) {
      const inSample = barsBetween(market, row.window.inSample.fromMs, row.window.inSample.toMs);
      const values = paramSets.map((params) => runBacktest({ ...settings, bars: inSample, params }).metrics.sharpe);
      const finite = values.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v));
      const best = finite.reduce((a, b) => (b[0] > a[0] ? b : a));
      expect(row.params).toEqual(paramSets[best[1]]);
      expect(row.selection.value).toBe(best[0]);
      expect(row.inSample?.sharpe).toBe(best[0]);
    }
    // the choice is not the same set everywhere, so this checks something
    expect(new Set(wf.windows.map((r) => JSON.stringify(r.params))).size).toBeGreaterThan(1);
  });

  it("runs each chosen set out of sample, warmed up, from the equity the previous window ended with", () => {
    let equity = 100_000;
    for (const row of wf.windows) {
      const w = row.window;
      const ref = runWarmedUp({ ...settings, bars: market, params: row.params, cash: equity }, { fromMs: w.outOfSample.fromMs, toMs: w.outOfSample.toMs, warmUpFromMs: w.warmUp.fromMs });
      expect(row.outOfSample).toEqual(ref.metrics);
      expect(row.startEquity).toBe(equity);
      equity = ref.equity[ref.equity.length - 1]!;
      expect(row.endEquity).toBe(equity);
    }
    expect(wf.metrics.finalEquity).toBe(equity);
  });

  it("stitches the out-of-sample equity by compounding the windows' returns", () => {
    const compounded = wf.windows.reduce((e, r) => e * (1 + r.outOfSample!.totalReturn), 100_000);
    expect(wf.metrics.finalEquity).toBeCloseTo(compounded, 6);
    expect(wf.time).toEqual(Float64Array.from(wf.windows.flatMap((r) => Array.from(market.time.subarray(r.window.outOfSample.start, r.window.outOfSample.end)))));
    expect(wf.metrics).toEqual(computeMetrics({ timeMs: wf.time, equity: wf.equity, initialCash: 100_000, trades: wf.trades, fills: wf.fills, exposure: wf.exposure }));
    expect(wf.trades.length).toBe(wf.windows.reduce((n, r) => n + r.outOfSample!.numberOfTrades, 0));
  });

  it("computes the walk-forward efficiency from the windows", () => {
    const annual = (m: Metrics, s: { fromMs: number; toMs: number }) => m.totalReturn / ((s.toMs - s.fromMs) / YEAR_MS);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const is = mean(wf.windows.map((r) => annual(r.inSample!, r.window.inSample)));
    const oos = mean(wf.windows.map((r) => annual(r.outOfSample!, r.window.outOfSample)));
    expect(wf.efficiency.inSampleAnnualReturn).toBe(is);
    expect(wf.efficiency.outOfSampleAnnualReturn).toBe(oos);
    expect(wf.efficiency.ratio).toBe(is > 0 ? oos / is : NaN);
    expect(wf.efficiency.metric.inSample).toBe(mean(wf.windows.map((r) => r.selection.value)));
    expect(wf.efficiency.windows).toBe(8);
  });

  it("uses no bar after a window's in-sample end to choose: changing the later bars changes no earlier choice", () => {
    const cut = wf.windows[4]!.window.inSample.toMs;
    const k = market.time.findIndex((t) => t >= cut);
    // from the cut on, the bars are replaced by a mirrored path
    const pivot = market.close[k]!;
    const mirror = (x: number) => Math.round((pivot * pivot) / x * 100) / 100;
    const after = (col: Float64Array, other: Float64Array) => Float64Array.from(col, (x, i) => (i < k ? x : mirror(other[i]!)));
    const changed = barSeries({
      symbol: market.symbol, timeframe: market.timeframe, time: market.time, volume: market.volume,
      // mirrored, a bar's low becomes its high
      open: after(market.open, market.open), close: after(market.close, market.close), high: after(market.high, market.low), low: after(market.low, market.high),
    });
    const other = walkForward({ ...settings, bars: changed, paramSets, metric: "sharpe", windows: spec });
    for (let i = 0; i <= 4; i++) {
      expect(other.windows[i]!.params).toEqual(wf.windows[i]!.params);
      expect(other.windows[i]!.candidates).toEqual(wf.windows[i]!.candidates);
    }
    // …and it did change what came after
    expect(other.windows.slice(5).map((r) => r.candidates)).not.toEqual(wf.windows.slice(5).map((r) => r.candidates));
  });

  it("is deterministic", () => {
    expect(walkForward({ ...settings, bars: market, paramSets, metric: "sharpe", windows: spec })).toEqual(wf);
  });

  it("keeps a window in cash when no set qualifies, and says so; a failing set never wins", () => {
    const sets = [{ fast: 40, slow: 30 }, ...paramSets.slice(0, 2)];
    const mixed = walkForward({ ...settings, bars: market, paramSets: sets, metric: "sharpe", windows: spec });
    expect(mixed.windows.every((r) => r.candidates[0]!.error?.includes("fast (40) must be shorter than slow (30)"))).toBe(true);
    expect(mixed.windows.every((r) => r.selection.failed === 1 && r.selection.index !== 0 && r.params?.fast !== 40)).toBe(true);

    const none = walkForward({ ...settings, bars: market, paramSets: [{ fast: 40, slow: 30 }], metric: "sharpe", windows: spec });
    expect(none.windows.every((r) => r.params === undefined && r.outOfSample === undefined)).toBe(true);
    expect(none.windows[0]!.note).toBe("no in-sample run qualified: 1 failed; the window stayed in cash");
    expect(none.equity.every((e) => e === 100_000)).toBe(true);
    expect(none.time.length).toBe(wf.time.length);
    expect(none.metrics.totalReturn).toBe(0);
    expect(none.efficiency.ratio).toBeNaN();
  });

  it("stops between runs when canceled, keeping the windows done", () => {
    const signal = { aborted: false };
    const partial = walkForward({
      ...settings, bars: market, paramSets, metric: "sharpe", windows: spec, signal,
      onProgress: (done) => { if (done === 3 * (paramSets.length + 1) + 2) signal.aborted = true; },
    });
    expect(partial.error?.code).toBe("CANCELED");
    expect(partial.windows).toEqual(wf.windows.slice(0, 3));
    expect(partial.metrics.finalEquity).toBe(wf.windows[2]!.endEquity);
  });

  it("refuses no parameter sets", () => {
    expect(inputError(() => walkForward({ ...settings, bars: market, paramSets: [], metric: "sharpe", windows: spec })).code).toBe("WF_NO_PARAM_SETS");
  });
});

describe("combineWalkForward", () => {
  const window = (i: number, start: number, end: number): WalkForwardWindow => ({
    index: i, partial: false,
    inSample: { start: 0, end: start, fromMs: 0, toMs: start * HOUR_MS },
    outOfSample: { start, end, fromMs: start * HOUR_MS, toMs: end * HOUR_MS },
    warmUp: { start, end: start, fromMs: start * HOUR_MS, toMs: start * HOUR_MS },
  });
  const candidates = [{ params: { a: 1 }, metrics: metricsWith({ sharpe: 1, totalReturn: 0.5 }) }];
  /** A hand-made out-of-sample run over bars [start, end) of an hourly clock from 0. */
  const oos = (start: number, equity: number[], initialCash: number): OutOfSampleRun => {
    const time = Float64Array.from(equity, (_, i) => (start + i) * HOUR_MS);
    const eq = Float64Array.from(equity);
    return {
      initialCash, time, equity: eq, exposure: new Float64Array(equity.length).fill(1), trades: [], fills: [],
      metrics: computeMetrics({ timeMs: time, equity: eq, initialCash, trades: [], fills: [] }),
    };
  };

  it("compounds runs that started from any cash: each window goes on from where the one before ended", () => {
    const timeline = Float64Array.from({ length: 12 }, (_, i) => i * HOUR_MS);
    const result = combineWalkForward({
      timeline, cash: 1000, metric: "sharpe",
      outcomes: [
        { window: window(0, 2, 5), candidates, outOfSample: oos(2, [1000, 1100, 1200], 1000) }, // +20 %
        { window: window(1, 5, 8), candidates, outOfSample: oos(5, [50, 40, 60], 50) }, // ×1.2 on a run of 50 cash
        { window: window(2, 8, 10), candidates: [{ params: {}, error: "x" }] }, // nothing qualified: flat
        { window: window(3, 10, 12), candidates, outOfSample: oos(10, [2, 1], 2) }, // −50 %
      ],
    });
    // by hand: 1000 → 1200; then 1200 × (50, 40, 60) / 50; flat at 1440; then 1440 × (2, 1) / 2
    expect(Array.from(result.equity)).toEqual([1000, 1100, 1200, 1200, 960, 1440, 1440, 1440, 1440, 720]);
    expect(Array.from(result.time)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => i * HOUR_MS));
    expect(Array.from(result.exposure)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
    expect(result.windows.map((r) => [r.startEquity, r.endEquity])).toEqual([[1000, 1200], [1200, 1440], [1440, 1440], [1440, 720]]);
    expect(result.windows[2]!.note).toBe("no in-sample run qualified: 1 failed; the window stayed in cash");
    expect(result.metrics.totalReturn).toBeCloseTo(-0.28, 15);
  });

  it("rescales the trades and fills of a run that did not start from the equity so far", () => {
    const run = runBacktest({ bars: market, strategy: smaCrossover, params: { fast: 5, slow: 30 }, cash: 10_000 });
    const w = window(0, 0, market.length);
    const result = combineWalkForward({ timeline: market.time, cash: 20_000, metric: "sharpe", outcomes: [{ window: w, candidates, outOfSample: run }] });
    expect(result.trades.map((t) => t.netPnl)).toEqual(run.trades.map((t) => t.netPnl * 2));
    expect(result.fills.map((f) => f.quantity)).toEqual(run.fills.map((f) => f.quantity * 2));
    expect(result.metrics.totalReturn).toBeCloseTo(run.metrics.totalReturn, 12);
    expect(result.metrics.winRate).toBe(run.metrics.winRate);
  });

  it("notes an out-of-sample run that could not run, and keeps the equity flat through it", () => {
    const result = combineWalkForward({ timeline: hours(6).map((t) => t - T0), cash: 10, metric: "sharpe", outcomes: [{ window: window(0, 2, 6), candidates, outOfSample: { error: "no bars" } }] });
    expect(result.windows[0]!.note).toBe("the out-of-sample run could not run: no bars; the window stayed in cash");
    expect(Array.from(result.equity)).toEqual([10, 10, 10, 10]);
  });
});
