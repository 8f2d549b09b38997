import { describe, expect, it } from "vitest";
import { syntheticMarket, walkForward } from "../../../engine/index.js";
import { syntheticSample } from "../../../engine/data/syntheticSamples.js";
import { paramNeighbourhood } from "../../../engine/report/paramNeighbourhood.js";
import { defaultWindows, walkForwardCheck } from "../../../engine/report/walkForwardCheck.js";
import { smaCrossover } from "../../../strategies/index.js";

describe("walkForwardCheck", () => {
  it("cuts the timeline into out-of-sample eighths (rounded up) after three in sample", () => {
    expect(defaultWindows(3653)).toEqual({ mode: "rolling", inSample: 1371, outOfSample: 457 });
    expect(defaultWindows(8)).toEqual({ mode: "rolling", inSample: 3, outOfSample: 1 });
  });

  it("is the engine's walk-forward over the grid around the parameters, with the run's costs", () => {
    const bars = syntheticMarket(syntheticSample("sample-1d").options).filter((s) => s.symbol === "SYN-A");
    const check = walkForwardCheck({ bars, strategy: smaCrossover, params: { fast: 10, slow: 30 }, commission: 0.001 });
    const direct = walkForward({
      bars, strategy: smaCrossover, commission: 0.001, fill: { fillOnClose: false }, metric: "sharpe",
      paramSets: paramNeighbourhood(smaCrossover.name, smaCrossover.params, { fast: 10, slow: 30 }).paramSets,
      windows: { mode: "rolling", inSample: 1371, outOfSample: 457 },
    });
    expect(check.windows).toHaveLength(5);
    expect(check.varied).toEqual(["fast", "slow"]);
    expect(check.paramSets).toBe(9);
    expect(check.equity).toEqual(Array.from(direct.equity));
    expect(check.time).toEqual(Array.from(direct.time));
    expect(check.efficiency).toEqual(direct.efficiency);
    expect(check.windows.map((w) => w.params)).toEqual(direct.windows.map((w) => w.params));
    expect(check.windows.map((w) => w.outOfSampleReturn)).toEqual(direct.windows.map((w) => w.outOfSample?.totalReturn));
  });

  it("reports data too short for one window as an error, not a throw", () => {
    const bars = syntheticMarket({ seed: 1, symbols: 1, timeframe: "1d", bars: 50 });
    const check = walkForwardCheck({ bars, strategy: smaCrossover }, { windows: { inSample: 100, outOfSample: 10 } });
    expect(check.windows).toEqual([]);
    expect(check.error).toMatch(/too short for one window/);
  });
});
