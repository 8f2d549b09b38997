import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { drawdownCircuitBreaker } from "../../../engine/risk/drawdownCircuitBreaker.js";

const feed = (rule: ReturnType<typeof drawdownCircuitBreaker>, equities: readonly number[]) =>
  equities.map((equity, i) => rule.onEquity!(i * 60_000, equity));

describe("drawdownCircuitBreaker", () => {
  it("asks for REDUCING at reduceAt and HALTED at haltAt below the running peak", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2 });
    expect(feed(rule, [100, 120, 109, 108, 97, 96])).toEqual(["ACTIVE", "ACTIVE", "ACTIVE", "REDUCING", "REDUCING", "HALTED"]);
    expect(rule.stateCode).toBe("DRAWDOWN_HALT");
  });

  it("never recovers by default, even at a new equity peak", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2 });
    expect(feed(rule, [100, 85, 150]).at(-1)).toBe("REDUCING");
    expect(feed(rule, [70, 200]).at(-1)).toBe("HALTED");
  });

  it("does not step down from HALTED to REDUCING as drawdown eases", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2, resumeBelow: 0.05 });
    expect(feed(rule, [100, 75, 88])).toEqual(["ACTIVE", "HALTED", "HALTED"]);
  });

  it("goes back to ACTIVE once drawdown falls below resumeBelow", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2, resumeBelow: 0.05 });
    expect(feed(rule, [100, 79, 94, 96, 85])).toEqual(["ACTIVE", "HALTED", "HALTED", "ACTIVE", "REDUCING"]);
    expect(rule.stateCode).toBe("DRAWDOWN_REDUCE");
  });

  it("works with only a halt level", () => {
    const rule = drawdownCircuitBreaker({ haltAt: 0.3 });
    expect(feed(rule, [100, 80, 70])).toEqual(["ACTIVE", "ACTIVE", "HALTED"]);
  });

  it("measures nothing until equity has been positive", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2 });
    expect(feed(rule, [0, 0, 100, 95])).toEqual(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"]);
  });

  it("halts when equity goes negative after a positive peak", () => {
    const rule = drawdownCircuitBreaker({ haltAt: 1 });
    expect(feed(rule, [100, -1])).toEqual(["ACTIVE", "HALTED"]);
  });

  it("ignores NaN samples", () => {
    const rule = drawdownCircuitBreaker({ reduceAt: 0.1 });
    expect(feed(rule, [100, NaN, 89])).toEqual(["ACTIVE", null, "REDUCING"]);
  });

  it("rejects levels in the wrong order", () => {
    expect(() => drawdownCircuitBreaker({ reduceAt: 0.2, haltAt: 0.2 })).toThrow(InputError);
    expect(() => drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2, resumeBelow: 0.15 })).toThrow(
      "drawdownCircuitBreaker: resumeBelow (0.15) must not exceed the first trip level (0.1)",
    );
  });
});
