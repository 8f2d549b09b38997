import type { Trade } from "../records.js";
import { seededRandom } from "../sweep.js";
import { percentiles, type Percentiles } from "./percentile.js";

export interface MonteCarloOptions {
  /** Paths drawn per method. Default 1000. */
  readonly runs?: number;
  /** Seed of the generator (mulberry32): the same seed gives the same paths everywhere. Default 42. */
  readonly seed?: number;
}

/** The paths of one way of redrawing the trades. */
export interface MonteCarloDistribution {
  /** Final equity and trade-to-trade max drawdown (a positive fraction) of each path, ascending. */
  readonly finalEquity: readonly number[];
  readonly maxDrawdown: readonly number[];
  readonly finalEquityPercentiles: Percentiles;
  readonly maxDrawdownPercentiles: Percentiles;
  /** Fraction of paths ending below the initial cash. */
  readonly lossProbability: number;
  /** Fraction of paths whose max drawdown is at least the run's own. */
  readonly drawdownAtLeastActual: number;
}

export interface TradeOrderMonteCarlo {
  readonly runs: number;
  readonly seed: number;
  readonly trades: number;
  /**
   * Each trade's return on the account: netPnl / the equity marked just before it was entered
   * (the last sample before its entry time; the initial cash before the first sample), in run order.
   */
  readonly returns: readonly number[];
  /** The path of the trades in the order they happened: initial cash × Π(1 + r), and its max drawdown. */
  readonly actual: { readonly finalEquity: number; readonly maxDrawdown: number };
  /**
   * The same trades in random orders (Fisher–Yates). The product of the returns does not depend on
   * their order, so every path ends at the same equity: what reordering changes is the way there,
   * the drawdown.
   */
  readonly shuffled: MonteCarloDistribution;
  /** The trades drawn with replacement, as many as there were: the spread of where the run could have ended. */
  readonly resampled: MonteCarloDistribution;
}

/**
 * The account return of each trade: netPnl over the equity of the last sample before its entry.
 *
 * @example
 * tradeReturns(result.trades, result.time, result.equity, result.initialCash);
 */
export function tradeReturns(trades: readonly Trade[], timeMs: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number): number[] {
  return trades.map((t) => {
    // last sample strictly before the entry: the equity known when the trade was decided
    let lo = 0, hi = timeMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timeMs[mid]! < t.entryTimeMs) lo = mid + 1;
      else hi = mid;
    }
    return t.netPnl / (lo === 0 ? initialCash : equity[lo - 1]!);
  });
}

/** Final equity and max drawdown (from the initial cash as the first peak) of compounding `returns` in the order of `order`. */
export function pathOutcome(returns: ArrayLike<number>, order: ArrayLike<number>, initialCash: number): { finalEquity: number; maxDrawdown: number } {
  let equity = initialCash, peak = initialCash, worst = 0;
  for (let k = 0; k < order.length; k++) {
    equity *= 1 + returns[order[k]!]!;
    if (equity > peak) peak = equity;
    else if (peak > 0) worst = Math.max(worst, 1 - equity / peak);
  }
  return { finalEquity: equity, maxDrawdown: worst };
}

function distribution(outcomes: { finalEquity: number; maxDrawdown: number }[], initialCash: number, actualDrawdown: number): MonteCarloDistribution {
  const finalEquity = outcomes.map((o) => o.finalEquity).sort((a, b) => a - b);
  const maxDrawdown = outcomes.map((o) => o.maxDrawdown).sort((a, b) => a - b);
  const n = outcomes.length;
  return {
    finalEquity, maxDrawdown,
    finalEquityPercentiles: percentiles(finalEquity), maxDrawdownPercentiles: percentiles(maxDrawdown),
    lossProbability: n ? finalEquity.filter((x) => x < initialCash).length / n : NaN,
    // 1e-12: a reordering that is really the same path must count, float noise or not
    drawdownAtLeastActual: n ? maxDrawdown.filter((x) => x >= actualDrawdown - 1e-12).length / n : NaN,
  };
}

/**
 * A Monte Carlo of trade order: the run's trades, as account returns (tradeReturns), compounded
 * from the initial cash in `runs` random orders and in `runs` draws with replacement. Seeded, so
 * a report rebuilt from the same run shows the same numbers. With no trades every path is flat.
 *
 * @example
 * const mc = tradeOrderMonteCarlo(result.trades, result.time, result.equity, result.initialCash);
 * mc.shuffled.maxDrawdownPercentiles.p95; // the drawdown 1 ordering in 20 is worse than
 */
export function tradeOrderMonteCarlo(trades: readonly Trade[], timeMs: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number, options: MonteCarloOptions = {}): TradeOrderMonteCarlo {
  const runs = options.runs ?? 1000;
  const seed = options.seed ?? 42;
  const returns = tradeReturns(trades, timeMs, equity, initialCash);
  const n = returns.length;
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const actual = pathOutcome(returns, identity, initialCash);
  const random = seededRandom(seed);
  const order = new Int32Array(n);
  const shuffled: { finalEquity: number; maxDrawdown: number }[] = [];
  for (let r = 0; r < runs; r++) {
    order.set(identity);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    shuffled.push(pathOutcome(returns, order, initialCash));
  }
  const resampled: { finalEquity: number; maxDrawdown: number }[] = [];
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < n; i++) order[i] = Math.floor(random() * n);
    resampled.push(pathOutcome(returns, order, initialCash));
  }
  return {
    runs, seed, trades: n, returns, actual,
    shuffled: distribution(shuffled, initialCash, actual.maxDrawdown),
    resampled: distribution(resampled, initialCash, actual.maxDrawdown),
  };
}
