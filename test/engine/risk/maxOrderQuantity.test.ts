import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { maxOrderQuantity } from "../../../engine/risk/maxOrderQuantity.js";
import { fakeView, order } from "./fakeView.js";

describe("maxOrderQuantity", () => {
  const rule = maxOrderQuantity({ max: 1000 });

  it("allows an order at exactly the limit", () => {
    expect(rule.checkOrder!(order({ quantity: 1000 }), fakeView())).toBeNull();
  });

  it("denies an order whose quantity exceeds the limit", () => {
    const denial = rule.checkOrder!(order({ quantity: 1000.5 }), fakeView());
    expect(denial?.code).toBe("MAX_ORDER_QUANTITY");
    expect(denial?.message).toBe("MAX_ORDER_QUANTITY: max=1000, quantity=1000.5");
  });

  it("denies sells as well as buys", () => {
    expect(rule.checkOrder!(order({ side: "sell", quantity: 5000 }), fakeView())?.code).toBe("MAX_ORDER_QUANTITY");
  });

  it("denies an order whose quantity is NaN rather than letting it through", () => {
    expect(rule.checkOrder!(order({ quantity: NaN }), fakeView())?.code).toBe("MAX_ORDER_QUANTITY");
  });

  it("refuses every order with a limit of zero", () => {
    expect(maxOrderQuantity({ max: 0 }).checkOrder!(order({ quantity: 1 }), fakeView())?.code).toBe("MAX_ORDER_QUANTITY");
  });

  it("says which option is wrong when the limit is negative", () => {
    expect(() => maxOrderQuantity({ max: -1 })).toThrow(InputError);
    expect(() => maxOrderQuantity({ max: -1 })).toThrow("maxOrderQuantity: max must be a finite number >= 0");
  });
});
