import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { maxPositionPerSymbol } from "../../../engine/risk/maxPositionPerSymbol.js";
import { fakeView, order } from "./fakeView.js";

describe("maxPositionPerSymbol", () => {
  it("allows an order that takes the position exactly to the unit limit", () => {
    const rule = maxPositionPerSymbol({ maxQuantity: 100 });
    expect(rule.checkOrder!(order({ quantity: 40 }), fakeView({ positions: { AAA: 60 } }))).toBeNull();
  });

  it("denies a buy that takes the position above the unit limit", () => {
    const rule = maxPositionPerSymbol({ maxQuantity: 100 });
    const denial = rule.checkOrder!(order({ quantity: 50 }), fakeView({ positions: { AAA: 60 } }));
    expect(denial?.message).toBe("MAX_POSITION_QUANTITY: symbol=AAA, max=100, positionAfter=110");
  });

  it("denies a sell that takes a short above the unit limit", () => {
    const rule = maxPositionPerSymbol({ maxQuantity: 100 });
    const denial = rule.checkOrder!(order({ side: "sell", quantity: 150 }), fakeView({ positions: { AAA: 20 } }));
    expect(denial?.code).toBe("MAX_POSITION_QUANTITY");
    expect(denial?.context["positionAfter"]).toBe(130);
  });

  it("denies an order that takes the position's notional above the limit, valued at the order price", () => {
    const rule = maxPositionPerSymbol({ maxNotional: 10_000 });
    expect(rule.checkOrder!(order({ quantity: 100, price: 100 }), fakeView())).toBeNull();
    const denial = rule.checkOrder!(order({ quantity: 100, price: 101 }), fakeView());
    expect(denial?.message).toBe("MAX_POSITION_NOTIONAL: symbol=AAA, max=10000, notionalAfter=10100");
  });

  it("allows an order that shrinks a position already above the limit", () => {
    const rule = maxPositionPerSymbol({ maxQuantity: 100 });
    expect(rule.checkOrder!(order({ side: "sell", quantity: 50 }), fakeView({ positions: { AAA: 300 } }))).toBeNull();
  });

  it("looks only at the order's own symbol", () => {
    const rule = maxPositionPerSymbol({ maxQuantity: 100 });
    const view = fakeView({ positions: { AAA: 100, BBB: 0 }, prices: { AAA: 100, BBB: 10 } });
    expect(rule.checkOrder!(order({ symbol: "BBB", quantity: 100 }), view)).toBeNull();
  });

  it("needs at least one limit", () => {
    expect(() => maxPositionPerSymbol({})).toThrow(InputError);
  });
});
