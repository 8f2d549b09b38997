/** Construction-time checks of rule options: a bad limit throws an InputError saying what is wrong and how to fix it. */
import { InputError } from "../errors.js";

function fail(rule: string, option: string, value: unknown, expected: string): never {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new InputError(
    "INVALID_RISK_LIMIT",
    { rule, option, value: shown },
    `${rule}: ${option} must be ${expected}, got ${shown}`,
  );
}

/** The options object itself: a rule called without one gets a message naming the rule. */
export function requireOptions<T>(rule: string, options: T): NonNullable<T> {
  if (typeof options !== "object" || options === null) {
    fail(rule, "options", options, "an options object");
  }
  return options as NonNullable<T>;
}

/** A finite number ≥ 0 (a limit of 0 refuses everything, which is a legitimate way to stop trading). */
export function nonNegative(rule: string, option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(rule, option, value, "a finite number >= 0 (omit the rule for no limit)");
  }
  return value;
}

/** A finite number > 0. */
export function positive(rule: string, option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(rule, option, value, "a finite number > 0");
  }
  return value;
}

/** A fraction in [0, 1], e.g. 0.05 for 5 %. */
export function fraction(rule: string, option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    fail(rule, option, value, "a fraction between 0 and 1 (0.05 = 5 %)");
  }
  return value;
}

/** A fraction in (0, 1]: a threshold where 0 would trip (or never lift) at once. */
export function positiveFraction(rule: string, option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    fail(rule, option, value, "a fraction above 0 and at most 1 (0.1 = 10 %)");
  }
  return value;
}

/** A whole number ≥ `min`. */
export function wholeNumber(rule: string, option: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(rule, option, value, `a whole number >= ${min}`);
  }
  return value;
}

/** An optional boolean with a default. */
export function flag(rule: string, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail(rule, option, value, "true or false");
  return value;
}

/** Throws unless at least one of the options is given. */
export function requireOneOf(rule: string, options: object, names: readonly string[]): void {
  const given = options as Record<string, unknown>;
  if (names.every((name) => given[name] === undefined)) {
    throw new InputError(
      "INVALID_RISK_LIMIT",
      { rule, option: names.join("|") },
      `${rule}: give at least one of ${names.join(", ")}`,
    );
  }
}

/** Throws an InputError for options whose combination is wrong (each alone being fine). */
export function failCombination(rule: string, option: string, message: string): never {
  throw new InputError("INVALID_RISK_LIMIT", { rule, option }, `${rule}: ${message}`);
}
