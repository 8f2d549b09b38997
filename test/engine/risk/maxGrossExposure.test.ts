import { describe, expect, it } from "vitest";
import { maxGrossExposure } from "../../../engine/risk/maxGrossExposure.js";
import { fakeView, order } from "./fakeView.js";

describe("maxGrossExposure", () => {
  // equity 100k; AAA 500 @ 100 and BBB 1000 @ 50: gross 100k
  const view = fakeView({ equity: 100_000, positions: { AAA: 500, BBB: 1000 }, prices: { AAA: 100, BBB: 50 } });

  it("allows an order that keeps gross exposure within the multiple of equity", () => {
    const rule = maxGrossExposure({ maxMultiple: 1.5 });
    expect(rule.checkOrder!(order({ quantity: 500, price: 100 }), view)).toBeNull();
  });

  it("denies an order that takes gross exposure above the multiple of equity", () => {
    const rule = maxGrossExposure({ maxMultiple: 1.5 });
    const denial = rule.checkOrder!(order({ quantity: 510, price: 100 }), view);
    expect(denial?.message).toBe("MAX_GROSS_EXPOSURE: max=150000, grossAfter=151000, equity=100000");
  });

  it("denies an order that takes gross exposure above an absolute amount", () => {
    const rule = maxGrossExposure({ maxAmount: 120_000 });
    expect(rule.checkOrder!(order({ symbol: "BBB", quantity: 401, price: 50 }), view)?.code).toBe("MAX_GROSS_EXPOSURE");
  });

  it("applies the smaller limit when both are given", () => {
    const rule = maxGrossExposure({ maxMultiple: 3, maxAmount: 110_000 });
    const denial = rule.checkOrder!(order({ quantity: 200, price: 100 }), view);
    expect(denial?.context["max"]).toBe(110_000);
  });

  it("counts opening a short as exposure", () => {
    const rule = maxGrossExposure({ maxMultiple: 1 });
    const flat = fakeView({ equity: 100_000, prices: { AAA: 100, CCC: 10 } });
    expect(rule.checkOrder!(order({ symbol: "CCC", side: "sell", quantity: 10_001, price: 10 }), flat)?.code).toBe("MAX_GROSS_EXPOSURE");
  });

  it("allows an order that reduces exposure even when already above the limit", () => {
    const rule = maxGrossExposure({ maxMultiple: 0.5 });
    expect(rule.checkOrder!(order({ side: "sell", quantity: 100 }), view)).toBeNull();
  });

  it("refuses new exposure once equity is gone", () => {
    const rule = maxGrossExposure({ maxMultiple: 2 });
    const broke = fakeView({ equity: -10, prices: { AAA: 100 } });
    expect(rule.checkOrder!(order({ quantity: 1 }), broke)?.code).toBe("MAX_GROSS_EXPOSURE");
  });
});
