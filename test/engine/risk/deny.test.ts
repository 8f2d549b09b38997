import { describe, expect, it } from "vitest";
import { deny, formatContextValue } from "../../../engine/risk/deny.js";
import { RISK_REASON_MEANINGS, RISK_REASONS, STATE_REASON_MEANINGS, STATE_REASONS } from "../../../engine/risk/reasons.js";

describe("deny", () => {
  it("renders the code followed by key=value pairs in insertion order", () => {
    const denial = deny("MAX_ORDER_NOTIONAL", { max: 50_000, notional: 61_234.5 });
    expect(denial).toEqual({
      code: "MAX_ORDER_NOTIONAL",
      context: { max: 50_000, notional: 61_234.5 },
      message: "MAX_ORDER_NOTIONAL: max=50000, notional=61234.5",
    });
  });

  it("renders just the code for an empty context", () => {
    expect(deny("KILL_SWITCH", {}).message).toBe("KILL_SWITCH");
  });

  it("keeps exact numbers in the context but hides float noise in the message", () => {
    const denial = deny("MAX_ORDER_NOTIONAL", { max: 0.3, notional: 0.1 + 0.2 });
    expect(denial.context["notional"]).toBe(0.1 + 0.2);
    expect(denial.message).toBe("MAX_ORDER_NOTIONAL: max=0.3, notional=0.3");
  });

  it("shows NaN, infinities and strings as they are", () => {
    expect([NaN, Infinity, -Infinity, "a b", 1e21].map(formatContextValue)).toEqual(["NaN", "Infinity", "-Infinity", "a b", "1e+21"]);
  });
});

describe("reason codes", () => {
  it("are SCREAMING_SNAKE strings, each with a one-line meaning", () => {
    for (const [codes, meanings] of [
      [RISK_REASONS, RISK_REASON_MEANINGS],
      [STATE_REASONS, STATE_REASON_MEANINGS],
    ] as const) {
      expect(codes.length).toBeGreaterThan(0);
      for (const code of codes) {
        expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
        const meaning = (meanings as Record<string, string>)[code];
        expect(meaning).toMatch(/^[^\n]{10,}$/);
      }
    }
  });
});
