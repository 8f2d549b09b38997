import { describe, expect, it } from "vitest";
import { rollingSharpe } from "../../../engine/report/rollingSharpe.js";

describe("rollingSharpe", () => {
  const time = Float64Array.of(1, 2, 3, 4, 5);
  // returns from the cash 100: 0.1, −0.1, 0.1, 0.2, −0.25
  const equity = Float64Array.of(110, 99, 108.9, 130.68, 98.01);

  it("is the Sharpe of each trailing window of period returns", () => {
    const r = rollingSharpe(time, equity, 100, { window: 3, periodsPerYear: 4 });
    expect(r.window).toBe(3);
    expect(r.time).toEqual([3, 4, 5]);
    // window [0.1, −0.1, 0.1]: mean 1/30, std sqrt(((2/30)² × 2 + (4/30)²) / 2) = sqrt(12)/30 → (1/30)/(sqrt(12)/30) × 2 = 2/sqrt(12)
    expect(r.sharpe[0]).toBeCloseTo(2 / Math.sqrt(12), 9);
    // window [−0.1, 0.1, 0.2]: mean 0.2/3, deviations −0.5/3, 0.1/3, 0.4/3 → var (0.25 + 0.01 + 0.16)/9/2 = 0.42/18 → × 2
    expect(r.sharpe[1]).toBeCloseTo(((0.2 / 3) / Math.sqrt(0.42 / 18)) * 2, 9);
    // window [0.1, 0.2, −0.25]: mean 0.05/3, deviations 0.25/3, 0.55/3, −0.8/3 → var (0.0625 + 0.3025 + 0.64)/9/2
    expect(r.sharpe[2]).toBeCloseTo(((0.05 / 3) / Math.sqrt(1.005 / 18)) * 2, 9);
  });

  it("defaults to half a year of samples, and computes at most maxPoints points (always the last)", () => {
    expect(rollingSharpe(time, equity, 100, { periodsPerYear: 6 }).window).toBe(3);
    const r = rollingSharpe(time, equity, 100, { window: 2, periodsPerYear: 4, maxPoints: 2 });
    expect(r.time).toEqual([2, 4, 5]); // 4 points at stride 2, then the last
  });

  it("is empty when the run is shorter than a window", () => {
    expect(rollingSharpe(time, equity, 100, { window: 6, periodsPerYear: 4 }).time).toEqual([]);
  });
});
