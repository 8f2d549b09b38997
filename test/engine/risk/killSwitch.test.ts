import { describe, expect, it } from "vitest";
import { killSwitch } from "../../../engine/risk/killSwitch.js";
import { fakeView, order } from "./fakeView.js";

describe("killSwitch", () => {
  it("allows orders while released", () => {
    const rule = killSwitch();
    expect(rule.engaged).toBe(false);
    expect(rule.checkOrder(order(), fakeView())).toBeNull();
  });

  it("refuses every order while engaged, naming the reason", () => {
    const rule = killSwitch();
    rule.engage("feed looks wrong");
    expect(rule.engaged).toBe(true);
    expect(rule.reason).toBe("feed looks wrong");
    expect(rule.checkOrder(order(), fakeView())?.message).toBe("KILL_SWITCH: reason=feed looks wrong");
    expect(rule.checkOrder(order({ side: "sell", symbol: "BBB", type: "market" }), fakeView())?.code).toBe("KILL_SWITCH");
  });

  it("does not refuse cancels", () => {
    expect(killSwitch().checkCancel).toBeUndefined();
  });

  it("allows orders again after release", () => {
    const rule = killSwitch();
    rule.engage("x");
    rule.release();
    expect(rule.reason).toBeUndefined();
    expect(rule.checkOrder(order(), fakeView())).toBeNull();
  });
});
