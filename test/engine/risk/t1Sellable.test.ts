import { describe, expect, it } from "vitest";
import { t1Sellable } from "../../../engine/risk/t1Sellable.js";
import { fakeView, order } from "./fakeView.js";

describe("t1Sellable", () => {
  // 300 held, 200 of them bought today
  const view = fakeView({ positions: { AAA: 300 }, sellable: { AAA: 100 } });

  it("allows a sell within the sellable units", () => {
    expect(t1Sellable().checkOrder!(order({ side: "sell", quantity: 100 }), view)).toBeNull();
  });

  it("denies a sell larger than the sellable units of a long", () => {
    const denial = t1Sellable().checkOrder!(order({ side: "sell", quantity: 300 }), view);
    expect(denial?.message).toBe("T1_NOT_SELLABLE: symbol=AAA, quantity=300, sellable=100, position=300, pending=0");
  });

  it("always allows a buy", () => {
    expect(t1Sellable().checkOrder!(order({ quantity: 1e6 }), view)).toBeNull();
  });

  it("denies a sell that would open a short by default", () => {
    const flat = fakeView();
    expect(t1Sellable().checkOrder!(order({ side: "sell", quantity: 1 }), flat)?.message).toBe(
      "SHORT_NOT_ALLOWED: symbol=AAA, quantity=1, position=0",
    );
  });

  it("denies a sell that goes past a fully sellable long into a short by default", () => {
    const settled = fakeView({ positions: { AAA: 100 }, sellable: { AAA: 100 } });
    expect(t1Sellable().checkOrder!(order({ side: "sell", quantity: 150 }), settled)?.code).toBe("SHORT_NOT_ALLOWED");
  });

  it("allows opening a short when allowShort is set", () => {
    const rule = t1Sellable({ allowShort: true });
    expect(rule.checkOrder!(order({ side: "sell", quantity: 50 }), fakeView())).toBeNull();
    expect(rule.checkOrder!(order({ side: "sell", quantity: 50 }), fakeView({ positions: { AAA: -10 } }))).toBeNull();
  });

  it("still requires the long part of a flip to be sellable when shorts are allowed", () => {
    const rule = t1Sellable({ allowShort: true });
    expect(rule.checkOrder!(order({ side: "sell", quantity: 400 }), view)?.code).toBe("T1_NOT_SELLABLE");
  });
});

describe("t1Sellable with sells already resting", () => {
  it("counts open sells against the sellable units, so two sells cannot share them", () => {
    const rule = t1Sellable();
    const view = fakeView({ positions: { AAA: 200 }, sellable: { AAA: 100 }, open: { AAA: { sell: 100 } } });
    const d = rule.checkOrder!(order({ side: "sell", quantity: 100 }), view);
    expect(d?.code).toBe("T1_NOT_SELLABLE");
    expect(rule.checkOrder!(order({ side: "sell", quantity: 100 }), fakeView({ positions: { AAA: 200 }, sellable: { AAA: 100 } }))).toBeNull();
  });
});
