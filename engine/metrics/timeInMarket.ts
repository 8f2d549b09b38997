import type { Trade } from "../records.js";
import { lowerBound } from "../time.js";

/**
 * Time in market from closed trades: the fraction of samples t = timeMs[i] that lie inside at
 * least one trade, entryTimeMs ≤ t < exitTimeMs — so a trade covers exactly its `bars` samples
 * and overlapping trades (several symbols) count once. Same meaning as {@link exposureFraction},
 * but a position still open at the end is not a closed trade and is missed: prefer an exposure
 * series when there is one. NaN with no samples.
 *
 * @example
 * const t = Float64Array.of(0, 1, 2, 3, 4);
 * timeInMarket(t, [{ entryTimeMs: 1, exitTimeMs: 3, … }]); // samples 1, 2 → 2 / 5 = 0.4
 */
export function timeInMarket(timeMs: Float64Array, trades: readonly Trade[]): number {
  const n = timeMs.length;
  if (n === 0) return NaN;
  // Merging sorted intervals makes overlaps count once; per-trade work, not per-sample.
  const intervals = trades
    .map((trade) => [trade.entryTimeMs, trade.exitTimeMs] as const)
    .filter(([entry, exit]) => exit > entry)
    .sort((a, b) => a[0] - b[0]);
  let held = 0;
  let start = NaN;
  let end = NaN;
  for (const [entry, exit] of intervals) {
    if (entry <= end) {
      if (exit > end) end = exit;
      continue;
    }
    if (end > start) held += lowerBound(timeMs, end) - lowerBound(timeMs, start);
    start = entry;
    end = exit;
  }
  if (end > start) held += lowerBound(timeMs, end) - lowerBound(timeMs, start);
  return held / n;
}
