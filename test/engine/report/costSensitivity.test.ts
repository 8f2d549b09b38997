import { describe, expect, it } from "vitest";
import { costSensitivity } from "../../../engine/report/costSensitivity.js";
import { bars, onBars } from "../harness.ts";

describe("costSensitivity", () => {
  // buy 10 at the open of bar 1 (100), sell 10 at the open of bar 3 (110): +100 before costs
  const series = bars([[100, 100, 100, 100], [100, 106, 99, 105], [105, 111, 104, 110], [110, 110, 110, 110]]);
  const strategy = onBars({ 0: (ctx) => ctx.buy(10), 2: (ctx) => ctx.sell(10) });
  const result = costSensitivity({ bars: [series], strategy, cash: 100_000, commission: 0.001 }, [0, 100, 500]);

  it("runs every rung once as commission and once as slippage", () => {
    expect(result.rungs.map((r) => `${r.kind}:${r.bps}`)).toEqual(["commission:0", "commission:100", "commission:500", "slippage:0", "slippage:100", "slippage:500"]);
    expect(result.baseBps).toBe(10);
  });

  it("charges each cost on both fills: the return is (100 − 2100 × rate) / 100 000", () => {
    // commission: 10 × 100 × c + 10 × 110 × c; slippage: bought at 100 (1 + s), sold at 110 (1 − s)
    for (const r of result.rungs) {
      const rate = r.bps / 10_000;
      expect(r.metrics.totalReturn).toBeCloseTo((100 - 2100 * rate) / 100_000, 12);
      expect(r.metrics.numberOfTrades).toBe(1);
    }
  });

  it("finds the break-even cost where the return reaches zero: 100 / 2100 of the traded value", () => {
    expect(result.breakEvenBps.commission).toBeCloseTo((100 / 2100) * 10_000, 6); // 476.19 bps
    expect(result.breakEvenBps.slippage).toBeCloseTo((100 / 2100) * 10_000, 6);
  });

  it("says Infinity when the edge survives the whole ladder and NaN when there is none to lose", () => {
    expect(costSensitivity({ bars: [series], strategy }, [0, 10]).breakEvenBps.commission).toBe(Infinity);
    const loser = onBars({ 0: (ctx) => ctx.sell(10), 2: (ctx) => ctx.buy(10) });
    expect(costSensitivity({ bars: [series], strategy: loser }, [0, 10]).breakEvenBps.commission).toBeNaN();
  });
});
