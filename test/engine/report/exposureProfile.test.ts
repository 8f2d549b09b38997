import { describe, expect, it } from "vitest";
import { exposureProfile } from "../../../engine/report/exposureProfile.js";

describe("exposureProfile", () => {
  const time = Float64Array.of(0, 1, 2, 3, 4, 5);
  const exposure = Float64Array.of(0, 1, 0.5, 0, -0.5, Number.NaN);

  it("summarises time in the market, mean and largest exposure", () => {
    const p = exposureProfile(time, exposure);
    expect(p.timeInMarket).toBe(3 / 6); // NaN counts as flat
    expect(p.average).toBe(2 / 6); // |1| + |0.5| + |−0.5|
    expect(p.averageInvested).toBe(2 / 3);
    expect(p.max).toBe(1);
  });

  it("cuts the series into runs of samples with their mean and largest", () => {
    const p = exposureProfile(time, exposure, 2);
    expect(p.bucketSize).toBe(3);
    expect(p.buckets).toEqual([{ timeMs: 0, mean: 0.5, max: 1 }, { timeMs: 3, mean: 0.5 / 3, max: 0.5 }]);
  });

  it("is NaN without samples", () => {
    const p = exposureProfile(new Float64Array(0), new Float64Array(0));
    expect([p.timeInMarket, p.average, p.max]).toEqual([NaN, NaN, NaN]);
    expect(p.buckets).toEqual([]);
  });
});
