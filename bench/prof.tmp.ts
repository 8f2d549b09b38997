import { runBacktest } from "../engine/index.ts";
import { smaCrossover } from "../strategies/smaCrossover.ts";
import { syntheticBars } from "../bench/syntheticBars.ts";
const s = [syntheticBars("SYN", 1_000_000, 42)];
for (let r = 0; r < 8; r++) { const t0 = performance.now(); const out = runBacktest({ bars: s, strategy: smaCrossover, cash: 1e9, commission: 0.001 }); console.log((performance.now() - t0).toFixed(1), out.fills.length); }
