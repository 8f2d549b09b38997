import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../../../engine/time.js";
import { maxCancelsPerDay } from "../../../engine/risk/maxCancelsPerDay.js";
import { fakeView } from "./fakeView.js";

const day = Date.UTC(2024, 0, 2);

describe("maxCancelsPerDay", () => {
  it("allows cancels up to the limit and denies the next one", () => {
    const rule = maxCancelsPerDay({ max: 2 });
    const view = fakeView({ timeMs: day + HOUR_MS });
    for (let i = 0; i < 2; i++) {
      expect(rule.checkCancel!(view)).toBeNull();
      rule.onCancelAccepted!(view);
    }
    expect(rule.checkCancel!(view)?.message).toBe("MAX_CANCELS_PER_DAY: max=2, count=2");
  });

  it("does not look at orders", () => {
    expect(maxCancelsPerDay({ max: 0 }).checkOrder).toBeUndefined();
  });

  it("resets the daily cancel count at the UTC day boundary", () => {
    const rule = maxCancelsPerDay({ max: 1 });
    rule.onCancelAccepted!(fakeView({ timeMs: day + 23 * HOUR_MS }));
    expect(rule.checkCancel!(fakeView({ timeMs: day + DAY_MS - 1 }))?.code).toBe("MAX_CANCELS_PER_DAY");
    expect(rule.checkCancel!(fakeView({ timeMs: day + DAY_MS }))).toBeNull();
  });
});
