import { runBacktest } from "../engine/index.ts";
import { smaCrossover } from "../strategies/smaCrossover.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = [syntheticBars("SYN", 1_000_000, 42)];
for (let r = 0; r < 15; r++) runBacktest({ bars: s, strategy: smaCrossover, cash: 1e9, commission: 0.001 });
