import { runBacktest } from "../engine/index.ts";
import { smaCrossover } from "../strategies/smaCrossover.ts";
import { syntheticBars } from "./syntheticBars.ts";
const one = [syntheticBars("SYN", 1_000_000, 42)];
const run = () => runBacktest({ bars: one, strategy: smaCrossover, params: { fast: 10, slow: 30 }, cash: 100_000, commission: 0.001 });
for (let r = 0; r < 4; r++) run();
console.log("---- measured");
const t0 = performance.now(); for (let r = 0; r < 5; r++) run(); console.log("avg", ((performance.now() - t0) / 5).toFixed(1));
