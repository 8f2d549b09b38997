/** The built-in strategy templates, by name. */
import type { AnyStrategy } from "../engine/index.js";
import { smaCrossover } from "./smaCrossover.js";

export const strategies: Readonly<Record<string, AnyStrategy>> = Object.freeze({
  [smaCrossover.name]: smaCrossover,
});

export { smaCrossover };
