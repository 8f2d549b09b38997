import { describe, expect, it } from "vitest";
import { priceDecimals } from "../../../engine/bars.js";
import { InputError } from "../../../engine/errors.js";
import {
  Atr, Bollinger, Crossover, Donchian, Ema, Macd, Obv, Roc, Rsi, Sma, Stochastic, Vwap, Wma,
  atrBatch, bollingerBatch, crossoverBatch, donchianBatch, emaBatch, macdBatch, obvBatch, rocBatch, rsiBatch,
  smaBatch, stochasticBatch, vwapBatch, wmaBatch,
  type BarIndicator, type ScalarIndicator,
} from "../../../engine/indicators/index.js";
import { loadOrcl } from "./orcl.js";

/**
 * One contract, run by every indicator: warm-up, batch == streaming bit for bit, replace, reset,
 * non-finite inputs and bad constructor arguments. Inputs are the real ORCL daily bars.
 */

const { series } = loadOrcl();
const decimals = priceDecimals(series)!;
const N = series.length;

/** One step of input: a bar, plus the pair (a, b) that Crossover is fed. */
interface Row { h: number; l: number; c: number; v: number; a: number; b: number }
interface Columns { high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array; a: Float64Array; b: Float64Array }

const sma10 = smaBatch(series.close, 10, { decimals });
const cols: Columns = { high: series.high, low: series.low, close: series.close, volume: series.volume, a: series.close, b: sma10 };
const rows: Row[] = Array.from({ length: N }, (_, i) => ({
  h: series.high[i]!, l: series.low[i]!, c: series.close[i]!, v: series.volume[i]!, a: series.close[i]!, b: sma10[i]!,
}));
/** A different real bar for position i, so values stay on the price grid. */
const other = (i: number): Row => rows[(i * 7919 + 13) % N]!;

/** The indicator under test behind one interface. */
interface Subject {
  readonly warmup: number | undefined;
  readonly count: number;
  readonly ready: boolean | undefined;
  update(r: Row): number;
  replace(r: Row): number;
  reset(): void;
  outputs(): number[];
  /** Calls that pass a non-finite input; each must throw InputError("NAN_INPUT"). */
  nanCalls(): (() => unknown)[];
}

interface Case {
  name: string;
  create(): Subject;
  batch(c: Columns): ArrayLike<number>[];
  badArgs: (() => unknown)[];
}

function scalarCase<T extends ScalarIndicator>(
  name: string, make: () => T, outputs: (ind: T) => number[], batch: (x: Float64Array) => ArrayLike<number>[],
  badArgs: (() => unknown)[],
): Case {
  return {
    name, badArgs,
    batch: (c) => batch(c.close),
    create() {
      const ind = make();
      return {
        get warmup() { return ind.warmup; },
        get count() { return ind.count; },
        get ready() { return ind.ready; },
        update: (r) => ind.update(r.c),
        replace: (r) => ind.replace(r.c),
        reset: () => ind.reset(),
        outputs: () => outputs(ind),
        nanCalls: () => [NaN, Infinity, -Infinity].flatMap((x) => [() => ind.update(x), () => ind.replace(x)]),
      };
    },
  };
}

/** Volume 0 on about a quarter of the bars (decided by the close, so replays agree), for runs of untraded bars. */
const someZeroVolume = (v: number, c: number): number => (Math.round(c * 1e6) % 4 === 0 ? 0 : v);

function barCase<T extends BarIndicator>(
  name: string, make: () => T, outputs: (ind: T) => number[],
  batch: (h: Float64Array, l: Float64Array, c: Float64Array, v: Float64Array) => ArrayLike<number>[],
  badArgs: (() => unknown)[], vol: (v: number, c: number) => number = (v) => v,
): Case {
  return {
    name, badArgs,
    batch: (c) => batch(c.high, c.low, c.close, c.volume.map((v, i) => vol(v, c.close[i]!))),
    create() {
      const ind = make();
      const bar = [11, 10, 10.5, 1000];
      return {
        get warmup() { return ind.warmup; },
        get count() { return ind.count; },
        get ready() { return ind.ready; },
        update: (r) => ind.update(r.h, r.l, r.c, vol(r.v, r.c)),
        replace: (r) => ind.replace(r.h, r.l, r.c, vol(r.v, r.c)),
        reset: () => ind.reset(),
        outputs: () => outputs(ind),
        nanCalls: () => [0, 1, 2, 3].flatMap((pos) => [NaN, Infinity].flatMap((x) => {
          const args = bar.slice() as [number, number, number, number];
          args[pos] = x;
          return [() => ind.update(...args), () => ind.replace(...args)];
        })),
      };
    },
  };
}

const crossoverCase: Case = {
  name: "Crossover",
  badArgs: [],
  batch: (c) => [crossoverBatch(c.a, c.b)],
  create() {
    const ind = new Crossover();
    return {
      warmup: undefined,
      get count() { return ind.count; },
      ready: undefined,
      update: (r) => ind.update(r.a, r.b),
      replace: (r) => ind.replace(r.a, r.b),
      reset: () => ind.reset(),
      outputs: () => [ind.value],
      nanCalls: () => [],
    };
  },
};

const cases: Case[] = [
  scalarCase("Sma(30)", () => new Sma(30), (i) => [i.value], (x) => [smaBatch(x, 30)],
    [() => new Sma(0), () => new Sma(-1), () => new Sma(2.5), () => new Sma(NaN), () => new Sma(Infinity)]),
  scalarCase("Sma(30) in ticks", () => new Sma(30, { decimals }), (i) => [i.value], (x) => [smaBatch(x, 30, { decimals })],
    [() => new Sma(30, { decimals: -1 }), () => new Sma(30, { decimals: 1.5 }), () => new Sma(30, { decimals: 16 }),
      () => new Sma(30, { decimals: 15 })]),
  scalarCase("Sma(1) in ticks", () => new Sma(1, { decimals }), (i) => [i.value], (x) => [smaBatch(x, 1, { decimals })], []),
  scalarCase("Ema(20)", () => new Ema(20), (i) => [i.value], (x) => [emaBatch(x, 20)], [() => new Ema(0), () => new Ema(1.5)]),
  scalarCase("Ema(1)", () => new Ema(1), (i) => [i.value], (x) => [emaBatch(x, 1)], []),
  scalarCase("Wma(20)", () => new Wma(20), (i) => [i.value], (x) => [wmaBatch(x, 20)], [() => new Wma(0), () => new Wma(-3)]),
  scalarCase("Wma(20) in ticks", () => new Wma(20, { decimals }), (i) => [i.value], (x) => [wmaBatch(x, 20, { decimals })],
    [() => new Wma(20, { decimals: 16 }), () => new Wma(20, { decimals: 14 })]),
  scalarCase("Rsi(14)", () => new Rsi(14), (i) => [i.value], (x) => [rsiBatch(x, 14)], [() => new Rsi(0), () => new Rsi(2.5)]),
  scalarCase("Rsi(1)", () => new Rsi(1), (i) => [i.value], (x) => [rsiBatch(x, 1)], []),
  scalarCase("Macd(12,26,9)", () => new Macd(), (i) => [i.value, i.macd, i.signal, i.histogram],
    (x) => { const m = macdBatch(x); return [m.macd, m.macd, m.signal, m.histogram]; },
    [() => new Macd(0, 26, 9), () => new Macd(26, 12, 9), () => new Macd(12, 12, 9), () => new Macd(12, 26, 0)]),
  scalarCase("Bollinger(20,2) in ticks", () => new Bollinger(20, 2, { decimals }), (i) => [i.value, i.upper, i.middle, i.lower],
    (x) => { const b = bollingerBatch(x, 20, 2, { decimals }); return [b.middle, b.upper, b.middle, b.lower]; },
    [() => new Bollinger(0), () => new Bollinger(20, 0), () => new Bollinger(20, -1), () => new Bollinger(20, NaN),
      () => new Bollinger(20, Infinity), () => new Bollinger(20, 2, { decimals: 99 })]),
  scalarCase("Bollinger(10,1.5)", () => new Bollinger(10, 1.5), (i) => [i.value, i.upper, i.middle, i.lower],
    (x) => { const b = bollingerBatch(x, 10, 1.5); return [b.middle, b.upper, b.middle, b.lower]; }, []),
  scalarCase("Roc(10)", () => new Roc(10), (i) => [i.value], (x) => [rocBatch(x, 10)], [() => new Roc(0), () => new Roc(0.5)]),
  barCase("Atr(14)", () => new Atr(14), (i) => [i.value], (h, l, c, v) => [atrBatch(h, l, c, v, 14)], [() => new Atr(0)]),
  barCase("Atr(1)", () => new Atr(1), (i) => [i.value], (h, l, c, v) => [atrBatch(h, l, c, v, 1)], []),
  barCase("Stochastic(14,3)", () => new Stochastic(14, 3), (i) => [i.value, i.k, i.d],
    (h, l, c, v) => { const s = stochasticBatch(h, l, c, v, 14, 3); return [s.k, s.k, s.d]; },
    [() => new Stochastic(0, 3), () => new Stochastic(14, 0), () => new Stochastic(14, 1.5)]),
  barCase("Stochastic(1,1)", () => new Stochastic(1, 1), (i) => [i.value, i.k, i.d],
    (h, l, c, v) => { const s = stochasticBatch(h, l, c, v, 1, 1); return [s.k, s.k, s.d]; }, []),
  barCase("Donchian(20)", () => new Donchian(20), (i) => [i.value, i.upper, i.middle, i.lower],
    (h, l, c, v) => { const d = donchianBatch(h, l, c, v, 20); return [d.middle, d.upper, d.middle, d.lower]; },
    [() => new Donchian(0), () => new Donchian(-20)]),
  barCase("Donchian(1)", () => new Donchian(1), (i) => [i.value, i.upper, i.middle, i.lower],
    (h, l, c, v) => { const d = donchianBatch(h, l, c, v, 1); return [d.middle, d.upper, d.middle, d.lower]; }, []),
  barCase("Obv", () => new Obv(), (i) => [i.value], (h, l, c, v) => [obvBatch(h, l, c, v)], []),
  barCase("Vwap (cumulative)", () => new Vwap(), (i) => [i.value], (h, l, c, v) => [vwapBatch(h, l, c, v)],
    [() => new Vwap(0), () => new Vwap(2.5)]),
  barCase("Vwap(20)", () => new Vwap(20), (i) => [i.value], (h, l, c, v) => [vwapBatch(h, l, c, v, 20)], []),
  barCase("Vwap(3) with untraded bars", () => new Vwap(3), (i) => [i.value], (h, l, c, v) => [vwapBatch(h, l, c, v, 3)], [],
    someZeroVolume),
  barCase("Vwap (cumulative) with untraded bars", () => new Vwap(), (i) => [i.value], (h, l, c, v) => [vwapBatch(h, l, c, v)], [],
    someZeroVolume),
  barCase("Obv with untraded bars", () => new Obv(), (i) => [i.value], (h, l, c, v) => [obvBatch(h, l, c, v)], [], someZeroVolume),
  crossoverCase,
];

/** Outputs after every step of a plain run over `rs`. */
function run(s: Subject, rs: readonly Row[]): number[][] {
  return rs.map((r) => {
    const ret = s.update(r);
    const out = s.outputs();
    expect(Object.is(ret, out[0])).toBe(true);
    return out;
  });
}

/** Bit-for-bit equality (Object.is tells -0 from 0 and accepts NaN == NaN). */
function expectSameRuns(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!g.every((x, j) => Object.is(x, w[j]))) expect({ step: i, got: g }).toEqual({ step: i, got: w });
  }
}

function expectInputError(fn: () => unknown, code?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  if (code) expect((thrown as InputError).code).toBe(code);
  expect((thrown as InputError).message.length).toBeGreaterThan(30);
}

for (const c of cases) {
  describe(`${c.name} contract`, () => {
    const reference = run(c.create(), rows);

    it("is not ready and NaN before warm-up, and ready exactly at warm-up", () => {
      const s = c.create();
      if (s.warmup === undefined) return; // Crossover has no warm-up: NaN inputs give 0 (see conventions)
      expect(s.warmup).toBeGreaterThanOrEqual(1);
      expect(s.ready).toBe(false);
      expect(s.outputs().every(Number.isNaN)).toBe(true);
      for (let i = 0; i < 200; i++) {
        const v = s.update(rows[i]!);
        expect(s.count).toBe(i + 1);
        expect(s.ready).toBe(i + 1 >= s.warmup);
        if (s.ready) expect(s.outputs().every(Number.isFinite)).toBe(true);
        else {
          expect(v).toBeNaN();
          expect(s.outputs().every(Number.isNaN)).toBe(true);
        }
      }
    });

    it("gives in batch exactly what it gives streaming, bit for bit", () => {
      const batch = c.batch(cols);
      const asRuns = reference.map((_, i) => batch.map((col) => col[i]!));
      expectSameRuns(asRuns, reference);
    });

    it("changes nothing when the last input is replaced by itself", () => {
      const s = c.create();
      const got = rows.map((r) => {
        s.update(r);
        s.replace(r);
        s.replace(r);
        return s.outputs();
      });
      expectSameRuns(got, reference);
    });

    it("after update(a) then replace(b), equals a fresh run fed b in place of a, at every bar", () => {
      const s = c.create();
      const got = rows.map((r, i) => {
        s.update(other(i));
        s.replace(other(i + 1));
        const ret = s.replace(r);
        expect(Object.is(ret, s.outputs()[0])).toBe(true);
        expect(s.count).toBe(i + 1);
        return s.outputs();
      });
      expectSameRuns(got, reference);
    });

    it("equals a fresh run over the edited series when one past bar is replaced", () => {
      for (const k of [0, 1, 13, 14, 15, 25, 33, 34, 100, N - 1]) {
        const edited = rows.slice(0, k + 200);
        edited[k] = other(k);
        const s = c.create();
        const got = rows.slice(0, k + 200).map((r, i) => {
          s.update(r);
          if (i === k) s.replace(other(k));
          return s.outputs();
        });
        expectSameRuns(got, run(c.create(), edited));
      }
    });

    it("replays identically after reset()", () => {
      const s = c.create();
      run(s, rows.slice(0, 777));
      s.reset();
      expect(s.count).toBe(0);
      if (s.ready !== undefined) expect(s.ready).toBe(false);
      expectSameRuns(run(s, rows), reference);
    });

    it("throws InputError when replace() comes before any update()", () => {
      const s = c.create();
      expectInputError(() => s.replace(rows[0]!), "NOTHING_TO_REPLACE");
      s.update(rows[0]!);
      s.reset();
      expectInputError(() => s.replace(rows[0]!), "NOTHING_TO_REPLACE");
    });

    it("throws InputError on NaN or infinite input and is left untouched by it", () => {
      const s = c.create();
      const calls = s.nanCalls();
      if (calls.length === 0) return; // Crossover: NaN means "not ready" (see conventions.test.ts)
      const got = rows.map((r, i) => {
        s.update(r);
        if (i % 97 === 0 || i < 40) for (const call of calls) expectInputError(call, "NAN_INPUT");
        return s.outputs();
      });
      expectSameRuns(got, reference);
    });

    it("throws InputError for bad constructor arguments", () => {
      for (const bad of c.badArgs) expectInputError(bad);
    });
  });
}
