import { InputError } from "../errors.js";
import type { Fill } from "../records.js";
import type { StrategyContext } from "./context.js";
import { checkSchema, type ParamSchema, type ParamValues } from "./params.js";

/** The strategy callbacks; `init` runs once per symbol before its first bar and returns that symbol's state. */
export interface StrategyDefinition<S extends ParamSchema, State> {
  readonly name: string;
  readonly description?: string;
  readonly params: S;
  init(ctx: StrategyContext<ParamValues<S>>, params: ParamValues<S>): State;
  onBar(ctx: StrategyContext<ParamValues<S>>, state: State): void;
  onFill?(ctx: StrategyContext<ParamValues<S>>, state: State, fill: Fill): void;
  onStop?(ctx: StrategyContext<ParamValues<S>>, state: State): void;
}

/** A checked, frozen strategy definition. */
export type Strategy<S extends ParamSchema = ParamSchema, State = unknown> = Readonly<StrategyDefinition<S, State>> & {
  readonly kind: "strategy";
};

/** Any strategy, whatever its parameters and state. */
// biome-ignore lint: the engine drives strategies through this erased type
export type AnyStrategy = Strategy<any, any>;

/**
 * Declares a strategy: a name, a typed parameter schema (defaults and ranges), and callbacks.
 *
 * @example
 * export default defineStrategy({
 *   name: "sma-crossover",
 *   params: { fast: { default: 10, min: 2, max: 200, integer: true }, slow: { default: 30, min: 3, max: 400, integer: true } },
 *   init: (ctx, p) => ({ fast: ctx.sma(p.fast), slow: ctx.sma(p.slow), cross: crossover() }),
 *   onBar(ctx, s) { … },
 * });
 */
export function defineStrategy<const S extends ParamSchema, State>(definition: StrategyDefinition<S, State>): Strategy<S, State> {
  const { name } = definition;
  if (typeof name !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(name)) {
    throw new InputError("BAD_STRATEGY", { strategy: String(name) }, `a strategy needs a name of letters, digits, "-", "_" or "."; got ${JSON.stringify(name)}`);
  }
  for (const fn of ["init", "onBar"] as const) {
    if (typeof definition[fn] !== "function") {
      throw new InputError("BAD_STRATEGY", { strategy: name }, `strategy "${name}" needs an ${fn}(ctx, …) function`);
    }
  }
  checkSchema(name, definition.params ?? {});
  return Object.freeze({ ...definition, params: definition.params ?? ({} as S), kind: "strategy" as const });
}

export function isStrategy(x: unknown): x is AnyStrategy {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "strategy";
}
