import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError, isStrategy, type AnyStrategy } from "../../index.js";
import { strategies } from "../../../strategies/index.js";

/**
 * A built-in strategy by name (`sma-crossover`), or the strategy a module file exports (its
 * default export, else its first exported strategy).
 */
export async function loadStrategy(nameOrPath: string): Promise<AnyStrategy> {
  const builtIn = strategies[nameOrPath];
  if (builtIn) return builtIn;
  const looksLikePath = /[\\/]|\.(ts|js|mjs)$/.test(nameOrPath);
  if (!looksLikePath) {
    throw new InputError("UNKNOWN_STRATEGY", { strategy: nameOrPath },
      `there is no strategy "${nameOrPath}"; built-in strategies: ${Object.keys(strategies).join(", ")} (or give the path of a strategy module)`);
  }
  const file = resolve(nameOrPath);
  if (!existsSync(file)) throw new InputError("STRATEGY_NOT_FOUND", { file }, `strategy file ${file} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new InputError("STRATEGY_LOAD_FAILED", { file }, `could not load strategy module ${file}: ${(error as Error).message}`, { cause: error });
  }
  const found = isStrategy(mod.default) ? mod.default : Object.values(mod).find(isStrategy);
  if (!found) {
    throw new InputError("NOT_A_STRATEGY", { file }, `${file} exports no strategy; export default defineStrategy({ name, params, init, onBar })`);
  }
  return found;
}
