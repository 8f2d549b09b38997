import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../../../engine/time.js";
import { staleData } from "../../../engine/risk/staleData.js";
import { fakeView, order, T0 } from "./fakeView.js";

describe("staleData", () => {
  const rule = staleData({ maxAgeMs: 3 * DAY_MS });

  it("allows an order when the symbol's last bar is recent", () => {
    expect(rule.checkOrder!(order(), fakeView({ barTimes: { AAA: T0 - HOUR_MS } }))).toBeNull();
  });

  it("allows an order when the last bar is exactly maxAgeMs old", () => {
    expect(rule.checkOrder!(order(), fakeView({ barTimes: { AAA: T0 - 3 * DAY_MS } }))).toBeNull();
  });

  it("denies an order when the symbol has had no bar for longer than maxAgeMs", () => {
    const denial = rule.checkOrder!(order(), fakeView({ barTimes: { AAA: T0 - 4 * DAY_MS } }));
    expect(denial?.message).toBe("STALE_DATA: symbol=AAA, maxAgeMs=259200000, ageMs=345600000");
  });

  it("denies an order on a symbol that has never had a bar", () => {
    expect(rule.checkOrder!(order({ symbol: "ZZZ" }), fakeView())?.message).toBe("NO_MARKET_DATA: symbol=ZZZ");
  });

  it("judges each symbol by its own last bar", () => {
    const view = fakeView({ prices: { AAA: 1, BBB: 1 }, barTimes: { AAA: T0 - 10 * DAY_MS, BBB: T0 } });
    expect(rule.checkOrder!(order({ symbol: "AAA" }), view)?.code).toBe("STALE_DATA");
    expect(rule.checkOrder!(order({ symbol: "BBB" }), view)).toBeNull();
  });
});
