/**
 * Seeded synthetic markets with the stylised facts of real ones, for samples, demos and tests.
 *
 * Model (per bar of length dt, all symbols in one market):
 * - a hidden Markov regime shared by the market: CALM, BULL, BEAR, TURBULENT, each with a volatility
 *   multiplier, a drift and a mean duration in days (so the switching speed is the same in
 *   calendar time at every timeframe);
 * - GARCH(1,1) variance shared by the market, with its persistence and reaction scaled to dt
 *   (alpha ~ sqrt(dt), 1 - persistence ~ dt, the diffusion limit), so a 1d series is not a 1m
 *   series stamped daily;
 * - multivariate Student-t innovations, nu = 5 (fat tails; big moves hit all symbols together),
 *   correlated through the Cholesky factor of the target correlation matrix;
 * - a UTC hour-of-day volatility and volume profile (crypto-like: quiet in the Asian night, busy at
 *   the US open) on intraday bars;
 * - simple returns compounding a latent price; open = previous close (24/7 trading); high and low
 *   drawn as the extremes of a Brownian bridge from open to close; prices on a tick grid of
 *   `decimals` places; volume grows with the bar's volatility and its |return|.
 *
 * Determinism: only integer ops, IEEE `+ - * /`, Math.sqrt (correctly rounded) and Math.round are
 * used, plus the fdlibm `log` of ./random.js; so the same options give bit-identical arrays in Node
 * and in any browser. Changing the model changes SYNTHETIC_GENERATOR's version.
 */
import { barSeries, type BarSeries } from "../bars.js";
import { InputError } from "../errors.js";
import { DAY_MS, HOUR_MS, formatTime, timeframeMs } from "../time.js";
import { log, Random } from "./random.js";

/** Name and version of the model; bump the version whenever the same options would give other numbers. */
export const SYNTHETIC_GENERATOR = "quant-workbench syntheticMarket v1";

export const SYNTHETIC_TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"] as const;
export type SyntheticTimeframe = (typeof SYNTHETIC_TIMEFRAMES)[number];

export interface SyntheticOptions {
  /** Seed of the random stream: a safe integer >= 0. Same options, same bits. */
  seed: number;
  /** Number of symbols (named SYN-A, SYN-B, ...) or their names. Default 4. */
  symbols?: number | readonly string[];
  /** Bar length. Default "1h". */
  timeframe?: SyntheticTimeframe;
  /** Open time of the first bar, UTC ms, a multiple of the bar length. Default 2024-01-01. */
  start?: number;
  /** Bars per symbol. */
  bars: number;
  /** Target correlation of the symbols' returns: one value for every pair, or a full matrix. Default 0.5. */
  correlation?: number | readonly (readonly number[])[];
  /** Hour-of-day volatility and volume profile on intraday bars. Default true. */
  seasonality?: boolean;
  /** Decimal places of the price grid (tick = 10^-decimals). Default 2. */
  decimals?: number;
}

/** Defaults of the optional options. */
export const SYNTHETIC_DEFAULTS = Object.freeze({
  symbols: 4,
  timeframe: "1h" as SyntheticTimeframe,
  start: 1_704_067_200_000, // 2024-01-01T00:00:00Z
  correlation: 0.5,
  seasonality: true,
  decimals: 2,
});

/** Market regimes, with what each one means. */
export const REGIMES = Object.freeze({
  CALM: "low volatility, little drift",
  BULL: "trending up, normal volatility",
  BEAR: "trending down, raised volatility",
  TURBULENT: "high volatility, no clear direction",
});
export type Regime = keyof typeof REGIMES;

const REGIME_NAMES: readonly Regime[] = ["CALM", "BULL", "BEAR", "TURBULENT"];
// Per regime: volatility multiplier (before normalising), annual drift for a symbol with 50%
// volatility (before centring on LONG_RUN_GROWTH), mean duration in days, and where the market goes
// when it leaves.
const REGIME_VOLATILITY = [0.7, 0.9, 1.3, 2.1];
const REGIME_DRIFT = [0.05, 0.8, -0.8, -0.1];
const REGIME_DAYS = [60, 35, 20, 10];
const REGIME_NEXT = [
  [0, 0.45, 0.3, 0.25],
  [0.6, 0, 0.15, 0.25],
  [0.5, 0.2, 0, 0.3],
  [0.55, 0.2, 0.25, 0],
];

// Median growth per year over the long run, whatever the regimes.
const LONG_RUN_GROWTH = 0.04;

// GARCH(1,1) per day; scaled to the bar below.
const GARCH_ALPHA_DAY = 0.09;
const GARCH_PERSISTENCE_DAY = 0.985;
// Variance state kept within these multiples of its long-run level: t(5) shocks have a heavy fourth
// moment, and one 12-sigma bar must not leave a 1m market at 50x its volatility for weeks.
const GARCH_MIN = 0.05;
const GARCH_MAX = 16;
// Innovations beyond 12 standard deviations are cut there, and one bar moves the price by at most
// -50% / +100%, so that a price can never reach zero or below.
const INNOVATION_MAX = 12;
// E|e| for a t(5) variable scaled to unit variance: E|t5| = 4 sqrt(5) / (3 pi) = 0.9490, sd(t5) = sqrt(5/3).
const MEAN_ABS_INNOVATION = 0.7351;

// UTC hour-of-day volatility profile (relative; normalised to mean square 1 below).
const HOUR_PROFILE = [
  0.9, 0.85, 0.8, 0.75, 0.7, 0.7, 0.75, 0.85, 0.95, 1.0, 1.0, 1.0,
  1.05, 1.2, 1.35, 1.4, 1.3, 1.15, 1.05, 1.0, 0.95, 0.95, 0.95, 0.9,
];

// Per symbol (cycled): annual volatility, first price, volume per day.
const SYMBOL_VOLATILITY = [0.45, 0.6, 0.35, 0.8, 0.5, 0.7];
const SYMBOL_PRICE = [100, 250, 40, 1200, 15, 500];
const SYMBOL_VOLUME_DAY = [2e6, 8e5, 5e6, 1.5e5, 1.2e7, 4e5];

const YEAR_DAYS = 365;
const MAX_VALUES = 20_000_000;

/** Options with every default filled in and checked. */
export interface ResolvedSyntheticOptions {
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly timeframe: SyntheticTimeframe;
  readonly start: number;
  readonly bars: number;
  readonly correlation: readonly (readonly number[])[];
  readonly seasonality: boolean;
  readonly decimals: number;
}

/** What a synthetic data set is, for labels, file metadata and pages. */
export interface SyntheticDescription {
  readonly synthetic: true;
  readonly generator: string;
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly timeframe: SyntheticTimeframe;
  /** Open time of the first and of the last bar, UTC ms. */
  readonly firstMs: number;
  readonly lastMs: number;
  readonly bars: number;
  /** Rows of a long table holding every symbol: bars x symbols. */
  readonly rows: number;
  readonly correlation: readonly (readonly number[])[];
  /** One sentence saying all of the above. */
  readonly text: string;
}

/**
 * `count` synthetic symbol names: SYN-A ... SYN-Z, then SYN-AA, SYN-AB, ...
 *
 * @example
 * syntheticSymbols(3); // ["SYN-A", "SYN-B", "SYN-C"]
 */
export function syntheticSymbols(count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    let n = i;
    let s = "";
    do {
      s = String.fromCharCode(65 + (n % 26)) + s;
      n = Math.floor(n / 26) - 1;
    } while (n >= 0);
    names.push(`SYN-${s}`);
  }
  return names;
}

/**
 * Checks the options and fills in the defaults; throws InputError (BAD_SEED, BAD_BARS,
 * BAD_TIMEFRAME, BAD_START, BAD_SYMBOLS, BAD_CORRELATION, BAD_DECIMALS, TOO_MANY_BARS).
 */
export function resolveSyntheticOptions(options: SyntheticOptions): ResolvedSyntheticOptions {
  const { seed, bars } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    bad("BAD_SEED", "seed", seed, `seed is ${seed}; pass a whole number >= 0, e.g. 42`);
  }
  if (!Number.isSafeInteger(bars) || bars < 1) {
    bad("BAD_BARS", "bars", bars, `bars is ${bars}; pass the number of bars per symbol, a whole number >= 1`);
  }
  const timeframe = options.timeframe ?? SYNTHETIC_DEFAULTS.timeframe;
  if (!SYNTHETIC_TIMEFRAMES.includes(timeframe)) {
    bad("BAD_TIMEFRAME", "timeframe", String(timeframe), `timeframe "${timeframe}" is not one of ${SYNTHETIC_TIMEFRAMES.join(", ")}`);
  }
  const tf = timeframeMs(timeframe)!;
  const start = options.start ?? SYNTHETIC_DEFAULTS.start;
  if (!Number.isSafeInteger(start) || start % tf !== 0) {
    bad("BAD_START", "start", start,
      `start ${formatTime(start)} is not a multiple of ${timeframe}; use a UTC ms time on a bar boundary, e.g. ${formatTime(start - (((start % tf) + tf) % tf))}`);
  }
  const given = options.symbols ?? SYNTHETIC_DEFAULTS.symbols;
  let symbols: string[];
  if (typeof given === "number") {
    if (!Number.isSafeInteger(given) || given < 1 || given > 702) {
      bad("BAD_SYMBOLS", "symbols", given, `symbols is ${given}; pass a count from 1 to 702 or a list of names`);
    }
    symbols = syntheticSymbols(given);
  } else {
    symbols = [...given];
    if (symbols.length === 0 || symbols.some((s) => typeof s !== "string" || s.trim() === "") || new Set(symbols).size !== symbols.length) {
      bad("BAD_SYMBOLS", "symbols", symbols.join(","), "symbols must be a non-empty list of distinct, non-blank names");
    }
  }
  if (bars * symbols.length > MAX_VALUES) {
    bad("TOO_MANY_BARS", "bars", bars,
      `${bars} bars x ${symbols.length} symbols is more than ${MAX_VALUES} bars in memory; generate fewer bars or symbols per call`);
  }
  const decimals = options.decimals ?? SYNTHETIC_DEFAULTS.decimals;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 8) {
    bad("BAD_DECIMALS", "decimals", decimals, `decimals is ${decimals}; pass a whole number from 0 to 8`);
  }
  return {
    seed, bars, timeframe, start, symbols, decimals,
    correlation: correlationMatrix(options.correlation ?? SYNTHETIC_DEFAULTS.correlation, symbols.length),
    seasonality: options.seasonality ?? SYNTHETIC_DEFAULTS.seasonality,
  };
}

function bad(code: string, option: string, value: string | number, message: string): never {
  throw new InputError(code, { option, value }, message);
}

function correlationMatrix(given: number | readonly (readonly number[])[], n: number): number[][] {
  if (typeof given === "number") {
    if (!(given > -1 && given < 1)) bad("BAD_CORRELATION", "correlation", given, `correlation is ${given}; pass a value above -1 and below 1`);
    return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : given)));
  }
  if (given.length !== n || given.some((row) => row.length !== n)) {
    bad("BAD_CORRELATION", "correlation", `${given.length} rows`, `the correlation matrix must be ${n} x ${n}, one row and column per symbol`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = given[i]![j]!;
      const ok = i === j ? v === 1 : v > -1 && v < 1 && v === given[j]![i];
      if (!ok) {
        bad("BAD_CORRELATION", "correlation", `[${i}][${j}] = ${v}`,
          `correlation[${i}][${j}] is ${v}; the matrix needs 1 on the diagonal, values in (-1, 1) elsewhere, and must be symmetric`);
      }
    }
  }
  return given.map((row) => [...row]);
}

/** Lower-triangular L with L L' = c; throws when c is not positive definite. */
function cholesky(c: readonly (readonly number[])[]): number[][] {
  const n = c.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 1e-12)) {
          bad("BAD_CORRELATION", "correlation", `pivot ${i}`,
            "the correlation matrix is not positive definite (no market can have it); " +
            `with one value for all ${n} pairs it must be above ${(-1 / (n - 1)).toFixed(3)}`);
        }
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}

/** Stationary share of time in each regime: jump-chain stationary law x mean duration. */
function regimeShares(): number[] {
  let p = [0.25, 0.25, 0.25, 0.25];
  for (let it = 0; it < 500; it++) {
    const q = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) q[j]! += p[i]! * REGIME_NEXT[i]![j]!;
    p = q;
  }
  const w = p.map((x, i) => x * REGIME_DAYS[i]!);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

const REGIME_SHARES = regimeShares();
const MEAN_REGIME_DRIFT = REGIME_SHARES.reduce((acc, s, i) => acc + s * REGIME_DRIFT[i]!, 0);
// Regime volatilities scaled so that the long-run average variance is that of the symbol.
const REGIME_SCALE = (() => {
  const meanSquare = REGIME_SHARES.reduce((acc, s, i) => acc + s * REGIME_VOLATILITY[i]! ** 2, 0);
  return REGIME_VOLATILITY.map((v) => v / Math.sqrt(meanSquare));
})();

/** Index drawn from probabilities `p` with the uniform `u`. */
function pick(p: readonly number[], u: number): number {
  let k = 0;
  for (let acc = p[0]!; acc <= u && k < p.length - 1; acc += p[k]!) k++;
  return k;
}

/** Volatility multiplier of each bar slot of a day (length: bars per day, or 1 for 1d). */
function seasonProfile(tf: number, on: boolean): Float64Array {
  const slots = Math.max(1, DAY_MS / tf);
  const out = new Float64Array(slots).fill(1);
  if (!on || tf >= DAY_MS) return out;
  const meanSquare = HOUR_PROFILE.reduce((a, v) => a + v * v, 0) / 24;
  for (let k = 0; k < slots; k++) {
    const first = Math.floor((k * tf) / HOUR_MS);
    const hours = Math.max(1, tf / HOUR_MS);
    let sum = 0;
    for (let h = first; h < first + hours; h++) sum += HOUR_PROFILE[h % 24]! ** 2;
    out[k] = Math.sqrt(sum / hours / meanSquare);
  }
  return out;
}

/**
 * A seeded synthetic market: one BarSeries per symbol, on the same time grid, with volatility
 * clustering, regime switches, fat tails, the target cross-correlation, an intraday profile, prices
 * on a tick grid and volume linked to volatility. Same options, bit-identical output (Node and
 * browsers). About 10-20 million bars per second.
 *
 * @example
 * const [a, b] = syntheticMarket({ seed: 42, symbols: 2, timeframe: "1h", bars: 24 * 365, correlation: 0.6 });
 * a.symbol; // "SYN-A"
 */
export function syntheticMarket(options: SyntheticOptions): BarSeries[] {
  const o = resolveSyntheticOptions(options);
  const n = o.symbols.length;
  const tf = timeframeMs(o.timeframe)!;
  const dtDays = tf / DAY_MS;
  const rng = new Random(o.seed);
  const chol = cholesky(o.correlation).map((row) => Float64Array.from(row));

  // GARCH(1,1) on a unit long-run variance, scaled to the bar (Nelson's diffusion limit).
  const persistence = 1 - (1 - GARCH_PERSISTENCE_DAY) * dtDays;
  const alpha = GARCH_ALPHA_DAY * Math.sqrt(dtDays);
  const beta = persistence - alpha;
  const omega = 1 - persistence;

  const season = seasonProfile(tf, o.seasonality);
  const slots = season.length;
  let slot = Math.floor((((o.start % DAY_MS) + DAY_MS) % DAY_MS) / tf) % slots;
  const exitChance = REGIME_DAYS.map((d) => dtDays / d);
  const scale = 10 ** o.decimals;

  const volBar = new Float64Array(n);
  const driftBar = new Float64Array(4 * n);
  const volumeBar = new Float64Array(n);
  const latent = new Float64Array(n);
  const prevClose = new Float64Array(n); // in ticks
  const columns = o.symbols.map(() => ({
    open: new Float64Array(o.bars), high: new Float64Array(o.bars), low: new Float64Array(o.bars),
    close: new Float64Array(o.bars), volume: new Float64Array(o.bars),
  }));
  for (let i = 0; i < n; i++) {
    const sigma = SYMBOL_VOLATILITY[i % SYMBOL_VOLATILITY.length]!;
    volBar[i] = sigma * Math.sqrt(dtDays / YEAR_DAYS);
    // + sigma^2 / 2: simple returns compound to a median growth of (drift), not (drift - sigma^2 / 2)
    for (let r = 0; r < 4; r++) {
      const annual = ((REGIME_DRIFT[r]! - MEAN_REGIME_DRIFT) * sigma) / 0.5 + LONG_RUN_GROWTH + (sigma * sigma) / 2;
      driftBar[r * n + i] = annual * (dtDays / YEAR_DAYS);
    }
    volumeBar[i] = SYMBOL_VOLUME_DAY[i % SYMBOL_VOLUME_DAY.length]! * dtDays;
    latent[i] = SYMBOL_PRICE[i % SYMBOL_PRICE.length]! * (1 + 0.2 * (rng.uniform() - 0.5));
    prevClose[i] = Math.max(1, Math.round(latent[i]! * scale));
  }

  const z = new Float64Array(n);
  // the first regime is drawn from the long-run shares, so short samples are not always calm
  let regime = pick(REGIME_SHARES, rng.uniform());
  let h = 1;
  for (let t = 0; t < o.bars; t++) {
    if (rng.uniform() < exitChance[regime]!) {
      regime = pick(REGIME_NEXT[regime]!, rng.uniform());
    }
    const common = REGIME_SCALE[regime]! * Math.sqrt(h) * season[slot]!;
    // multivariate t(5) with unit variance: correlated normals times one shared sqrt(3 / chi2(5))
    const mix = Math.sqrt(3 / rng.chiSquared5());
    for (let j = 0; j < n; j++) z[j] = rng.normal();
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const li = chol[i]!;
      let e = 0;
      for (let j = 0; j <= i; j++) e += li[j]! * z[j]!;
      e *= mix;
      if (e > INNOVATION_MAX) e = INNOVATION_MAX;
      else if (e < -INNOVATION_MAX) e = -INNOVATION_MAX;
      sumSquares += e * e;

      const sigma = volBar[i]! * common;
      let r = driftBar[regime * n + i]! + sigma * e;
      if (r < -0.5) r = -0.5;
      else if (r > 1) r = 1;
      latent[i]! *= 1 + r;
      const openTicks = prevClose[i]!;
      const closeTicks = Math.max(1, Math.round(latent[i]! * scale));
      // High and low: extremes of a Brownian bridge from open to close with the bar's volatility.
      // P(max > m) = exp(-2 (m - a)(m - b) / s^2)  =>  m = (a + b + sqrt((b - a)^2 + 2 s^2 E)) / 2, E ~ Exp(1)
      const s = sigma * openTicks;
      const d = closeTicks - openTicks;
      const highTicks = Math.round((openTicks + closeTicks + Math.sqrt(d * d + 2 * s * s * rng.exponential())) / 2);
      const lowTicks = Math.max(1, Math.round((openTicks + closeTicks - Math.sqrt(d * d + 2 * s * s * rng.exponential())) / 2));
      // Volume: busier when the market is volatile and on bars that move, with uniform noise (mean 1).
      const activity = common * (0.4 + 0.6 * (e < 0 ? -e : e) / MEAN_ABS_INNOVATION);
      const volume = Math.max(1, Math.round(volumeBar[i]! * activity * (0.4 + 1.2 * rng.uniform())));

      const col = columns[i]!;
      col.open[t] = openTicks / scale;
      col.close[t] = closeTicks / scale;
      col.high[t] = highTicks / scale;
      col.low[t] = lowTicks / scale;
      col.volume[t] = volume;
      prevClose[i] = closeTicks;
    }
    h = omega + beta * h + alpha * h * (sumSquares / n);
    if (h < GARCH_MIN) h = GARCH_MIN;
    else if (h > GARCH_MAX) h = GARCH_MAX;
    if (++slot === slots) slot = 0;
  }

  const time = new Float64Array(o.bars);
  for (let t = 0; t < o.bars; t++) time[t] = o.start + t * tf;
  return o.symbols.map((symbol, i) => barSeries({ symbol, timeframe: o.timeframe, time, ...columns[i]! }));
}

/**
 * What `syntheticMarket(options)` produces, without generating it: symbols, times, rows and a
 * sentence that says it is synthetic and from which seed.
 *
 * @example
 * describeSynthetic({ seed: 42, bars: 100 }).text;
 * // "Synthetic market data (not real prices), seed 42: 4 symbols SYN-A, SYN-B, SYN-C, SYN-D, ..."
 */
export function describeSynthetic(options: SyntheticOptions): SyntheticDescription {
  const o = resolveSyntheticOptions(options);
  const tf = timeframeMs(o.timeframe)!;
  const lastMs = o.start + (o.bars - 1) * tf;
  const n = o.symbols.length;
  const rho = typeof options.correlation === "number" || options.correlation === undefined
    ? `correlation ${o.correlation[0]![1] ?? 1}`
    : "a given correlation matrix";
  const text =
    `Synthetic market data (not real prices), seed ${o.seed}: ${n} symbol${n === 1 ? "" : "s"} ${o.symbols.join(", ")}, ` +
    `${o.bars} ${o.timeframe} bars each (${o.bars * n} rows) from ${formatTime(o.start)} to ${formatTime(lastMs)}, ` +
    `${n > 1 ? `${rho}, ` : ""}made by ${SYNTHETIC_GENERATOR}.`;
  return {
    synthetic: true, generator: SYNTHETIC_GENERATOR, seed: o.seed, symbols: o.symbols, timeframe: o.timeframe,
    firstMs: o.start, lastMs, bars: o.bars, rows: o.bars * n, correlation: o.correlation, text,
  };
}
