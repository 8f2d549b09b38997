/**
 * Engine throughput on an SMA-crossover backtest against a bare loop over the
 * same arrays, and peak memory against the raw column bytes. Prints one JSON document.
 */
import { runBacktest, type BarSeries } from "../engine/index.js";
import { smaCrossover } from "../strategies/smaCrossover.js";
import { bareSmaCross } from "./bareLoop.js";
import { syntheticBars } from "./syntheticBars.js";

const REPEATS = 7;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const used = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

/**
 * Median of REPEATS steady-state runs. No forced GC between them: a forced full GC resets V8's
 * heap limits, so the next run's result arrays would pay for a major collection inside the timed
 * region — a cost no real sequence of runs sees. GC that does happen inside a run is counted.
 */
function median<T>(fn: () => T): { ms: number; out: T } {
  const times: number[] = [];
  let out!: T;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    out = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[REPEATS >> 1]!, out };
}

function engineCase(name: string, series: BarSeries[]) {
  const bars = series.reduce((a, s) => a + s.length, 0);
  const rawBytes = series.reduce((a, s) => a + 6 * 8 * s.length, 0);
  // each symbol gets an equal share, as a portfolio of N symbols would be run
  const params = { fast: 10, slow: 30, allocation: 1 / series.length };
  const run = () => runBacktest({ bars: series, strategy: smaCrossover, params, cash: 100_000, commission: 0.001, lotSize: 1 });
  run(); // warm-up: let the JIT settle before timing
  const { ms, out } = median(run);
  // peak memory of one run above the resting heap, sampled at every progress tick
  gc();
  const base = used();
  let peak = 0;
  runBacktest({ bars: series, strategy: smaCrossover, params, cash: 100_000, commission: 0.001,
    onProgress: () => { peak = Math.max(peak, used() - base); } });
  peak = Math.max(peak, used() - base);
  const bare = median(() => series.map((s) => bareSmaCross(s, 10, 30, 100_000 / series.length, 0.001, 100)));
  const engineBps = bars / (ms / 1000);
  const bareBps = bars / (bare.ms / 1000);
  return {
    case: name, symbols: series.length, bars,
    engine: { ms: +ms.toFixed(1), barsPerSecond: Math.round(engineBps), fills: out.fills.length, finalEquity: +out.metrics.finalEquity.toFixed(2) },
    bareLoop: { ms: +bare.ms.toFixed(1), barsPerSecond: Math.round(bareBps), fills: bare.out.reduce((a, b) => a + b.fills, 0) },
    engineOverBare: +(bareBps / engineBps).toFixed(2),
    memory: { rawColumnBytes: rawBytes, peakRunBytes: peak, peakOverRaw: +(peak / rawBytes).toFixed(2) },
  };
}

/** The engine figures of `npm run bench`. */
export function engineBench(): Record<string, unknown> {
  const one = [syntheticBars("SYN", 1_000_000, 42)];
  const ten = Array.from({ length: 10 }, (_, k) => syntheticBars(`SYN${k}`, 100_000, 100 + k));
  const results = [engineCase("1 symbol x 1,000,000 bars", one), engineCase("10 symbols x 100,000 bars", ten)];
  return { timing: `median of ${REPEATS} runs after a warm-up run`, strategy: "sma-crossover fast=10 slow=30, allocation 1/N of equity per symbol", results };
}
