/**
 * Longest drawdown, in ms and in bars: for every episode that falls below a peak, its length is
 * from the peak sample p to the first later sample r with equity_r ≥ equity_p (recovery), or to
 * the last sample when it never recovers; ms = timeMs[r] − timeMs[p], bars = r − p. Each unit
 * reports its own maximum, so with gaps in the timeline (weekends) the two can come from
 * different episodes. A later sample equal to the peak is a recovery; 0 when equity never falls.
 *
 * @example
 * const t = Float64Array.of(0, 1000, 2000, 3000);
 * maxDrawdownDuration(t, Float64Array.of(100, 110, 99, 121)); // { ms: 2000, bars: 2 } (peak 1 → recovery 3)
 */
export function maxDrawdownDuration(timeMs: Float64Array, equity: Float64Array): { ms: number; bars: number } {
  const n = equity.length;
  let peak = -Infinity;
  let peakIndex = 0;
  let below = false;
  let longestMs = 0;
  let longestBars = 0;
  for (let i = 0; i < n; i++) {
    const value = equity[i]!;
    if (value >= peak) {
      if (below) {
        longestMs = Math.max(longestMs, timeMs[i]! - timeMs[peakIndex]!);
        longestBars = Math.max(longestBars, i - peakIndex);
        below = false;
      }
      peak = value;
      peakIndex = i;
    } else {
      below = true;
    }
  }
  if (below) {
    longestMs = Math.max(longestMs, timeMs[n - 1]! - timeMs[peakIndex]!);
    longestBars = Math.max(longestBars, n - 1 - peakIndex);
  }
  return { ms: longestMs, bars: longestBars };
}
