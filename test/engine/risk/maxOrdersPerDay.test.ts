import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../../../engine/time.js";
import { maxOrdersPerDay } from "../../../engine/risk/maxOrdersPerDay.js";
import { fakeView, order } from "./fakeView.js";

const day = Date.UTC(2024, 0, 2);

describe("maxOrdersPerDay", () => {
  it("allows orders up to the limit and denies the next one", () => {
    const rule = maxOrdersPerDay({ max: 3 });
    const view = fakeView({ timeMs: day + HOUR_MS });
    for (let i = 0; i < 3; i++) {
      expect(rule.checkOrder!(order(), view)).toBeNull();
      rule.onAccepted!(order(), view);
    }
    expect(rule.checkOrder!(order(), view)?.message).toBe("MAX_ORDERS_PER_DAY: max=3, count=3");
  });

  it("counts only accepted orders, not checks", () => {
    const rule = maxOrdersPerDay({ max: 1 });
    const view = fakeView({ timeMs: day + HOUR_MS });
    for (let i = 0; i < 10; i++) expect(rule.checkOrder!(order(), view)).toBeNull();
  });

  it("resets the daily order count at the UTC day boundary", () => {
    const rule = maxOrdersPerDay({ max: 2 });
    const late = fakeView({ timeMs: day + DAY_MS - 1 });
    rule.onAccepted!(order(), late);
    rule.onAccepted!(order(), late);
    expect(rule.checkOrder!(order(), late)?.code).toBe("MAX_ORDERS_PER_DAY");
    const midnight = fakeView({ timeMs: day + DAY_MS });
    expect(rule.checkOrder!(order(), midnight)).toBeNull();
    rule.onAccepted!(order(), midnight);
    expect(rule.checkOrder!(order(), midnight)).toBeNull();
    rule.onAccepted!(order(), midnight);
    expect(rule.checkOrder!(order(), midnight)?.context).toEqual({ max: 2, count: 2 });
  });

  it("keeps the count when the clock steps back into the previous day", () => {
    const rule = maxOrdersPerDay({ max: 1 });
    rule.onAccepted!(order(), fakeView({ timeMs: day + DAY_MS + 5 }));
    expect(rule.checkOrder!(order(), fakeView({ timeMs: day + DAY_MS - 5 }))?.code).toBe("MAX_ORDERS_PER_DAY");
  });

  it("refuses every order with a limit of zero", () => {
    expect(maxOrdersPerDay({ max: 0 }).checkOrder!(order(), fakeView())?.code).toBe("MAX_ORDERS_PER_DAY");
  });
});
