import { describe, expect, it } from "vitest";
import { maxOrderNotional } from "../../../engine/risk/maxOrderNotional.js";
import { fakeView, order } from "./fakeView.js";

describe("maxOrderNotional", () => {
  const rule = maxOrderNotional({ max: 50_000 });

  it("allows an order whose notional is at the limit", () => {
    expect(rule.checkOrder!(order({ quantity: 500, price: 100 }), fakeView())).toBeNull();
  });

  it("denies an order whose notional exceeds the limit", () => {
    const denial = rule.checkOrder!(order({ quantity: 500, price: 122.469 }), fakeView());
    expect(denial?.code).toBe("MAX_ORDER_NOTIONAL");
    expect(denial?.message).toBe("MAX_ORDER_NOTIONAL: max=50000, notional=61234.5");
    expect(denial?.context).toEqual({ max: 50_000, notional: 500 * 122.469 });
  });

  it("denies an order whose price is unknown (NaN)", () => {
    expect(rule.checkOrder!(order({ type: "market", price: NaN }), fakeView())?.code).toBe("MAX_ORDER_NOTIONAL");
  });

  it("values a sell the same way as a buy", () => {
    expect(rule.checkOrder!(order({ side: "sell", quantity: 600, price: 100 }), fakeView())?.code).toBe("MAX_ORDER_NOTIONAL");
  });
});
