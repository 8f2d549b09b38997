import { describe, expect, it } from "vitest";
import { barSeries, priceDecimals, type BarSeries } from "../../engine/bars.js";
import { InputError } from "../../engine/errors.js";
import { log, Random } from "../../engine/data/random.js";
import {
  SYNTHETIC_GENERATOR,
  SYNTHETIC_TIMEFRAMES,
  describeSynthetic,
  syntheticMarket,
  syntheticSymbols,
  type SyntheticTimeframe,
} from "../../engine/data/synthetic.js";

// ---- statistics used below -------------------------------------------------------------------

function logReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length - 1);
  for (let i = 1; i < close.length; i++) r[i - 1] = Math.log(close[i]! / close[i - 1]!);
  return r;
}
const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
};
function excessKurtosis(a: Float64Array): number {
  const m = mean(a);
  let m2 = 0, m4 = 0;
  for (const x of a) { const d = x - m; m2 += d * d; m4 += d * d * d * d; }
  m2 /= a.length; m4 /= a.length;
  return m4 / (m2 * m2) - 3;
}
function autocorrelation(a: ArrayLike<number>, lag: number): number {
  const m = mean(a);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - m;
    den += d * d;
    if (i >= lag) num += d * (a[i - lag]! - m);
  }
  return num / den;
}
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}
const abs = (a: Float64Array) => a.map(Math.abs);
const BARS_PER_YEAR: Record<SyntheticTimeframe, number> = {
  "1m": 525_600, "5m": 105_120, "15m": 35_040, "1h": 8_760, "4h": 2_190, "1d": 365,
};
/** FNV-1a over the bytes of every column: a fingerprint of the exact output. */
function fingerprint(series: readonly BarSeries[]): string {
  let h = 0x811c9dc5;
  for (const s of series) {
    for (const col of [s.time, s.open, s.high, s.low, s.close, s.volume]) {
      const bytes = new Uint8Array(col.buffer, col.byteOffset, col.byteLength);
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

// ---- reproducibility ---------------------------------------------------------------------------

describe("syntheticMarket is reproducible from its seed", () => {
  const options = { seed: 42, symbols: 3, timeframe: "15m", bars: 5_000, correlation: 0.4 } as const;

  it("gives bit-identical arrays for the same options, twice", () => {
    const a = syntheticMarket(options);
    const b = syntheticMarket(options);
    expect(a.map((s) => s.symbol)).toEqual(["SYN-A", "SYN-B", "SYN-C"]);
    for (let i = 0; i < a.length; i++) {
      for (const col of ["time", "open", "high", "low", "close", "volume"] as const) {
        expect(Buffer.from(a[i]![col].buffer).equals(Buffer.from(b[i]![col].buffer)), `${a[i]!.symbol}.${col}`).toBe(true);
      }
    }
  });

  it("gives different prices for a different seed", () => {
    const a = syntheticMarket(options);
    const b = syntheticMarket({ ...options, seed: 43 });
    expect(Array.from(a[0]!.close)).not.toEqual(Array.from(b[0]!.close));
  });

  it("still gives the pinned output of generator v1 (a change of the model must bump its version)", () => {
    // If this fails after a deliberate model change, bump SYNTHETIC_GENERATOR and re-pin.
    expect(SYNTHETIC_GENERATOR).toBe("quant-workbench syntheticMarket v1");
    expect(fingerprint(syntheticMarket(options))).toBe(PINNED_FINGERPRINT);
  });

  it("uses only arithmetic that every engine rounds the same way: its log equals V8's Math.log bit for bit", () => {
    const rng = new Random(7);
    const xs = [1, 2, 0.5, Math.E, 1e-300, 5e-324, 1e300, 1 + 1e-9, 1 - 1e-9];
    for (let i = 0; i < 200_000; i++) xs.push(rng.uniform(), rng.uniform() * 10 ** (rng.uniform() * 600 - 300));
    const differing = xs.filter((x) => !Object.is(log(x), Math.log(x)));
    expect(differing).toEqual([]);
    expect([log(0), log(-1), log(Infinity)]).toEqual([-Infinity, NaN, Infinity]);
  });

  it("draws uniforms strictly inside (0, 1) and normals with mean 0 and variance 1", () => {
    const rng = new Random(1);
    let lo = 1, hi = 0, s = 0, s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      lo = Math.min(lo, u); hi = Math.max(hi, u);
      const z = rng.normal();
      s += z; s2 += z * z;
    }
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / n)).toBeLessThan(0.01); // 4.5 standard errors
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
  });
});

const PINNED_FINGERPRINT = "3fed498d";

// ---- valid bars ----------------------------------------------------------------------------------

describe("syntheticMarket produces valid bars", () => {
  it.each(SYNTHETIC_TIMEFRAMES)("gives %s bars that pass barSeries validation, on a 0.01 tick grid, with volume > 0", (timeframe) => {
    const series = syntheticMarket({ seed: 5, symbols: 4, timeframe, bars: 3_000 });
    for (const s of series) {
      expect(s.timeframe).toBe(timeframe);
      expect(s.length).toBe(3_000);
      expect(() => barSeries({ ...s })).not.toThrow();
      expect(priceDecimals(s)).toBeLessThanOrEqual(2);
      expect(s.volume.every((v) => v > 0 && Number.isInteger(v))).toBe(true);
      for (let i = 1; i < s.length; i++) expect(s.open[i]).toBe(s.close[i - 1]); // trades 24/7: no gaps
    }
  });

  it("stamps bars at start + i * timeframe and names symbols SYN-A, SYN-B, ...", () => {
    const start = Date.UTC(2023, 4, 1);
    const [a] = syntheticMarket({ seed: 1, symbols: 1, timeframe: "4h", bars: 10, start });
    expect(a!.symbol).toBe("SYN-A");
    expect(Array.from(a!.time)).toEqual(Array.from({ length: 10 }, (_, i) => start + i * 4 * 3_600_000));
    expect(syntheticSymbols(28).slice(24)).toEqual(["SYN-Y", "SYN-Z", "SYN-AA", "SYN-AB"]);
  });

  it("keeps a finer tick grid when asked for more decimals", () => {
    const [a] = syntheticMarket({ seed: 1, symbols: 1, timeframe: "1m", bars: 2_000, decimals: 4 });
    expect(priceDecimals(a!)).toBeLessThanOrEqual(4);
    expect(priceDecimals(a!)).toBeGreaterThan(2);
  });

  it("refuses bad options with an InputError that says how to fix them", () => {
    const code = (f: () => unknown) => {
      try { f(); } catch (e) { return e instanceof InputError ? `${e.code}: ${e.message}` : String(e); }
      return "no error";
    };
    expect(code(() => syntheticMarket({ seed: -1, bars: 10 }))).toMatch(/^BAD_SEED: seed is -1; pass a whole number/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 0 }))).toMatch(/^BAD_BARS/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10, timeframe: "2m" as "1m" }))).toMatch(/^BAD_TIMEFRAME: timeframe "2m" is not one of 1m, 5m/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10, timeframe: "1d", start: Date.UTC(2024, 0, 1, 5) })))
      .toMatch(/^BAD_START: .* e\.g\. 2024-01-01$/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10, symbols: 3, correlation: -0.9 }))).toMatch(/^BAD_CORRELATION: .*not positive definite.*above -0\.500/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10, symbols: 2, correlation: [[1, 0.5], [0.4, 1]] }))).toMatch(/symmetric/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10, symbols: ["SYN-X", "SYN-X"] }))).toMatch(/^BAD_SYMBOLS/);
    expect(code(() => syntheticMarket({ seed: 1, bars: 10_000_000, symbols: 4 }))).toMatch(/^TOO_MANY_BARS/);
  });

  it("describes itself as synthetic, naming the seed, symbols, timeframe and rows", () => {
    const d = describeSynthetic({ seed: 42, symbols: 2, timeframe: "1d", bars: 366, start: Date.UTC(2024, 0, 1) });
    expect(d).toMatchObject({ synthetic: true, seed: 42, symbols: ["SYN-A", "SYN-B"], rows: 732, lastMs: Date.UTC(2024, 11, 31) });
    expect(d.text).toBe(
      "Synthetic market data (not real prices), seed 42: 2 symbols SYN-A, SYN-B, 366 1d bars each (732 rows) " +
      "from 2024-01-01 to 2024-12-31, correlation 0.5, made by quant-workbench syntheticMarket v1.");
  });
});

// ---- stylised facts ----------------------------------------------------------------------------

describe("syntheticMarket has the stylised facts of real markets", () => {
  // Four years of hourly bars, two symbols: 35,040 returns each. Standard errors of the statistics
  // below are about 1/sqrt(n) = 0.005 for an i.i.d. series (more with fat tails), so the thresholds
  // leave ample room while still telling the model apart from a Gaussian random walk.
  const [a, b] = syntheticMarket({ seed: 2024, symbols: 2, timeframe: "1h", bars: 4 * 8_760, correlation: 0.6 });
  const ra = logReturns(a!.close);
  const rb = logReturns(b!.close);
  const stats = {
    excessKurtosis: excessKurtosis(ra),
    acfReturns: autocorrelation(ra, 1),
    acfAbsReturns: autocorrelation(abs(ra), 1),
    correlation: correlation(ra, rb),
  };

  it("has fat tails: excess kurtosis of hourly returns above 1 (a Gaussian walk gives 0)", () => {
    expect(stats.excessKurtosis).toBeGreaterThan(1);
  });

  it("clusters volatility: |returns| autocorrelate at lag 1 (> 0.1) while returns do not (|acf| < 0.05)", () => {
    expect(stats.acfAbsReturns).toBeGreaterThan(0.1);
    expect(Math.abs(stats.acfReturns)).toBeLessThan(0.05);
  });

  it("realises the target correlation 0.6 between two symbols to within 0.05", () => {
    expect(stats.correlation).toBeGreaterThan(0.55);
    expect(stats.correlation).toBeLessThan(0.65);
  });

  it("switches regimes: 30-day realised volatility at its 90th percentile is over twice its 10th", () => {
    const window = 30 * 24;
    const vols: number[] = [];
    for (let i = 0; i + window <= ra.length; i += window) {
      let q = 0;
      for (let k = i; k < i + window; k++) q += ra[k]! * ra[k]!;
      vols.push(Math.sqrt(q / window));
    }
    vols.sort((x, y) => x - y);
    const ratio = vols[Math.floor(0.9 * vols.length)]! / vols[Math.floor(0.1 * vols.length)]!;
    expect(ratio).toBeGreaterThan(2);
  });

  it("trades more on bars that move: volume correlates with |return| (> 0.3)", () => {
    expect(correlation(a!.volume.subarray(1), abs(ra))).toBeGreaterThan(0.3);
  });

  // SYN-A is set to 45% a year (crypto-like). Over these samples the realised figure depends on
  // which regimes occur; 20%-100% is what a real asset of that kind shows from year to year.
  const samples: Record<SyntheticTimeframe, number> = {
    "1m": 100_000, "5m": 50_000, "15m": 35_040, "1h": 17_520, "4h": 4_380, "1d": 3_650,
  };
  it.each(SYNTHETIC_TIMEFRAMES)("gives %s bars an annualised volatility between 20% and 100%", (timeframe) => {
    const [s] = syntheticMarket({ seed: 11, symbols: 1, timeframe, bars: samples[timeframe] });
    const r = logReturns(s!.close);
    const annual = Math.sqrt(mean(r.map((x) => x * x)) * BARS_PER_YEAR[timeframe]);
    expect(annual).toBeGreaterThan(0.2);
    expect(annual).toBeLessThan(1);
  });

  it("scales with the bar length: daily bars are not minute bars stamped daily", () => {
    const [m] = syntheticMarket({ seed: 11, symbols: 1, timeframe: "1m", bars: 50_000 });
    const [d] = syntheticMarket({ seed: 11, symbols: 1, timeframe: "1d", bars: 3_650 });
    const sd = (s: BarSeries) => Math.sqrt(mean(logReturns(s.close).map((x) => x * x)));
    // sqrt(1440) = 38 times the per-bar volatility, give or take the regimes of each sample
    expect(sd(d!) / sd(m!)).toBeGreaterThan(20);
    expect(sd(d!) / sd(m!)).toBeLessThan(80);
  });

  it("generates 1,000,000 one-minute bars in well under a second", () => {
    syntheticMarket({ seed: 1, symbols: 1, timeframe: "1m", bars: 100_000 }); // warm-up
    const t0 = performance.now();
    syntheticMarket({ seed: 1, symbols: 1, timeframe: "1m", bars: 1_000_000 });
    expect(performance.now() - t0).toBeLessThan(900);
  });
});
