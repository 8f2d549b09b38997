/**
 * The numbers of the "Returns and volatility" note: log returns per symbol from DuckDB SQL, and
 * per-symbol statistics, rolling volatility and cumulative returns computed with Arquero.
 *
 * Returns are log returns close to close, r_t = ln(close_t / close_{t−1}), each symbol against its
 * own previous bar. Annualising uses the bars per year of each symbol's own timeline, the engine's
 * rule (engine/metrics/inferPeriodsPerYear.ts: (bars − 1) / elapsed years of 365.25 days), so
 * 24/7 hourly bars count 8,766 a year and weekday daily bars about 261.
 */
import aq from "arquero/dist/arquero.min.js";
import type { ColumnTable } from "arquero";
import { YEAR_MS } from "../engine/metrics/inferPeriodsPerYear.js";
import { sqlIdent } from "./barsSql.js";

/** SQL of every bar's close and its log return (NULL on a symbol's first bar): symbol, time, close, r. */
export function returnsSql(table: string): string {
  return `SELECT symbol, CAST(time AS DOUBLE) AS time, CAST(close AS DOUBLE) AS close,
  ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY time)) AS r
FROM ${sqlIdent(table)} ORDER BY symbol, time`;
}

/**
 * SQL of the Pearson correlation of every pair of symbols' log returns, aligned by time: a pair
 * is compared only at the bar times where both have a return (an inner join on time), and `n`
 * says how many such times there were. Columns x, y, rho, n.
 */
export function correlationSql(table: string): string {
  return `WITH r AS (
  SELECT symbol, time, ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY time)) AS r FROM ${sqlIdent(table)}
)
SELECT a.symbol AS x, b.symbol AS y, corr(a.r, b.r) AS rho, CAST(count(*) AS DOUBLE) AS n
FROM r AS a JOIN r AS b ON a.time = b.time
WHERE a.r IS NOT NULL AND b.r IS NOT NULL
GROUP BY a.symbol, b.symbol
ORDER BY x, y`;
}

/**
 * Per symbol: bars, first and last time, bars per year (ppy), the annualised mean log return
 * (mean × ppy) and volatility (sample std × √ppy), their ratio, skewness (m3 / m2^1.5) and
 * excess kurtosis (m4 / m2² − 3) of the returns (population moments), the total return, the
 * maximum drawdown of the close (1 − close / running peak), and the best and worst single
 * return with their bar times.
 *
 * @example
 * summarize(aq.fromArrow(await engine.query(returnsSql("data")))).objects();
 */
export function summarize(returns: ColumnTable): ColumnTable {
  const valid = returns.filter("d => d.r != null");
  const base = returns.groupby("symbol").rollup({
    bars: "d => op.count()", t0: "d => op.min(d.time)", t1: "d => op.max(d.time)",
    n: "d => op.valid(d.r)", mean: "d => op.mean(d.r)", sd: "d => op.stdev(d.r)", logTotal: "d => op.sum(d.r)",
  });
  const moments = valid.groupby("symbol").derive({ c: "d => d.r - op.mean(d.r)" }).rollup({
    m2: "d => op.mean(d.c * d.c)", m3: "d => op.mean(d.c * d.c * d.c)", m4: "d => op.mean(d.c * d.c * d.c * d.c)",
  });
  const drawdown = returns.groupby("symbol").orderby("time")
    .derive({ peak: aq.rolling("d => op.max(d.close)") })
    .rollup({ maxDrawdown: "d => op.max(1 - d.close / d.peak)" });
  const extreme = (pick: "max" | "min", value: string, at: string) => valid.groupby("symbol")
    .filter(`d => d.r === op.${pick}(d.r)`)
    .rollup({ [value]: "d => op.min(d.r)", [at]: "d => op.min(d.time)" });
  return base
    .join_left(moments, "symbol")
    .join_left(drawdown, "symbol")
    .join_left(extreme("max", "best", "bestAt"), "symbol")
    .join_left(extreme("min", "worst", "worstAt"), "symbol")
    .params({ year: YEAR_MS })
    .derive({ ppy: "(d, $) => d.t1 > d.t0 ? (d.bars - 1) / ((d.t1 - d.t0) / $.year) : NaN" })
    .derive({
      annMean: "d => d.mean * d.ppy",
      annVol: "d => d.sd * op.sqrt(d.ppy)",
      skew: "d => d.m3 / op.pow(d.m2, 1.5)",
      kurtosis: "d => d.m4 / (d.m2 * d.m2) - 3",
      totalReturn: "d => op.exp(d.logTotal) - 1",
    })
    .derive({ ratio: "d => d.annMean / d.annVol" })
    .orderby("symbol");
}

/**
 * Rolling volatility: the sample std of the last `windowBars` returns, annualised with each
 * symbol's bars per year (from `summary`), from the first bar whose window is full. Columns
 * symbol, time, vol.
 */
export function rollingVolatility(returns: ColumnTable, summary: ColumnTable, windowBars: number): ColumnTable {
  const w = Math.max(2, Math.floor(windowBars));
  return returns.groupby("symbol").orderby("time")
    .params({ w })
    .derive({ sd: aq.rolling("d => op.stdev(d.r)", [-(w - 1), 0]), k: "() => op.row_number()" })
    // the first row has no return: the window is full from row w + 1 on
    .filter("(d, $) => d.k > $.w")
    .ungroup().unorder()
    .join_left(summary.select("symbol", "ppy"), "symbol")
    .derive({ vol: "d => d.sd * op.sqrt(d.ppy)" })
    .select("symbol", "time", "vol");
}

/** Cumulative return since each symbol's first bar, exp(Σ r) − 1 = close / first close − 1. Columns symbol, time, cum. */
export function cumulativeReturns(returns: ColumnTable): ColumnTable {
  return returns.derive({ r0: "d => d.r == null ? 0 : d.r" })
    .groupby("symbol").orderby("time")
    .derive({ s: aq.rolling("d => op.sum(d.r0)") })
    .ungroup().unorder()
    .derive({ cum: "d => op.exp(d.s) - 1" })
    .select("symbol", "time", "cum");
}

/** The fewest bars a rolling volatility is taken over: fewer returns give a number too noisy to read. */
export const MIN_WINDOW_BARS = 5;

/** How many bars of `timeframeMs` make `days` days (at least MIN_WINDOW_BARS). */
export function barsForDays(days: number, timeframeMs: number): number {
  return Math.max(MIN_WINDOW_BARS, Math.round((days * 86_400_000) / timeframeMs));
}

/** "30-day", or "5-bar (35-day)" when the bars do not make the days asked for exactly. */
export function windowLabel(days: number, bars: number, timeframeMs: number): string {
  const actual = (bars * timeframeMs) / 86_400_000;
  return Math.abs(actual - days) < 1e-9 ? `${days}-day` : `${bars}-bar (${Number(actual.toFixed(1))}-day)`;
}

/** Per symbol, the lowest and highest rolling volatility and when: symbol, min, minAt, max, maxAt. */
export function volatilityRanges(rolling: ColumnTable): ColumnTable {
  const at = (pick: "min" | "max", value: string, when: string) => rolling.groupby("symbol")
    .filter(`d => d.vol === op.${pick}(d.vol)`)
    .rollup({ [value]: "d => op.min(d.vol)", [when]: "d => op.min(d.time)" });
  return at("min", "min", "minAt").join(at("max", "max", "maxAt"), "symbol").orderby("symbol");
}

/** Each symbol's returns (first bars' nulls left out), in time order, for the histograms. */
export function returnsBySymbol(returns: ColumnTable): { symbol: string; returns: Float64Array }[] {
  const symbols = returns.array("symbol") as ArrayLike<string>;
  const r = returns.array("r") as ArrayLike<number | null>;
  const by = new Map<string, number[]>();
  for (let i = 0; i < symbols.length; i++) {
    const v = r[i];
    if (v === null || v === undefined || Number.isNaN(v)) continue;
    const list = by.get(symbols[i]!) ?? by.set(symbols[i]!, []).get(symbols[i]!)!;
    list.push(v);
  }
  return [...by].map(([symbol, list]) => ({ symbol, returns: Float64Array.from(list) }));
}
