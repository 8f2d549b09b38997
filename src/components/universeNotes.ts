/**
 * The sentences of the "Returns and volatility" note, computed from its numbers: which symbol is
 * the most volatile, how fat the tails are, how much volatility moves, how the symbols co-move.
 * Pure functions of plain rows, so the prose always matches the tables and charts beside it.
 */
import { day, num, pct, signedPct, stamp } from "./researchFormat.js";

/** A row of universeStats.summarize(). */
export interface SummaryRow {
  readonly symbol: string;
  readonly bars: number;
  readonly t0: number;
  readonly t1: number;
  readonly ppy: number;
  readonly annMean: number;
  readonly annVol: number;
  readonly ratio: number;
  readonly skew: number;
  readonly kurtosis: number;
  readonly maxDrawdown: number;
  readonly totalReturn: number;
  readonly best: number;
  readonly bestAt: number;
  readonly worst: number;
  readonly worstAt: number;
}

const byMax = <T>(rows: readonly T[], key: (r: T) => number): T | undefined =>
  rows.filter((r) => Number.isFinite(key(r))).reduce<T | undefined>((a, b) => (a === undefined || key(b) > key(a) ? b : a), undefined);
const byMin = <T>(rows: readonly T[], key: (r: T) => number): T | undefined => byMax(rows, (r) => -key(r));

/** The opening paragraph: what is loaded and the headline differences between the symbols. */
export function summaryNote(rows: readonly SummaryRow[], timeframe: string): string {
  if (rows.length === 0) return "No bars to summarise.";
  const bars = rows.map((r) => r.bars);
  const span = `${day(Math.min(...rows.map((r) => r.t0)))} to ${day(Math.max(...rows.map((r) => r.t1)))}`;
  const head = `${rows.length} symbol${rows.length === 1 ? "" : "s"}, ${Math.min(...bars).toLocaleString("en-US")}${Math.max(...bars) !== Math.min(...bars) ? `–${Math.max(...bars).toLocaleString("en-US")}` : ""} ${timeframe || "irregular"} bars each, from ${span}; annualised with ${Math.round(rows[0]!.ppy).toLocaleString("en-US")} bars a year.`;
  if (rows.length === 1) {
    const r = rows[0]!;
    return `${head} ${r.symbol} moved ${pct(r.annVol)} a year (annualised volatility) for a mean log return of ${signedPct(r.annMean)} a year, and fell at worst ${pct(r.maxDrawdown)} from a peak.`;
  }
  const hi = byMax(rows, (r) => r.annVol)!, lo = byMin(rows, (r) => r.annVol)!;
  const best = byMax(rows, (r) => r.ratio)!;
  const deep = byMax(rows, (r) => r.maxDrawdown)!;
  return `${head} The most volatile is ${hi.symbol} at ${pct(hi.annVol)} a year, ${num(hi.annVol / lo.annVol, 1)}× the calmest, ${lo.symbol} (${pct(lo.annVol)}). ` +
    `Per unit of volatility ${best.symbol} paid best (mean/volatility ${num(best.ratio)}); the deepest fall from a peak was ${deep.symbol}'s ${pct(deep.maxDrawdown)}.`;
}

/** What the histograms show: skew and fat tails, with the largest single moves. */
export function distributionNote(rows: readonly SummaryRow[]): string {
  if (rows.length === 0) return "";
  const fat = byMax(rows, (r) => r.kurtosis)!, thin = byMin(rows, (r) => r.kurtosis)!;
  const crash = byMin(rows, (r) => r.worst)!;
  const tails = thin.kurtosis > 1
    ? `Every symbol is fat-tailed: excess kurtosis runs from ${num(thin.kurtosis, 1)} (${thin.symbol}) to ${num(fat.kurtosis, 1)} (${fat.symbol}), where a normal distribution has 0.`
    : `Excess kurtosis runs from ${num(thin.kurtosis, 1)} (${thin.symbol}) to ${num(fat.kurtosis, 1)} (${fat.symbol}); a normal distribution has 0.`;
  const skewed = byMax(rows, (r) => Math.abs(r.skew))!;
  const skew = Math.abs(skewed.skew) > 1
    ? `Skew is marked (${skewed.symbol}: ${num(skewed.skew)}): its ${skewed.skew > 0 ? "right" : "left"} tail is the longer.`
    : `Skew is mild at most (${skewed.symbol}: ${num(skewed.skew)}), so the tails are heavy on both sides rather than one.`;
  return `${tails} The largest single drop was ${crash.symbol}'s ${signedPct(crash.worst, 2)} on ${stamp(crash.worstAt)}. ${skew}`;
}

/** One symbol's rolling volatility range. */
export interface VolRange {
  readonly symbol: string;
  readonly min: number;
  readonly max: number;
  readonly minAt: number;
  readonly maxAt: number;
}

/** What the rolling volatility shows: how far volatility moved over time; `window` as windowLabel() gives it. */
export function volatilityNote(ranges: readonly VolRange[], window: string): string {
  const wide = byMax(ranges, (r) => r.max / r.min);
  if (!wide) return `The ${window} window is longer than the data: load more bars or shorten it.`;
  return `Volatility is far from constant: ${wide.symbol}'s ${window} volatility ranged from ${pct(wide.min)} (${day(wide.minAt)}) to ${pct(wide.max)} a year (${day(wide.maxAt)}), ${num(wide.max / wide.min, 1)}× apart. ` +
    `Calm and turbulent stretches cluster, and they come at the same time for every symbol when the lines rise and fall together: a position sized on one year's volatility is mis-sized in the next.`;
}

/** A pair of the correlation matrix (x ≠ y). */
export interface PairRow {
  readonly x: string;
  readonly y: string;
  readonly rho: number;
  readonly n: number;
}

/** What the matrix shows: the average co-movement and the extreme pairs. */
export function correlationNote(pairs: readonly PairRow[]): string {
  const off = pairs.filter((p) => p.x < p.y && Number.isFinite(p.rho));
  if (off.length === 0) return "One symbol: nothing to correlate.";
  const mean = off.reduce((a, p) => a + p.rho, 0) / off.length;
  const hi = byMax(off, (p) => p.rho)!, lo = byMin(off, (p) => p.rho)!;
  const fewest = byMin(off, (p) => p.n)!;
  const diversify = mean > 0.6 ? "little diversification: the symbols largely move as one" : mean > 0.3 ? "some diversification, but a shared market factor drives much of every symbol" : "real diversification: the symbols mostly move on their own";
  return `The average correlation of two symbols is ${num(mean)}: ${diversify}. The closest pair is ${hi.x}/${hi.y} (${num(hi.rho)}), the most independent ${lo.x}/${lo.y} (${num(lo.rho)}). ` +
    (off.every((p) => p.n === fewest.n)
      ? `Every pair shares all its ${fewest.n.toLocaleString("en-US")} returns.`
      : `Each coefficient uses only the bars both symbols have (the fewest: ${fewest.n.toLocaleString("en-US")} for ${fewest.x}/${fewest.y}).`);
}

/** What the cumulative returns show. */
export function cumulativeNote(rows: readonly SummaryRow[]): string {
  if (rows.length === 0) return "";
  const top = byMax(rows, (r) => r.totalReturn)!, bottom = byMin(rows, (r) => r.totalReturn)!;
  if (rows.length === 1) return `${top.symbol} returned ${signedPct(top.totalReturn)} over the period.`;
  return `Over the whole period ${top.symbol} returned ${signedPct(top.totalReturn)} and ${bottom.symbol} ${signedPct(bottom.totalReturn)}. ` +
    `Compare the paths with the volatility chart above: the most volatile symbols have the widest swings on the way, whatever they end at.`;
}
