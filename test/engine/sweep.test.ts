/**
 * Parameter sweeps (engine/sweep.ts): grids and seeded random searches over one or two
 * parameters, validated against the strategy's schema.
 */
import { describe, expect, it } from "vitest";
import { InputError, axisValues, sweepGrid, sweepRandom, type ParamSchema } from "../../engine/index.ts";
import { smaCrossover } from "../../strategies/index.ts";

const schema = smaCrossover.params as ParamSchema;
const opts = { strategy: "sma-crossover" };

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("sweepGrid", () => {
  it("gives every combination of two axes, the first varying slowest, merged with the defaults and fixed values", () => {
    const sets = sweepGrid(schema, [{ param: "fast", from: 5, to: 15, step: 5 }, { param: "slow", values: [20, 30, 40] }], { allocation: 0.5 }, opts);
    expect(sets).toEqual([
      { fast: 5, slow: 20, allocation: 0.5 }, { fast: 5, slow: 30, allocation: 0.5 }, { fast: 5, slow: 40, allocation: 0.5 },
      { fast: 10, slow: 20, allocation: 0.5 }, { fast: 10, slow: 30, allocation: 0.5 }, { fast: 10, slow: 40, allocation: 0.5 },
      { fast: 15, slow: 20, allocation: 0.5 }, { fast: 15, slow: 30, allocation: 0.5 }, { fast: 15, slow: 40, allocation: 0.5 },
    ]);
    expect(Object.isFrozen(sets[0])).toBe(true);
  });

  it("sweeps one axis, including the end when the step lands on it, without float noise", () => {
    expect(sweepGrid(schema, [{ param: "fast", from: 2, to: 8, step: 3 }]).map((s) => s.fast)).toEqual([2, 5, 8]);
    expect(sweepGrid(schema, [{ param: "fast", from: 2, to: 9, step: 3 }]).map((s) => s.fast)).toEqual([2, 5, 8]);
    expect(axisValues(schema, { param: "allocation", from: 0.1, to: 0.3, step: 0.1 })).toEqual([0.1, 0.2, 0.3]);
    expect(axisValues(schema, { param: "fast", from: 7, to: 7 })).toEqual([7]);
  });

  it("takes defaults from the schema: range min..max, step 1 for whole numbers, ten points otherwise", () => {
    expect(axisValues(schema, { param: "fast" })).toHaveLength(199);
    expect(axisValues(schema, { param: "allocation" })).toHaveLength(10);
  });

  it("rejects a value out of range, an unknown parameter, a non-integer, bad axes and too many runs with clear InputErrors", () => {
    let e = inputError(() => sweepGrid(schema, [{ param: "fast", from: 1, to: 10 }], {}, opts));
    expect(e.code).toBe("PARAM_OUT_OF_RANGE");
    expect(e.message).toMatch(/value 1 of parameter "fast" of "sma-crossover" is outside its range \[2, 200\]/);
    e = inputError(() => sweepGrid(schema, [{ param: "slow", values: [20, 500] }], {}, opts));
    expect(e.code).toBe("PARAM_OUT_OF_RANGE");
    e = inputError(() => sweepGrid(schema, [{ param: "fats", from: 2, to: 10 }], {}, opts));
    expect(e.code).toBe("UNKNOWN_PARAM");
    expect(e.message).toMatch(/no parameter "fats"; its parameters are: fast, slow, allocation/);
    expect(inputError(() => sweepGrid(schema, [{ param: "fast", values: [2.5] }])).code).toBe("PARAM_NOT_INTEGER");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast", from: 2, to: 10 }], { nope: 1 })).code).toBe("UNKNOWN_PARAM");
    expect(inputError(() => sweepGrid(schema, [])).code).toBe("SWEEP_AXES");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast" }, { param: "fast" }])).code).toBe("SWEEP_AXES");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast" }, { param: "slow" }, { param: "allocation" }])).code).toBe("SWEEP_AXES");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast", from: 10, to: 5 }])).code).toBe("SWEEP_RANGE");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast", from: 2, to: 10, step: 0 }])).code).toBe("SWEEP_RANGE");
    expect(inputError(() => sweepGrid(schema, [{ param: "fast" }, { param: "slow" }])).code).toBe("SWEEP_TOO_BIG"); // 199 × 398
  });
});

describe("sweepRandom", () => {
  const axes = [{ param: "fast", from: 2, to: 50 }, { param: "allocation", from: 0.1, to: 1 }] as const;

  it("is reproducible for a seed and differs between seeds", () => {
    const a = sweepRandom(schema, axes, 50, 42, {}, opts);
    expect(a).toHaveLength(50);
    expect(sweepRandom(schema, axes, 50, 42, {}, opts)).toEqual(a);
    expect(sweepRandom(schema, axes, 50, 43, {}, opts)).not.toEqual(a);
  });

  it("draws inside the ranges: whole numbers for integer parameters, the step grid when a step is given", () => {
    const sets = sweepRandom(schema, axes, 500, 7);
    for (const s of sets) {
      expect(Number.isInteger(s.fast)).toBe(true);
      expect(s.fast).toBeGreaterThanOrEqual(2);
      expect(s.fast).toBeLessThanOrEqual(50);
      expect(s.allocation).toBeGreaterThanOrEqual(0.1);
      expect(s.allocation).toBeLessThanOrEqual(1);
      expect(s.slow).toBe(30);
    }
    expect(new Set(sets.map((s) => s.fast)).size).toBeGreaterThan(40); // covers the range
    const stepped = sweepRandom(schema, [{ param: "slow", from: 20, to: 60, step: 10 }], 100, 1);
    expect(new Set(stepped.map((s) => s.slow))).toEqual(new Set([20, 30, 40, 50, 60]));
    const listed = sweepRandom(schema, [{ param: "fast", values: [3, 9] }], 20, 1);
    expect(listed.every((s) => s.fast === 3 || s.fast === 9)).toBe(true);
  });

  it("rejects a bad count, a range outside the schema and an unknown parameter", () => {
    expect(inputError(() => sweepRandom(schema, axes, 0, 1)).code).toBe("SWEEP_COUNT");
    expect(inputError(() => sweepRandom(schema, axes, 2.5, 1)).code).toBe("SWEEP_COUNT");
    expect(inputError(() => sweepRandom(schema, [{ param: "fast", from: 2, to: 900 }], 5, 1)).code).toBe("PARAM_OUT_OF_RANGE");
    expect(inputError(() => sweepRandom(schema, [{ param: "x", from: 2, to: 9 }], 5, 1)).code).toBe("UNKNOWN_PARAM");
  });
});
