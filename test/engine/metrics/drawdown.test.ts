import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calmar, drawdownSeries, maxDrawdown, maxDrawdownDuration } from "../../../engine/metrics/index.js";
import { DAY, f64 } from "./fixtures.js";

describe("drawdownSeries", () => {
  it("divides each sample by its running peak, minus one", () => {
    // peaks 100, 110, 110, 121 → [0, 0, 99/110 − 1, 0]
    const d = drawdownSeries(f64(100, 110, 99, 121));
    expect(Array.from(d)).toEqual([0, 0, expect.closeTo(-0.1, 12), 0]);
  });

  it("keeps falling below an old peak that is never recovered", () => {
    // peak 120 from index 1 on → [0, 0, 90/120 − 1, 60/120 − 1, 80/120 − 1]
    const d = drawdownSeries(f64(100, 120, 90, 60, 80));
    expect(Array.from(d)).toEqual([0, 0, -0.25, -0.5, expect.closeTo(-1 / 3, 12)]);
  });

  it("starts from the first sample, not from initialCash", () => {
    expect(drawdownSeries(f64(90, 95))[0]).toBe(0);
  });

  it("never goes above zero and its lowest point is minus the max drawdown", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { maxLength: 50 }), (values) => {
      const equity = Float64Array.from(values);
      const d = drawdownSeries(equity);
      expect(d.every((x) => x <= 0)).toBe(true);
      expect(maxDrawdown(equity)).toBeCloseTo(-Math.min(0, ...d), 12);
    }));
  });
});

describe("maxDrawdown", () => {
  it("is the deepest fall from a peak as a positive fraction", () => {
    expect(maxDrawdown(f64(100, 110, 99, 121))).toBeCloseTo(0.1, 12); // 1 − 99/110
    expect(maxDrawdown(f64(100, 120, 90, 60, 80))).toBe(0.5); // 1 − 60/120
  });

  it("is zero for a series that only rises, a single sample, or no samples", () => {
    expect(maxDrawdown(f64(1, 2, 3))).toBe(0);
    expect(maxDrawdown(f64(5))).toBe(0);
    expect(maxDrawdown(f64())).toBe(0);
  });

  it("does not change when equity is rescaled", () => {
    expect(maxDrawdown(f64(1000, 1100, 990, 1210))).toBeCloseTo(maxDrawdown(f64(100, 110, 99, 121)), 12);
  });
});

describe("maxDrawdownDuration", () => {
  it("measures from the peak to the first sample back at that peak, in ms and in bars", () => {
    // peak 110 at index 1 (day 1), recovered by 121 at index 3 (day 3) → 2 bars, 2 days
    const t = f64(0, DAY, 2 * DAY, 3 * DAY);
    expect(maxDrawdownDuration(t, f64(100, 110, 99, 121))).toEqual({ ms: 2 * DAY, bars: 2 });
  });

  it("measures a drawdown that never recovers up to the last sample", () => {
    // peak 120 at index 1 (day 1), still under water at index 4 (day 4) → 3 bars, 3 days
    const t = f64(0, DAY, 2 * DAY, 3 * DAY, 4 * DAY);
    expect(maxDrawdownDuration(t, f64(100, 120, 90, 60, 80))).toEqual({ ms: 3 * DAY, bars: 3 });
  });

  it("reports the longest in ms and the longest in bars separately when the timeline has a gap", () => {
    // episode A: peak idx 0 (day 0) → recovery idx 2 (day 5): 2 bars, 5 days
    // episode B: peak idx 2 (day 5) → recovery idx 5 (day 8): 3 bars, 3 days
    const t = f64(0, DAY, 5 * DAY, 6 * DAY, 7 * DAY, 8 * DAY);
    expect(maxDrawdownDuration(t, f64(100, 90, 100, 95, 95, 101))).toEqual({ ms: 5 * DAY, bars: 3 });
  });

  it("treats a return to exactly the peak as a recovery", () => {
    // 100 → 90 → 100 (recovered: 2 bars), then 90 until the end (1 bar)
    const t = f64(0, 1, 2, 3);
    expect(maxDrawdownDuration(t, f64(100, 90, 100, 90))).toEqual({ ms: 2, bars: 2 });
  });

  it("is zero when equity never falls, including consecutive new highs and flat stretches", () => {
    expect(maxDrawdownDuration(f64(0, 1, 2, 3), f64(100, 101, 101, 102))).toEqual({ ms: 0, bars: 0 });
    expect(maxDrawdownDuration(f64(), f64())).toEqual({ ms: 0, bars: 0 });
  });
});

describe("calmar", () => {
  it("divides CAGR by the max drawdown", () => {
    expect(calmar(0.21, 0.1)).toBeCloseTo(2.1, 12);
    expect(calmar(-0.05, 0.25)).toBeCloseTo(-0.2, 12);
  });

  it("gives a Calmar of NaN when there was no drawdown", () => {
    expect(calmar(0.21, 0)).toBeNaN();
    expect(calmar(NaN, 0.1)).toBeNaN();
  });
});
