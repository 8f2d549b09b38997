import { describe, expect, it } from "vitest";
import { paramNeighbourhood } from "../../../engine/report/paramNeighbourhood.js";
import { donchianBreakout, smaCrossover } from "../../../strategies/index.js";

describe("paramNeighbourhood", () => {
  it("varies the first two whole-number parameters at 0.75, 1 and 1.25 times their value, rounded", () => {
    const n = paramNeighbourhood(smaCrossover.name, smaCrossover.params, { fast: 10, slow: 30 });
    expect(n.varied).toEqual(["fast", "slow"]);
    // 7.5 → 8, 12.5 → 13; 22.5 → 23, 37.5 → 38
    expect(n.paramSets.map((p) => [p.fast, p.slow])).toEqual([[8, 23], [8, 30], [8, 38], [10, 23], [10, 30], [10, 38], [13, 23], [13, 30], [13, 38]]);
    expect(n.paramSets.every((p) => p.allocation === 1)).toBe(true);
  });

  it("clamps to the schema's range and drops duplicates", () => {
    const n = paramNeighbourhood(smaCrossover.name, smaCrossover.params, { fast: 2, slow: 400 });
    // fast: 1.5 → 2 (the minimum), 2, 2.5 → 3; slow: 300, 400, 500 → 400 (the maximum)
    expect(n.paramSets.map((p) => [p.fast, p.slow])).toEqual([[2, 300], [2, 400], [3, 300], [3, 400]]);
  });

  it("keeps the other parameters as given", () => {
    const n = paramNeighbourhood(donchianBreakout.name, donchianBreakout.params, { atrMultiple: 3 });
    expect(n.varied).toEqual(["entryPeriod", "exitPeriod"]);
    expect(n.paramSets).toHaveLength(9);
    expect(n.paramSets.every((p) => p.atrMultiple === 3 && p.atrPeriod === 14)).toBe(true);
  });
});
