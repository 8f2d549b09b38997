import { runBacktest, defineStrategy } from "../engine/index.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = [syntheticBars("SYN", 1_000_000, 42)];
const empty = defineStrategy({ name: "empty", params: {}, init: () => ({}), onBar() {} });
for (let r = 0; r < 30; r++) runBacktest({ bars: s, strategy: empty });
