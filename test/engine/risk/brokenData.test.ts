import { describe, expect, it } from "vitest";
import { brokenData } from "../../../engine/risk/brokenData.js";
import { fakeView, order } from "./fakeView.js";

const view = fakeView();
const bars = (rule: ReturnType<typeof brokenData>, closes: readonly number[], symbol = "AAA") =>
  closes.forEach((close, i) => rule.onBar!(symbol, i * 60_000, close));
const allowed = (rule: ReturnType<typeof brokenData>, symbol = "AAA") => rule.checkOrder!(order({ symbol }), view) === null;

describe("brokenData", () => {
  it("allows orders while bars move normally", () => {
    const rule = brokenData({ maxJump: 0.5 });
    bars(rule, [100, 110, 90, 130]);
    expect(allowed(rule)).toBe(true);
  });

  it("allows orders on a symbol it has not seen a bar for", () => {
    expect(allowed(brokenData({ maxJump: 0.5 }), "NEW")).toBe(true);
  });

  it("denies orders on a symbol whose last bar jumped more than maxJump from the previous close", () => {
    const rule = brokenData({ maxJump: 0.5, recoveryBars: 3 });
    bars(rule, [190, 1.9]);
    expect(rule.checkOrder!(order(), view)?.message).toBe("BROKEN_DATA: symbol=AAA, maxJump=0.5, jump=-0.99, barsLeft=3");
  });

  it("denies an upward jump too", () => {
    const rule = brokenData({ maxJump: 0.5 });
    bars(rule, [100, 151]);
    expect(allowed(rule)).toBe(false);
  });

  it("allows orders again after the configured number of normal bars", () => {
    const rule = brokenData({ maxJump: 0.5, recoveryBars: 2 });
    bars(rule, [100, 1000]);
    expect(allowed(rule)).toBe(false);
    rule.onBar!("AAA", 3, 1010);
    expect(allowed(rule)).toBe(false);
    rule.onBar!("AAA", 4, 1005);
    expect(allowed(rule)).toBe(true);
  });

  it("restarts the count when the price jumps back (a spike)", () => {
    const rule = brokenData({ maxJump: 0.5, recoveryBars: 2 });
    bars(rule, [100, 1000, 100, 101]);
    expect(allowed(rule)).toBe(false);
    rule.onBar!("AAA", 9, 102);
    expect(allowed(rule)).toBe(true);
  });

  it("treats a zero, negative or NaN close as broken and judges the next bar against the last good close", () => {
    const rule = brokenData({ maxJump: 0.5, recoveryBars: 1 });
    bars(rule, [100, NaN]);
    expect(allowed(rule)).toBe(false);
    rule.onBar!("AAA", 5, 101);
    expect(allowed(rule)).toBe(true);
    rule.onBar!("AAA", 6, 0);
    expect(allowed(rule)).toBe(false);
  });

  it("keeps each symbol's health separate", () => {
    const rule = brokenData({ maxJump: 0.5 });
    bars(rule, [100, 300], "AAA");
    bars(rule, [100, 101], "BBB");
    expect(allowed(rule, "AAA")).toBe(false);
    expect(allowed(rule, "BBB")).toBe(true);
  });
});
