/**
 * The built-in sample data sets: what the workbench opens with when nothing else is loaded.
 * Kept here, isomorphic, so that the Framework data loaders that write them and the page that lists
 * them read the same options (src/data/<name>.parquet.ts, src/samples.md).
 */
import type { SyntheticOptions } from "./synthetic.js";

export interface SyntheticSample {
  /** File name without extension, as served under data/ (e.g. data/sample-1h.parquet). */
  readonly name: string;
  /** One line on what it is for. */
  readonly purpose: string;
  readonly options: SyntheticOptions;
}

export const SYNTHETIC_SAMPLES: readonly SyntheticSample[] = Object.freeze([
  {
    name: "sample-1h",
    purpose: "Hourly bars for one year: the default data set of the workbench.",
    options: { seed: 42, symbols: 4, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 366 * 24, correlation: 0.5 },
  },
  {
    name: "sample-1d",
    purpose: "Daily bars for ten years (2015-2024): long backtests and regime studies.",
    options: { seed: 42, symbols: 4, timeframe: "1d", start: Date.UTC(2015, 0, 1), bars: 3653, correlation: 0.5 },
  },
  {
    name: "sample-1m",
    purpose: "One-minute bars for five days: intraday strategies and resampling.",
    options: { seed: 42, symbols: 4, timeframe: "1m", start: Date.UTC(2024, 5, 3), bars: 5 * 1440, correlation: 0.5 },
  },
] as const);

/**
 * The sample called `name`; throws when there is none.
 *
 * @example
 * syntheticSample("sample-1h").options.timeframe; // "1h"
 */
export function syntheticSample(name: string): SyntheticSample {
  const found = SYNTHETIC_SAMPLES.find((s) => s.name === name);
  if (!found) throw new Error(`no sample data set "${name}"; the samples are ${SYNTHETIC_SAMPLES.map((s) => s.name).join(", ")}`);
  return found;
}
