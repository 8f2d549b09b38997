import { runBacktest, defineStrategy } from "../engine/index.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = [syntheticBars("SYN", 1_000_000, 42)];
const empty = defineStrategy({ name: "empty", params: {}, init: () => ({}), onBar() {} });
for (let r = 0; r < 8; r++) { const t0 = performance.now(); runBacktest({ bars: s, strategy: empty }); const tot = performance.now() - t0; console.log(tot.toFixed(1), (globalThis as any).__t.map((x: number) => x.toFixed(1)).join(" ")); }
