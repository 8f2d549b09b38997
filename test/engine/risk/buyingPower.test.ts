import { describe, expect, it } from "vitest";
import { buyingPower } from "../../../engine/risk/buyingPower.js";
import { fakeView, order } from "./fakeView.js";

describe("buyingPower", () => {
  const rule = buyingPower();

  it("allows an order that stays within leverage × equity", () => {
    const view = fakeView({ equity: 100_000, leverage: 2, positions: { AAA: 1000 }, prices: { AAA: 100 } });
    expect(rule.checkOrder!(order({ quantity: 1000, price: 100 }), view)).toBeNull();
  });

  it("denies an order that takes gross exposure above leverage × equity", () => {
    const view = fakeView({ equity: 100_000, leverage: 2, positions: { AAA: 1000 }, prices: { AAA: 100 } });
    const denial = rule.checkOrder!(order({ quantity: 1300, price: 100 }), view);
    expect(denial?.message).toBe("BUYING_POWER: max=200000, grossAfter=230000, equity=100000, leverage=2");
  });

  it("without leverage, denies buying more than equity", () => {
    const view = fakeView({ equity: 10_000, leverage: 1 });
    expect(rule.checkOrder!(order({ quantity: 101, price: 100 }), view)?.code).toBe("BUYING_POWER");
    expect(rule.checkOrder!(order({ quantity: 100, price: 100 }), view)).toBeNull();
  });

  it("values the symbol's new position at the order price, replacing its current contribution", () => {
    // AAA 100 @ last 100 (10k of the 10k gross); buying 10 more at 90 makes 110 × 90 = 9.9k
    const view = fakeView({ equity: 10_000, positions: { AAA: 100 }, prices: { AAA: 100 } });
    expect(rule.checkOrder!(order({ quantity: 10, price: 90 }), view)).toBeNull();
    expect(rule.checkOrder!(order({ quantity: 12, price: 90 }), view)?.context["grossAfter"]).toBeCloseTo(10_080, 9);
  });

  it("always allows an order that reduces exposure, even after a loss shrank the buying power", () => {
    const view = fakeView({ equity: 1_000, leverage: 1, positions: { AAA: -500 }, prices: { AAA: 100 } });
    expect(rule.checkOrder!(order({ side: "buy", quantity: 200 }), view)).toBeNull();
    expect(rule.checkOrder!(order({ side: "sell", quantity: 1 }), view)?.code).toBe("BUYING_POWER");
  });
});
