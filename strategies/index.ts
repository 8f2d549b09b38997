/** The built-in strategy templates, by name. */
import type { AnyStrategy } from "../engine/index.js";
import { bollingerMeanReversion } from "./bollingerMeanReversion.js";
import { donchianBreakout } from "./donchianBreakout.js";
import { grid } from "./grid.js";
import { rsiMeanReversion } from "./rsiMeanReversion.js";
import { smaCrossover } from "./smaCrossover.js";

export const strategies: Readonly<Record<string, AnyStrategy>> = Object.freeze({
  [smaCrossover.name]: smaCrossover,
  [rsiMeanReversion.name]: rsiMeanReversion,
  [bollingerMeanReversion.name]: bollingerMeanReversion,
  [donchianBreakout.name]: donchianBreakout,
  [grid.name]: grid,
});

export { bollingerMeanReversion, donchianBreakout, grid, rsiMeanReversion, smaCrossover };
