/**
 * The strategy of a report spec: a built-in by name (its source file is what the code hash pins),
 * or a bundle's code, imported as a module of its own and checked as the browser checks it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { defineStrategy, isStrategy, type AnyStrategy } from "../../strategy/defineStrategy.js";
import { strategies } from "../../../strategies/index.js";
import { sha256Hex } from "./reportHashes.js";
import type { ReportSpec } from "./reportSpec.js";

export interface SpecStrategy {
  readonly strategy: AnyStrategy;
  readonly kind: "built-in" | "bundle";
  /** The source the code hash covers: the built-in's file (relative to the project root) or "bundle". */
  readonly source: string;
  readonly codeSha256: string;
  /** The bundle's frozen parameter values (none for a built-in). */
  readonly bundleParams: Readonly<Record<string, unknown>>;
}

/** strategies/<camelCase>.ts for a built-in's kebab-case name ("sma-crossover" → strategies/smaCrossover.ts). */
export const builtInFile = (name: string): string => `strategies/${name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase())}.ts`;

/**
 * Imports JavaScript module text and returns the strategy its default export defines (a
 * definition object, as the Backtest page's code box takes, or a defineStrategy result). Throws
 * InputError saying what is wrong.
 *
 * @example
 * const strategy = await strategyFromCode(`export default { name: "x", params: {}, onBar() {} }`);
 */
export async function strategyFromCode(code: string): Promise<AnyStrategy> {
  let module: { default?: unknown };
  try {
    module = await import(`data:text/javascript;base64,${Buffer.from(code, "utf8").toString("base64")}`);
  } catch (error) {
    throw new InputError("BUNDLE_CODE", {}, `the bundle's code does not load (it must be a self-contained JavaScript module, no imports): ${(error as Error).message}`);
  }
  const definition = module.default;
  if (isStrategy(definition)) return definition;
  if (typeof definition !== "object" || definition === null) {
    throw new InputError("BUNDLE_CODE", {}, `the bundle's code must end with "export default { name, params, init, onBar }"; its default export is ${definition === undefined ? "missing" : typeof definition}`);
  }
  return defineStrategy(definition as Parameters<typeof defineStrategy>[0]);
}

/** Loads the spec's strategy and hashes its code. Throws InputError for an unknown name or bad code. */
export async function loadSpecStrategy(spec: ReportSpec, root: string): Promise<SpecStrategy> {
  if (typeof spec.strategy === "string") {
    const strategy = strategies[spec.strategy];
    if (!strategy) {
      throw new InputError("UNKNOWN_STRATEGY", { strategy: spec.strategy },
        `there is no built-in strategy "${spec.strategy}"; the built-ins are ${Object.keys(strategies).join(", ")} (or give a bundle { code, params })`);
    }
    const source = builtInFile(spec.strategy);
    const file = join(root, source);
    if (!existsSync(file)) throw new InputError("STRATEGY_SOURCE_MISSING", { strategy: spec.strategy, file: source }, `the source file of "${spec.strategy}" should be ${source}, which does not exist`);
    return { strategy, kind: "built-in", source, codeSha256: sha256Hex(readFileSync(file)), bundleParams: {} };
  }
  const { code, params } = spec.strategy;
  return { strategy: await strategyFromCode(code), kind: "bundle", source: "bundle", codeSha256: sha256Hex(code), bundleParams: params ?? {} };
}
