import { InputError } from "../errors.js";

/**
 * What every parameter kind may say of itself. `hot: false` marks a value the strategy uses only
 * when it starts (an indicator's period): a running strategy cannot take a new one (Engine.setParams
 * refuses it), it needs a restart. Default: hot, read again on every bar.
 */
interface ParamCommon {
  readonly description?: string;
  readonly hot?: boolean;
}
/** A numeric parameter: default, inclusive range, optional step and integer flag. */
export interface NumberParam extends ParamCommon {
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly integer?: boolean;
}
/** One of a fixed set of strings. */
export interface ChoiceParam<O extends string = string> extends ParamCommon {
  readonly default: O;
  readonly options: readonly O[];
}
export interface BooleanParam extends ParamCommon {
  readonly default: boolean;
}
export type ParamSpec = NumberParam | ChoiceParam | BooleanParam;
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** The values a schema describes: numbers, booleans, or the choice's own string union. */
export type ParamValues<S extends ParamSchema> = {
  readonly [K in keyof S]: S[K] extends ChoiceParam<infer O> ? O : S[K] extends BooleanParam ? boolean : number;
};

export const isChoice = (p: ParamSpec): p is ChoiceParam => "options" in p;
export const isBoolean = (p: ParamSpec): p is BooleanParam => typeof p.default === "boolean";

/** Checks a schema's own consistency (defaults inside their ranges); throws InputError. */
export function checkSchema(strategy: string, schema: ParamSchema): void {
  for (const [name, spec] of Object.entries(schema)) {
    checkValue(strategy, name, spec, spec.default, "default");
  }
}

/**
 * Resolves parameter values: defaults, overridden by `given`. Strings (from a command line or a
 * form) are parsed. Throws InputError for an unknown name, a value of the wrong type, or a value
 * outside the declared range.
 *
 * @example resolveParams("sma-crossover", schema, { fast: "12" }) // → { fast: 12, slow: 30 }
 */
export function resolveParams<S extends ParamSchema>(strategy: string, schema: S, given: Readonly<Record<string, unknown>> = {}): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema).join(", ") || "none";
      throw new InputError("UNKNOWN_PARAM", { strategy, param: name },
        `strategy "${strategy}" has no parameter "${name}"; its parameters are: ${known}`);
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const raw = Object.hasOwn(given, name) ? given[name] : spec.default;
    out[name] = checkValue(strategy, name, spec, parse(strategy, name, spec, raw), "value");
  }
  return Object.freeze(out) as ParamValues<S>;
}

function parse(strategy: string, name: string, spec: ParamSpec, raw: unknown): unknown {
  if (typeof raw !== "string" || isChoice(spec)) return raw;
  if (isBoolean(spec)) {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new InputError("BAD_PARAM", { strategy, param: name, value: raw }, `parameter "${name}" of "${strategy}" must be true or false, got "${raw}"`);
  }
  const x = raw.trim() === "" ? NaN : Number(raw);
  if (Number.isNaN(x)) {
    throw new InputError("BAD_PARAM", { strategy, param: name, value: raw }, `parameter "${name}" of "${strategy}" must be a number, got "${raw}"`);
  }
  return x;
}

function checkValue(strategy: string, name: string, spec: ParamSpec, v: unknown, what: string): unknown {
  const ctx = { strategy, param: name, value: String(v) };
  if (isChoice(spec)) {
    if (typeof v !== "string" || !spec.options.includes(v)) {
      throw new InputError("PARAM_NOT_AN_OPTION", ctx, `${what} of parameter "${name}" of "${strategy}" must be one of ${spec.options.join(", ")}; got ${JSON.stringify(v)}`);
    }
    return v;
  }
  if (isBoolean(spec)) {
    if (typeof v !== "boolean") throw new InputError("BAD_PARAM", ctx, `${what} of parameter "${name}" of "${strategy}" must be true or false; got ${JSON.stringify(v)}`);
    return v;
  }
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new InputError("BAD_PARAM", ctx, `${what} of parameter "${name}" of "${strategy}" must be a finite number; got ${JSON.stringify(v)}`);
  }
  if (spec.integer && !Number.isInteger(v)) {
    throw new InputError("PARAM_NOT_INTEGER", ctx, `${what} of parameter "${name}" of "${strategy}" must be a whole number; got ${v}`);
  }
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    throw new InputError("PARAM_OUT_OF_RANGE", { ...ctx, min: spec.min, max: spec.max },
      `${what} ${v} of parameter "${name}" of "${strategy}" is outside its range [${spec.min ?? "-∞"}, ${spec.max ?? "∞"}]`);
  }
  return v;
}
