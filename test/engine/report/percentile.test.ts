import { describe, expect, it } from "vitest";
import { percentile, percentiles } from "../../../engine/report/percentile.js";

describe("percentile (type 7, linear between closest ranks)", () => {
  it("interpolates between the ranks around (n − 1) × p", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5); // h = 1.5
    expect(percentile([10, 20, 30, 40, 50], 0.05)).toBeCloseTo(12, 12); // h = 0.2 → 10 + 0.2 × 10
    expect(percentile([10, 20, 30, 40, 50], 0.95)).toBeCloseTo(48, 12); // h = 3.8 → 40 + 0.8 × 10
    expect(percentile([7], 0.3)).toBe(7);
  });

  it("takes the ends at 0 and 1, clamps p, and is NaN without values", () => {
    expect(percentile([1, 5, 9], 0)).toBe(1);
    expect(percentile([1, 5, 9], 1)).toBe(9);
    expect(percentile([1, 5, 9], 2)).toBe(9);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it("gives min, p5 … p95, max together", () => {
    const p = percentiles([1, 2, 3, 4, 5]);
    expect(p.min).toBe(1);
    expect(p.p5).toBeCloseTo(1.2, 12); // h = 0.2
    expect(p.p25).toBe(2);
    expect(p.p50).toBe(3);
    expect(p.p75).toBe(4);
    expect(p.p95).toBeCloseTo(4.8, 12);
    expect(p.max).toBe(5);
  });
});
