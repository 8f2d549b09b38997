import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import {
  Crossover, Donchian, Ema, Obv, Roc, Rsi, Sma, Stochastic, Vwap, Wma, crossoverBatch, smaBatch, vwapBatch,
} from "../../../engine/indicators/index.js";

/** The conventions each indicator documents where packages disagree or the maths is undefined. */

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("Crossover follows backtrader's rule", () => {
  const run = (diffs: number[]) => Array.from(crossoverBatch(diffs, diffs.map(() => 0)));

  it("crosses up when the difference turns positive after a negative one", () => {
    expect(run([-1, 1, 2, -1, -2, 1])).toEqual([0, 1, 0, -1, 0, 1]);
  });

  it("does not cross on the first difference, which has nothing before it", () => {
    expect(run([1, 2])).toEqual([0, 0]);
    expect(run([-1])).toEqual([0]);
  });

  it("treats an exact tie as neither and remembers the side from before it", () => {
    expect(run([-1, 0, 1])).toEqual([0, 0, 1]);
    expect(run([-1, 0, 0, 0, 1])).toEqual([0, 0, 0, 0, 1]);
    expect(run([1, 0, -1])).toEqual([0, 0, -1]);
  });

  it("gives no cross when the series touch and turn back", () => {
    expect(run([-1, 0, -1])).toEqual([0, 0, 0]);
    expect(run([1, 0, 0, 2])).toEqual([0, 0, 0, 0]);
  });

  it("gives 0 for NaN inputs and does not remember them", () => {
    expect(run([NaN, NaN, 1])).toEqual([0, 0, 0]);
    expect(run([-1, NaN, 1])).toEqual([0, 0, 1]);
    const c = new Crossover();
    expect(c.update(NaN, 1)).toBe(0);
    expect(c.update(1, NaN)).toBe(0);
    expect(c.update(Infinity, Infinity)).toBe(0);
    expect(c.count).toBe(3);
  });

  it("restores the memory from before the last pair on replace", () => {
    const c = new Crossover();
    c.update(1, 2);
    expect(c.update(3, 2)).toBe(1);
    expect(c.replace(2, 2)).toBe(0);
    expect(c.replace(1, 2)).toBe(0);
    expect(c.update(3, 2)).toBe(1);
  });
});

describe("Stochastic", () => {
  it("gives %K = 50 when the window is flat (highest high equals lowest low)", () => {
    const st = new Stochastic(3, 2);
    for (let i = 0; i < 5; i++) st.update(10, 10, 10, 100);
    expect(st.k).toBe(50);
    expect(st.d).toBe(50);
  });

  it("places the close within the window's range", () => {
    const st = new Stochastic(2, 1);
    st.update(12, 8, 10, 0);
    expect(st.update(11, 9, 11, 0)).toBe(75);
  });
});

describe("Vwap", () => {
  it("gives the plain mean of typical prices when the whole window has no volume", () => {
    const h = [12, 15, 18], l = [9, 12, 15], c = [12, 15, 18], v = [0, 0, 0];
    expect(Array.from(vwapBatch(h, l, c, v))).toEqual([11, 12.5, 14]);
    expect(Array.from(vwapBatch(h, l, c, v, 2))).toEqual([NaN, 12.5, 15.5]);
  });

  it("weights by volume as soon as one bar in the window traded, and falls back when it leaves", () => {
    const h = [12, 15, 18, 21], l = [9, 12, 15, 18], c = [12, 15, 18, 21], v = [0, 5, 0, 0];
    expect(Array.from(vwapBatch(h, l, c, v))).toEqual([11, 14, 14, 14]);
    expect(Array.from(vwapBatch(h, l, c, v, 2))).toEqual([NaN, 14, 14, 18.5]);
  });

  it("throws InputError on negative volume", () => {
    expect(thrown(() => new Vwap().update(2, 1, 1.5, -1)).code).toBe("NEGATIVE_VOLUME");
  });
});

describe("Rsi", () => {
  it("gives 100 after only gains, 0 after only losses and 50 for a flat window", () => {
    const up = new Rsi(3), down = new Rsi(3), flat = new Rsi(3);
    for (let i = 0; i < 6; i++) {
      up.update(10 + i);
      down.update(10 - i);
      flat.update(10);
    }
    expect([up.value, down.value, flat.value]).toEqual([100, 0, 50]);
  });
});

describe("Roc", () => {
  it("gives NaN when the base value is 0, where the rate is undefined", () => {
    const r = new Roc(1);
    r.update(0);
    expect(r.update(5)).toBeNaN();
    expect(r.ready).toBe(true);
    expect(r.update(6)).toBe(20);
  });
});

describe("Obv", () => {
  it("starts at 0 on the first bar, and ignores bars whose close did not change", () => {
    const o = new Obv();
    expect(o.update(11, 9, 10, 500)).toBe(0);
    expect(o.ready).toBe(true);
    expect(o.update(11, 9, 11, 100)).toBe(100);
    expect(o.update(11, 9, 11, 300)).toBe(100);
    expect(o.update(11, 9, 10, 40)).toBe(60);
  });
});

describe("Donchian", () => {
  it("includes the current bar in its window", () => {
    const dc = new Donchian(3);
    dc.update(10, 8, 9, 0);
    dc.update(11, 9, 10, 0);
    dc.update(12, 7, 11, 0);
    expect([dc.upper, dc.lower, dc.middle]).toEqual([12, 7, 9.5]);
    dc.update(10, 9, 9.5, 0);
    dc.update(10, 9, 9.5, 0);
    expect([dc.upper, dc.lower]).toEqual([12, 7]);
    dc.update(10, 9, 9.5, 0);
    expect([dc.upper, dc.lower]).toEqual([10, 9]);
  });
});

describe("Sma in ticks", () => {
  it("throws InputError for an input with more decimals than declared", () => {
    const e = thrown(() => new Sma(3, { decimals: 2 }).update(1.005));
    expect(e.code).toBe("OFF_TICK_GRID");
    expect(e.message).toMatch(/Sma\(3\).*1\.005.*priceDecimals/);
  });

  it("accepts prices whose binary form is a few ulps off the grid", () => {
    expect(new Sma(1, { decimals: 5 }).update(2.37037)).toBe(2.37037);
    expect(new Sma(1, { decimals: 2 }).update(0.1 + 0.2)).toBe(0.3);
  });

  it("throws InputError when the window's tick sum could pass 2^53", () => {
    expect(thrown(() => new Sma(1000, { decimals: 8 }).update(1e6)).code).toBe("SUM_OVERFLOW");
    expect(thrown(() => new Wma(1000, { decimals: 8 }).update(1e3)).code).toBe("SUM_OVERFLOW");
  });

  it("leaves the indicator untouched after a rejected input", () => {
    const s = new Sma(2, { decimals: 2 });
    s.update(1.25);
    thrown(() => s.update(1.255));
    expect(s.count).toBe(1);
    expect(s.update(1.75)).toBe(1.5);
  });
});

describe("floating averages without decimals", () => {
  it("do not drift over a million updates (compensated rolling sums)", () => {
    const n = 1_000_000;
    const xs = new Float64Array(n + 10);
    let seed = 1;
    for (let i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647;
      xs[i] = (seed / 2147483647) * 1e4;
    }
    xs.fill(0.1, n);
    const plain = (() => {
      let sum = 0;
      for (let i = 0; i < xs.length; i++) sum += xs[i]! - (i >= 10 ? xs[i - 10]! : 0);
      return sum / 10;
    })();
    expect(Math.abs(plain - 0.1)).toBeGreaterThan(1e-12); // the drift being avoided
    expect(smaBatch(xs, 10)[n + 9]).toBeCloseTo(0.1, 15);
    const w = new Wma(10);
    for (const x of xs) w.update(x);
    expect(w.value).toBeCloseTo(0.1, 15);
  });
});

describe("errors", () => {
  it("name the indicator and the input that was not finite", () => {
    const e = thrown(() => new Ema(20).update(NaN));
    expect(e.code).toBe("NAN_INPUT");
    expect(e.message).toContain("Ema(20)");
    const b = thrown(() => new Stochastic().update(2, 1, 1.5, NaN));
    expect(b.message).toContain("Stochastic(14,3)");
    expect(b.context.argument).toBe("volume");
  });

  it("say what a valid period is", () => {
    expect(thrown(() => new Sma(0)).message).toMatch(/integer >= 1/);
  });
});
