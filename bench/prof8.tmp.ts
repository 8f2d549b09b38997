import { runBacktest } from "../engine/index.ts";
import { smaCrossover } from "../strategies/smaCrossover.ts";
import { syntheticBars } from "./syntheticBars.ts";
const one = [syntheticBars("SYN", 1_000_000, 42)];
const gc = (globalThis as { gc?: () => void }).gc!;
const variants: Record<string, () => unknown> = {
  bench: () => runBacktest({ bars: one, strategy: smaCrossover, params: { fast: 10, slow: 30 }, cash: 100_000, commission: 0.001, lotSize: 1 }),
  cash1e9: () => runBacktest({ bars: one, strategy: smaCrossover, cash: 1e9, commission: 0.001 }),
};
for (const [name, fn] of Object.entries(variants)) { fn(); let best = 1e9, bestNoGc = 1e9; for (let r = 0; r < 5; r++) { gc(); const t0 = performance.now(); fn(); best = Math.min(best, performance.now() - t0); } for (let r = 0; r < 5; r++) { const t0 = performance.now(); fn(); bestNoGc = Math.min(bestNoGc, performance.now() - t0); } console.log(name, best.toFixed(1), bestNoGc.toFixed(1)); }
