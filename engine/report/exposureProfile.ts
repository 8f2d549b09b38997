/** How much of the account was at work, over time: the tear sheet's exposure section. */

/** One stretch of the timeline: its first sample's time, the mean and the largest exposure in it. */
export interface ExposureBucket {
  readonly timeMs: number;
  readonly mean: number;
  readonly max: number;
}

export interface ExposureProfile {
  /** Fraction of samples with any exposure (as metrics.exposure). */
  readonly timeInMarket: number;
  /** Mean gross exposure / equity over all samples, and over the samples in the market. */
  readonly average: number;
  readonly averageInvested: number;
  readonly max: number;
  /** The series in at most `maxPoints` equal runs of `bucketSize` samples, for a chart. */
  readonly buckets: readonly ExposureBucket[];
  readonly bucketSize: number;
}

/**
 * Summarises a run's exposure series (gross exposure / equity per sample, 0 when flat; NaN counts
 * as flat) and cuts it into at most `maxPoints` buckets of consecutive samples.
 *
 * @example
 * exposureProfile(result.time, result.exposure).averageInvested; // 0.98 for an all-in strategy
 */
export function exposureProfile(timeMs: ArrayLike<number>, exposure: ArrayLike<number>, maxPoints = 600): ExposureProfile {
  const n = exposure.length;
  let held = 0, sum = 0, max = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(exposure[i]!);
    if (!(x > 0)) continue;
    held++;
    sum += x;
    if (x > max) max = x;
  }
  const size = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  const buckets: ExposureBucket[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let s = 0, m = 0;
    for (let i = start; i < end; i++) {
      const x = Math.abs(exposure[i]!);
      if (!(x > 0)) continue;
      s += x;
      if (x > m) m = x;
    }
    buckets.push({ timeMs: timeMs[start]!, mean: s / (end - start), max: m });
  }
  return {
    timeInMarket: n ? held / n : NaN, average: n ? sum / n : NaN, averageInvested: held ? sum / held : NaN,
    max: n ? max : NaN, buckets, bucketSize: size,
  };
}
