import { runBacktest, defineStrategy } from "../engine/index.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = [syntheticBars("SYN", 1_000_000, 42)];
const empty = defineStrategy({ name: "empty", params: {}, init: () => ({}), onBar() {} });
const ts: number[] = [];
for (let r = 0; r < 15; r++) { const t0 = performance.now(); runBacktest({ bars: s, strategy: empty }); ts.push(performance.now() - t0); }
ts.sort((a, b) => a - b); console.log("empty median", ts[7]!.toFixed(1));
