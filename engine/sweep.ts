/**
 * Parameter sweeps: the parameter sets of a grid or a seeded random search over one or two of a
 * strategy's parameters. Isomorphic and pure: the sets are validated against the schema (with
 * resolveParams), and running them is the caller's business (the browser's sweep workers, or a
 * loop over runBacktest in Node).
 *
 * @example
 * sweepGrid(smaCrossover.params, [{ param: "fast", from: 5, to: 15, step: 5 }, { param: "slow", values: [20, 30, 40] }]);
 * // → 9 sets, fast varying slowest: {fast: 5, slow: 20, allocation: 1}, {fast: 5, slow: 30, …}, …
 * sweepRandom(smaCrossover.params, [{ param: "fast", from: 2, to: 50 }], 20, 42); // 20 sets, same for seed 42 every time
 */
import { InputError } from "./errors.js";
import { isBoolean, isChoice, resolveParams, type ParamSchema, type ParamSpec } from "./strategy/params.js";

export type ParamValue = number | string | boolean;

/** One swept parameter: its explicit values, or a numeric range `from`..`to` (inclusive) by `step`. */
export interface SweepAxis {
  readonly param: string;
  /** Explicit values (any parameter kind). When given, from/to/step are ignored. */
  readonly values?: readonly ParamValue[];
  /** Range start; default the schema's min. */
  readonly from?: number;
  /** Range end, inclusive; default the schema's max. */
  readonly to?: number;
  /** Grid step; default the schema's step, else 1 for whole-number parameters, else (to − from) / 9. Random search snaps to it only when given. */
  readonly step?: number;
}

/** Options shared by sweepGrid and sweepRandom. */
export interface SweepOptions {
  /** The strategy's name, for error messages. Default "strategy". */
  readonly strategy?: string;
  /** At most this many parameter sets. Default 10 000. */
  readonly maxRuns?: number;
}

const DEFAULT_MAX_RUNS = 10_000;

/** Rounds away float noise from `from + i × step` (to 12 significant decimals). */
const clean = (x: number) => Number.parseFloat(x.toPrecision(12));

function checkAxes(name: string, schema: ParamSchema, axes: readonly SweepAxis[]): void {
  if (axes.length < 1 || axes.length > 2) {
    throw new InputError("SWEEP_AXES", { strategy: name, axes: axes.length }, `a sweep has one or two parameters; got ${axes.length}`);
  }
  for (const axis of axes) {
    if (!Object.hasOwn(schema, axis.param)) {
      const known = Object.keys(schema).join(", ") || "none";
      throw new InputError("UNKNOWN_PARAM", { strategy: name, param: axis.param },
        `strategy "${name}" has no parameter "${axis.param}"; its parameters are: ${known}`);
    }
  }
  if (axes.length === 2 && axes[0]!.param === axes[1]!.param) {
    throw new InputError("SWEEP_AXES", { strategy: name, param: axes[0]!.param }, `the two swept parameters must differ; both are "${axes[0]!.param}"`);
  }
}

/** Checks one value of a parameter against the schema (throws resolveParams' InputError). */
function checkOne(name: string, schema: ParamSchema, param: string, value: unknown): ParamValue {
  return resolveParams(name, schema, { [param]: value })[param] as ParamValue;
}

/** The numeric range of an axis, checked: from ≤ to, both inside the schema's range. */
function numericRange(name: string, schema: ParamSchema, axis: SweepAxis): { from: number; to: number; spec: ParamSpec & { min?: number; max?: number; step?: number; integer?: boolean } } {
  const spec = schema[axis.param]!;
  if (isChoice(spec) || isBoolean(spec)) {
    throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param },
      `parameter "${axis.param}" of "${name}" is not a number: sweep it with explicit values`);
  }
  const from = axis.from ?? spec.min;
  const to = axis.to ?? spec.max;
  if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to)) {
    throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param },
      `the sweep of "${axis.param}" needs a finite from and to (the schema gives no ${from === undefined ? "min" : "max"})`);
  }
  if (from > to) {
    throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param, from, to }, `the sweep of "${axis.param}" goes from ${from} to ${to}: from must not be above to`);
  }
  checkOne(name, schema, axis.param, from);
  checkOne(name, schema, axis.param, to);
  return { from, to, spec };
}

/** The values an axis takes in a grid, in order, each checked against the schema. */
export function axisValues(schema: ParamSchema, axis: SweepAxis, options: SweepOptions = {}): ParamValue[] {
  const name = options.strategy ?? "strategy";
  checkAxes(name, schema, [axis]);
  const max = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (axis.values) {
    if (axis.values.length === 0) throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param }, `the sweep of "${axis.param}" has no values`);
    const out = axis.values.map((v) => checkOne(name, schema, axis.param, v));
    return [...new Set(out)];
  }
  const { from, to, spec } = numericRange(name, schema, axis);
  const step = axis.step ?? spec.step ?? (spec.integer ? 1 : (to - from) / 9);
  if (from === to) return [checkOne(name, schema, axis.param, from)];
  if (!(step > 0) || !Number.isFinite(step)) {
    throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param, step }, `the step of the sweep of "${axis.param}" must be a positive number; got ${step}`);
  }
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  if (n > max) {
    throw new InputError("SWEEP_TOO_BIG", { strategy: name, param: axis.param, runs: n, max },
      `the sweep of "${axis.param}" from ${from} to ${to} by ${step} has ${n} values, more than the ${max} allowed; use a bigger step`);
  }
  return Array.from({ length: n }, (_, i) => checkOne(name, schema, axis.param, clean(from + i * step)));
}

/**
 * Every combination of the axes' values (the first axis varying slowest), each merged into
 * `fixed` and resolved against the schema: complete, frozen parameter sets. Throws InputError for
 * an unknown parameter, a value out of range or of the wrong kind, a bad range, or more than
 * `maxRuns` sets.
 */
export function sweepGrid(schema: ParamSchema, axes: readonly SweepAxis[], fixed: Readonly<Record<string, unknown>> = {}, options: SweepOptions = {}): Readonly<Record<string, ParamValue>>[] {
  const name = options.strategy ?? "strategy";
  const max = options.maxRuns ?? DEFAULT_MAX_RUNS;
  checkAxes(name, schema, axes);
  const lists = axes.map((a) => axisValues(schema, a, options));
  const total = lists.reduce((n, l) => n * l.length, 1);
  if (total > max) {
    throw new InputError("SWEEP_TOO_BIG", { strategy: name, runs: total, max }, `the grid has ${total} runs, more than the ${max} allowed; use bigger steps`);
  }
  resolveParams(name, schema, fixed);
  const out: Readonly<Record<string, ParamValue>>[] = [];
  const [xs, ys] = lists as [ParamValue[], ParamValue[] | undefined];
  for (const x of xs) {
    for (const y of ys ?? [undefined]) {
      const given: Record<string, unknown> = { ...fixed, [axes[0]!.param]: x };
      if (ys) given[axes[1]!.param] = y;
      out.push(resolveParams(name, schema, given) as Readonly<Record<string, ParamValue>>);
    }
  }
  return out;
}

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` parameter sets drawn at random (seeded: the same seed gives the same sets, everywhere):
 * each axis uniformly from its `values`, or from `from`..`to` (whole numbers for integer
 * parameters; on the `step` grid when a step is given; else any number in the range). Merged into
 * `fixed` and resolved like sweepGrid. Duplicates may occur (they are kept: runs stay `count`).
 */
export function sweepRandom(schema: ParamSchema, axes: readonly SweepAxis[], count: number, seed: number, fixed: Readonly<Record<string, unknown>> = {}, options: SweepOptions = {}): Readonly<Record<string, ParamValue>>[] {
  const name = options.strategy ?? "strategy";
  const max = options.maxRuns ?? DEFAULT_MAX_RUNS;
  checkAxes(name, schema, axes);
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new InputError("SWEEP_COUNT", { strategy: name, count, max }, `a random sweep needs a whole number of runs from 1 to ${max}; got ${count}`);
  }
  if (!Number.isFinite(seed)) throw new InputError("SWEEP_SEED", { strategy: name, seed }, `the seed must be a finite number; got ${seed}`);
  resolveParams(name, schema, fixed);
  const draws = axes.map((axis): ((r: () => number) => ParamValue) => {
    if (axis.values || axis.step !== undefined) {
      const values = axisValues(schema, axis, options);
      return (r) => values[Math.min(values.length - 1, Math.floor(r() * values.length))]!;
    }
    const { from, to, spec } = numericRange(name, schema, axis);
    if (spec.integer) {
      const lo = Math.ceil(from), hi = Math.floor(to);
      if (lo > hi) throw new InputError("SWEEP_RANGE", { strategy: name, param: axis.param, from, to }, `no whole number lies between ${from} and ${to} for "${axis.param}"`);
      return (r) => lo + Math.min(hi - lo, Math.floor(r() * (hi - lo + 1)));
    }
    return (r) => clean(from + r() * (to - from));
  });
  const random = seededRandom(seed);
  const out: Readonly<Record<string, ParamValue>>[] = [];
  for (let i = 0; i < count; i++) {
    const given: Record<string, unknown> = { ...fixed };
    axes.forEach((axis, k) => { given[axis.param] = draws[k]!(random); });
    out.push(resolveParams(name, schema, given) as Readonly<Record<string, ParamValue>>);
  }
  return out;
}
