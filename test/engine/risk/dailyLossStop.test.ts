import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../../../engine/time.js";
import { dailyLossStop } from "../../../engine/risk/dailyLossStop.js";

const day1 = Date.UTC(2024, 0, 2);
const day2 = Date.UTC(2024, 0, 3);

describe("dailyLossStop", () => {
  it("stays ACTIVE while the day's loss is within the limit", () => {
    const rule = dailyLossStop({ maxLoss: 0.05 });
    expect(rule.onEquity!(day1, 100_000)).toBe("ACTIVE");
    expect(rule.onEquity!(day1 + HOUR_MS, 95_000)).toBe("ACTIVE");
  });

  it("asks for HALTED once equity falls below start-of-day equity × (1 − maxLoss)", () => {
    const rule = dailyLossStop({ maxLoss: 0.05 });
    rule.onEquity!(day1, 100_000);
    expect(rule.onEquity!(day1 + HOUR_MS, 94_999)).toBe("HALTED");
    expect(rule.stateCode).toBe("DAILY_LOSS_STOP");
  });

  it("stays tripped for the rest of the day even if equity recovers", () => {
    const rule = dailyLossStop({ maxLoss: 0.05 });
    rule.onEquity!(day1, 100_000);
    rule.onEquity!(day1 + HOUR_MS, 90_000);
    expect(rule.onEquity!(day1 + 2 * HOUR_MS, 101_000)).toBe("HALTED");
  });

  it("asks for ACTIVE again at the first sample of the next UTC day, with a new start-of-day equity", () => {
    const rule = dailyLossStop({ maxLoss: 0.05 });
    rule.onEquity!(day1, 100_000);
    rule.onEquity!(day1 + HOUR_MS, 90_000);
    expect(rule.onEquity!(day2 + 1, 90_000)).toBe("ACTIVE");
    expect(rule.stateCode).toBe("DAILY_LOSS_RESET");
    // 5 % of the new start (90k) is 85.5k
    expect(rule.onEquity!(day2 + HOUR_MS, 85_600)).toBe("ACTIVE");
    expect(rule.onEquity!(day2 + 2 * HOUR_MS, 85_400)).toBe("HALTED");
  });

  it("takes the first sample of the day as its start even when the day's first sample comes late", () => {
    const rule = dailyLossStop({ maxLoss: 0.1 });
    rule.onEquity!(day1 + 20 * HOUR_MS, 50_000);
    expect(rule.onEquity!(day1 + 21 * HOUR_MS, 44_000)).toBe("HALTED");
  });

  it("can ask for REDUCING instead of HALTED", () => {
    const rule = dailyLossStop({ maxLoss: 0.02, state: "REDUCING" });
    rule.onEquity!(day1, 100_000);
    expect(rule.onEquity!(day1 + HOUR_MS, 97_000)).toBe("REDUCING");
  });

  it("ignores NaN equity samples", () => {
    const rule = dailyLossStop({ maxLoss: 0.05 });
    expect(rule.onEquity!(day1, NaN)).toBeNull();
    expect(rule.onEquity!(day1 + 1, 100_000)).toBe("ACTIVE");
    expect(rule.onEquity!(day1 + 2, NaN)).toBeNull();
    expect(rule.onEquity!(day1 + 3, 94_000)).toBe("HALTED");
  });
});
