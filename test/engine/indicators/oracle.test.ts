import {
  ATR, BollingerBands, EMA, MACD, OBV, ROC, RSI, SMA, Stochastic as TiStochastic, VWAP, WMA,
} from "technicalindicators";
import { describe, expect, it } from "vitest";
import { priceDecimals } from "../../../engine/bars.js";
import {
  atrBatch, bollingerBatch, donchianBatch, emaBatch, macdBatch, obvBatch, rocBatch, rsiBatch, smaBatch,
  stochasticBatch, vwapBatch, wmaBatch,
} from "../../../engine/indicators/index.js";
import { loadOrcl } from "./orcl.js";

/**
 * Values against technicalindicators 3.1.0 on the real ORCL daily file. Its arrays start at its
 * first value; ours are NaN during warm-up, so `offset` aligns them: ours[offset + j] vs theirs[j].
 * Default tolerance: 1e-9 relative.
 */

const { series } = loadOrcl();
const decimals = priceDecimals(series)!;
const N = series.length;
const high = Array.from(series.high), low = Array.from(series.low), close = Array.from(series.close);
const volume = Array.from(series.volume);

/**
 * Checks ours[theirsStart + j] against theirs[j] for every index from `from` (default
 * theirsStart), within `rel` of max(|ours|, |theirs|, floor); ours must be NaN before `from`.
 * `floor` is the scale for outputs that are differences of prices or bounded oscillators (MACD,
 * histogram, %K, ROC), which can be near 0 while their rounding is relative to their inputs.
 */
function expectAligned(
  ours: ArrayLike<number>, theirs: readonly (number | undefined)[], theirsStart: number,
  opts: { from?: number; rel?: number; abs?: number; floor?: ArrayLike<number> | number; skip?: (i: number) => boolean } = {},
): void {
  const rel = opts.rel ?? 1e-9;
  const from = opts.from ?? theirsStart;
  expect(ours.length).toBe(theirsStart + theirs.length);
  for (let i = 0; i < from; i++) if (!Number.isNaN(ours[i])) expect({ index: i, ours: ours[i] }).toEqual({ index: i, ours: NaN });
  let compared = 0;
  for (let i = from; i < ours.length; i++) {
    if (opts.skip?.(i)) continue;
    const o = ours[i]!;
    const t = theirs[i - theirsStart];
    const f = typeof opts.floor === "number" ? opts.floor : opts.floor ? Math.abs(opts.floor[i]!) : 0;
    const tol = (opts.abs ?? 0) + rel * Math.max(Math.abs(o), Math.abs(t ?? 0), f);
    if (t === undefined || !(Math.abs(o - t) <= tol)) expect({ index: i, ours: o }).toEqual({ index: i, ours: t });
    compared++;
  }
  // skips are for rare documented differences, not for hiding a misalignment
  expect(compared).toBeGreaterThan((ours.length - from) * 0.99);
}

describe("indicators against technicalindicators on ORCL 1995-2014", () => {
  it("has the file we expect", () => {
    expect(N).toBe(5036);
    expect(decimals).toBe(6);
  });

  it("gives the same SMA, with and without exact ticks", () => {
    for (const period of [1, 10, 30, 200]) {
      const theirs = SMA.calculate({ period, values: close });
      expectAligned(smaBatch(series.close, period), theirs, period - 1);
      expectAligned(smaBatch(series.close, period, { decimals }), theirs, period - 1);
    }
  });

  it("gives the same EMA (seeded with the SMA of the first period inputs)", () => {
    for (const period of [1, 12, 26, 50]) {
      expectAligned(emaBatch(series.close, period), EMA.calculate({ period, values: close }), period - 1);
    }
  });

  it("gives the same WMA", () => {
    for (const period of [1, 9, 20, 100]) {
      const theirs = WMA.calculate({ period, values: close });
      expectAligned(wmaBatch(series.close, period), theirs, period - 1);
      expectAligned(wmaBatch(series.close, period, { decimals }), theirs, period - 1);
    }
  });

  it("gives the same RSI, to the 2 decimals the oracle rounds to", () => {
    for (const period of [2, 14, 30]) {
      const theirs = RSI.calculate({ period, values: close });
      // technicalindicators rounds every RSI with toFixed(2): allow half a cent, plus float noise
      expectAligned(rsiBatch(series.close, period), theirs, period, { rel: 0, abs: 0.005 + 1e-9 });
    }
  });

  it("gives the same MACD with EMA oscillator and EMA signal, once all three fields exist", () => {
    const theirs = MACD.calculate({
      values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false,
    });
    const ours = macdBatch(series.close, 12, 26, 9);
    // the oracle emits the macd line from input 26 (index 25) with signal undefined until input 34;
    // our Macd is ready, all three fields at once, at input 26 + 9 - 1 = 34 (index 33)
    const opts = { from: 33, floor: series.close };
    expectAligned(ours.macd, theirs.map((r) => r.MACD), 25, opts);
    expectAligned(ours.signal, theirs.map((r) => r.signal), 25, opts);
    expectAligned(ours.histogram, theirs.map((r) => r.histogram), 25, opts);
  });

  it("gives the same Bollinger Bands (population standard deviation)", () => {
    for (const [period, k] of [[20, 2], [10, 1.5], [50, 2.5]] as const) {
      const theirs = BollingerBands.calculate({ period, stdDev: k, values: close });
      for (const ours of [bollingerBatch(series.close, period, k), bollingerBatch(series.close, period, k, { decimals })]) {
        expectAligned(ours.middle, theirs.map((r) => r.middle), period - 1);
        expectAligned(ours.upper, theirs.map((r) => r.upper), period - 1);
        expectAligned(ours.lower, theirs.map((r) => r.lower), period - 1);
      }
    }
  });

  it("gives the same ATR (first true range on bar 2, Wilder smoothing)", () => {
    for (const period of [1, 14, 30]) {
      const theirs = ATR.calculate({ high, low, close, period });
      expectAligned(atrBatch(series.high, series.low, series.close, series.volume, period), theirs, period);
    }
  });

  it("gives the same Stochastic %K and %D wherever the window is not flat", () => {
    for (const [period, signalPeriod] of [[14, 3], [5, 5], [1, 1]] as const) {
      const theirs = TiStochastic.calculate({ high, low, close, period, signalPeriod });
      const ours = stochasticBatch(series.high, series.low, series.close, series.volume, period, signalPeriod);
      // a flat window (highest high == lowest low) gives %K = 50 here and 0 in the oracle: skip
      // the bars whose %K, or a %K averaged into their %D, came from one
      const { upper, lower } = donchianBatch(series.high, series.low, series.close, series.volume, period);
      const flat = (i: number) => {
        for (let j = Math.max(0, i - signalPeriod + 1); j <= i; j++) if (upper[j] === lower[j]) return true;
        return false;
      };
      const opts = { from: period + signalPeriod - 2, floor: 100, skip: flat };
      expectAligned(ours.k, theirs.map((r) => r.k), period - 1, opts);
      expectAligned(ours.d, theirs.map((r) => r.d), period - 1, opts);
    }
  });

  it("gives the same ROC", () => {
    for (const period of [1, 10, 12]) {
      expectAligned(rocBatch(series.close, period), ROC.calculate({ period, values: close }), period, { floor: 100 });
    }
  });

  it("gives the same OBV, starting from 0 on the bar the oracle skips", () => {
    const ours = obvBatch(series.high, series.low, series.close, series.volume);
    expect(ours[0]).toBe(0);
    const theirs = OBV.calculate({ close, volume });
    // the oracle's first value is our second: compare ours from index 1 (OBV of share volumes is exact)
    expectAligned(ours.subarray(1), theirs, 0, { rel: 0 });
  });

  it("gives the same cumulative VWAP", () => {
    const theirs = VWAP.calculate({ high, low, close, volume });
    expectAligned(vwapBatch(series.high, series.low, series.close, series.volume), theirs, 0);
  });
});

describe("indicators the oracle lacks, against naive O(n · period) loops", () => {
  it("gives the Donchian channel of a naive max/min scan, exactly", () => {
    for (const period of [1, 2, 20, 55, 300]) {
      const ours = donchianBatch(series.high, series.low, series.close, series.volume, period);
      for (let i = 0; i < N; i++) {
        if (i < period - 1) {
          expect(ours.upper[i]).toBeNaN();
          continue;
        }
        let hh = -Infinity, ll = Infinity;
        for (let j = i - period + 1; j <= i; j++) {
          hh = Math.max(hh, series.high[j]!);
          ll = Math.min(ll, series.low[j]!);
        }
        if (ours.upper[i] !== hh || ours.lower[i] !== ll || ours.middle[i] !== (hh + ll) / 2) {
          expect({ i, upper: ours.upper[i], lower: ours.lower[i] }).toEqual({ i, upper: hh, lower: ll });
        }
      }
    }
  });

  it("gives a rolling VWAP equal to a naive windowed sum", () => {
    for (const period of [1, 20, 390]) {
      const ours = vwapBatch(series.high, series.low, series.close, series.volume, period);
      const naive: number[] = [];
      for (let i = period - 1; i < N; i++) {
        let pv = 0, v = 0;
        for (let j = i - period + 1; j <= i; j++) {
          pv += ((series.high[j]! + series.low[j]! + series.close[j]!) / 3) * series.volume[j]!;
          v += series.volume[j]!;
        }
        naive.push(pv / v);
      }
      expectAligned(ours, naive, period - 1, { rel: 1e-12 });
    }
  });
});
