import { describe, expect, it } from "vitest";
import { priceBand } from "../../../engine/risk/priceBand.js";
import { fakeView, order } from "./fakeView.js";

describe("priceBand", () => {
  const rule = priceBand({ maxDeviation: 0.1 });
  const view = fakeView({ prices: { AAA: 150 } });

  it("allows a limit price within the band", () => {
    expect(rule.checkOrder!(order({ price: 165 }), view)).toBeNull();
    expect(rule.checkOrder!(order({ price: 135 }), view)).toBeNull();
  });

  it("denies a limit price more than the band away from the last price", () => {
    const denial = rule.checkOrder!(order({ price: 1500 }), view);
    expect(denial?.message).toBe("PRICE_BAND: symbol=AAA, maxDeviation=0.1, price=1500, lastPrice=150, deviation=9");
  });

  it("denies a stop price below the band", () => {
    expect(rule.checkOrder!(order({ type: "stop", side: "sell", price: 15 }), view)?.code).toBe("PRICE_BAND");
  });

  it("allows a market order on a symbol with a last price", () => {
    expect(rule.checkOrder!(order({ type: "market", price: 150 }), view)).toBeNull();
  });

  it("denies a market order on a symbol with no last price", () => {
    const denial = rule.checkOrder!(order({ symbol: "NEW", type: "market", price: NaN }), view);
    expect(denial?.message).toBe("NO_MARKET_DATA: symbol=NEW");
  });

  it("denies a limit order on a symbol with no last price, since nothing can be checked", () => {
    expect(rule.checkOrder!(order({ symbol: "NEW", price: 10 }), view)?.code).toBe("NO_MARKET_DATA");
  });

  it("denies a NaN limit price", () => {
    expect(rule.checkOrder!(order({ price: NaN }), view)?.code).toBe("PRICE_BAND");
  });
});
