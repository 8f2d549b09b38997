/**
 * The plain-language verdict of a robustness study, computed from its numbers: how much of the
 * parameter grid makes money, how fast costs kill the edge, how steady it is from period to
 * period. Pure functions of the study's state.
 */
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import type { SweepRun } from "./engineClient.js";
import { num as ratio, pct, signedPct as signed } from "./researchFormat.js";
import type { CostRun, PeriodRun, StudyState } from "./robustnessStudy.js";

/** The grid's figures. */
export interface GridFigures {
  readonly runs: number;
  /** Runs that gave a finite Sharpe. */
  readonly valid: number;
  readonly positiveShare: number;
  readonly median: number;
  readonly best?: { readonly params: Readonly<Record<string, unknown>>; readonly sharpe: number };
  readonly worst?: { readonly params: Readonly<Record<string, unknown>>; readonly sharpe: number };
  /** Mean Sharpe of the best cell's direct neighbours on the grid (NaN without neighbours). */
  readonly neighbours: number;
  /** The share of valid cells whose Sharpe is below the base run's. */
  readonly baseRank: number;
}

/** The cost ladder's figures. */
export interface CostFigures {
  /** Sharpe with no cost at all. */
  readonly free: number;
  /** The commission (bps per side) at which Sharpe reaches 0, interpolated; Infinity when it never does on the ladder, 0 when it is ≤ 0 without costs. */
  readonly breakevenBps: number;
  /** Sharpe lost per 10 bps per side of commission, over the ladder. */
  readonly per10Bps: number;
  /** The base runs' cost per side, bps (commission + slippage). */
  readonly baseBps: number;
  readonly maxBps: number;
}

/** The periods' figures. */
export interface PeriodFigures {
  readonly periods: number;
  readonly positiveShare: number;
  /** Share of periods where the strategy beat buying and holding. */
  readonly beatShare: number;
  readonly best?: PeriodRun;
  readonly worst?: PeriodRun;
  /** Standard deviation of the periods' Sharpe ratios. */
  readonly sharpeSpread: number;
}

const finite = (x: number | undefined): x is number => typeof x === "number" && Number.isFinite(x);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Figures of the grid runs; `axes` names the swept parameters (for the neighbours), `base` the base run's metrics. */
export function gridFigures(runs: readonly SweepRun[], axes: readonly string[], base?: Metrics): GridFigures {
  const ok = runs.filter((r) => finite(r.metrics?.sharpe));
  const sharpes = ok.map((r) => r.metrics!.sharpe);
  const best = ok.reduce<SweepRun | undefined>((a, r) => (!a || r.metrics!.sharpe > a.metrics!.sharpe ? r : a), undefined);
  const worst = ok.reduce<SweepRun | undefined>((a, r) => (!a || r.metrics!.sharpe < a.metrics!.sharpe ? r : a), undefined);
  // neighbours: one grid step away along one axis, the other axis equal
  const values = axes.map((axis) => [...new Set(runs.map((r) => r.params[axis]))].sort((a, b) => Number(a) - Number(b)));
  const position = (r: SweepRun) => axes.map((axis, k) => values[k]!.indexOf(r.params[axis]));
  let neighbours = NaN;
  if (best) {
    const at = position(best);
    const near = ok.filter((r) => {
      const p = position(r);
      const diffs = p.map((v, k) => Math.abs(v - at[k]!));
      return diffs.reduce((a, b) => a + b, 0) === 1;
    }).map((r) => r.metrics!.sharpe);
    if (near.length) neighbours = near.reduce((a, b) => a + b, 0) / near.length;
  }
  const baseSharpe = base?.sharpe;
  return {
    runs: runs.length, valid: ok.length,
    positiveShare: ok.length ? sharpes.filter((s) => s > 0).length / ok.length : NaN,
    median: median(sharpes),
    ...(best ? { best: { params: best.params, sharpe: best.metrics!.sharpe } } : {}),
    ...(worst ? { worst: { params: worst.params, sharpe: worst.metrics!.sharpe } } : {}),
    neighbours,
    baseRank: finite(baseSharpe) && ok.length ? sharpes.filter((s) => s < baseSharpe).length / ok.length : NaN,
  };
}

/** Figures of the cost ladder (its commission rungs) for base costs of `commission` (rate) and `slippageBps`. */
export function costFigures(costs: readonly CostRun[], commission: number, slippageBps: number): CostFigures {
  const rungs = costs.filter((c) => c.kind === "commission").sort((a, b) => a.bps - b.bps);
  const sharpe = (c: CostRun) => (finite(c.metrics.sharpe) ? c.metrics.sharpe : 0);
  const free = rungs.length ? sharpe(rungs[0]!) : NaN;
  let breakevenBps = Infinity;
  if (!(free > 0)) breakevenBps = 0;
  else {
    for (let i = 1; i < rungs.length; i++) {
      const a = rungs[i - 1]!, b = rungs[i]!;
      if (sharpe(b) <= 0) {
        breakevenBps = a.bps + ((b.bps - a.bps) * sharpe(a)) / (sharpe(a) - sharpe(b));
        break;
      }
    }
  }
  const last = rungs[rungs.length - 1];
  const maxBps = last?.bps ?? 0;
  return {
    free, breakevenBps, maxBps,
    per10Bps: last && maxBps > rungs[0]!.bps ? ((sharpe(rungs[0]!) - sharpe(last)) / (maxBps - rungs[0]!.bps)) * 10 : NaN,
    baseBps: commission * 10_000 + slippageBps,
  };
}

/** Figures of the period runs that ran. */
export function periodFigures(periods: readonly PeriodRun[]): PeriodFigures {
  const ran = periods.filter((p) => p.metrics && finite(p.metrics.totalReturn));
  const ret = (p: PeriodRun) => p.metrics!.totalReturn;
  const sharpes = ran.map((p) => p.metrics!.sharpe).filter(finite);
  const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
  return {
    periods: ran.length,
    positiveShare: ran.length ? ran.filter((p) => ret(p) > 0).length / ran.length : NaN,
    beatShare: ran.length ? ran.filter((p) => ret(p) > p.buyHold).length / ran.length : NaN,
    ...(ran.length ? { best: ran.reduce((a, p) => (ret(p) > ret(a) ? p : a)), worst: ran.reduce((a, p) => (ret(p) < ret(a) ? p : a)) } : {}),
    sharpeSpread: sharpes.length > 1 ? Math.sqrt(sharpes.reduce((a, s) => a + (s - mean) ** 2, 0) / (sharpes.length - 1)) : NaN,
  };
}

/** The verdict: a tone, a headline and the sentences that back it. */
export interface Verdict {
  readonly tone: "good" | "mixed" | "poor" | "pending";
  readonly headline: string;
  readonly sentences: readonly string[];
}

const share = (x: number) => pct(x, 0);
const bps = (x: number) => (x === Infinity ? "∞" : `${x.toFixed(x < 10 ? 1 : 0)} bps`);
const paramText = (params: Readonly<Record<string, unknown>>, axes: readonly string[]) => axes.map((a) => `${a} = ${String(params[a])}`).join(", ");

/**
 * @example
 * const v = verdict(state); // { tone: "mixed", headline: "Promising but fragile", sentences: [...] }
 */
export function verdict(state: StudyState): Verdict {
  const axes = state.request.axes.map((a) => a.param);
  const sentences: string[] = [];
  const checks: boolean[] = [];
  const base = state.base;
  if (base) {
    sentences.push(`With the chosen parameters and costs the strategy's Sharpe ratio is ${ratio(base.sharpe)} over all the bars (total return ${signed(base.totalReturn)}, max drawdown ${share(base.maxDrawdown)}, ${base.numberOfTrades} trades).`);
  }
  if (state.grid) {
    const g = gridFigures(state.grid, axes, base);
    if (g.valid === 0) {
      sentences.push("No cell of the grid could run: check the parameter values.");
      checks.push(false);
    } else {
      const plateau = finite(g.neighbours) && g.best && g.best.sharpe > 0
        ? g.neighbours >= 0.5 * g.best.sharpe
          ? ` Its neighbours on the grid average ${ratio(g.neighbours)}: a plateau rather than a lone peak.`
          : ` Its neighbours on the grid average only ${ratio(g.neighbours)}: a lone peak, the kind a parameter search finds in noise.`
        : "";
      sentences.push(`Across the grid, ${share(g.positiveShare)} of ${g.valid} parameter sets have a positive Sharpe (median ${ratio(g.median)}); ` +
        `the best is ${ratio(g.best!.sharpe)} at ${paramText(g.best!.params, axes)}.${plateau}` +
        (finite(g.baseRank) ? ` The chosen parameters beat ${share(g.baseRank)} of the grid.` : ""));
      checks.push(g.positiveShare >= 0.6);
    }
  }
  if (state.costs && state.costs.length) {
    const c = costFigures(state.costs, state.request.commission, state.request.slippageBps);
    if (!(c.free > 0)) {
      sentences.push(`Even without any cost the Sharpe ratio is ${ratio(c.free)}: there is no edge for costs to eat.`);
      checks.push(false);
    } else {
      const dies = c.breakevenBps === Infinity
        ? `it stays positive up to the ladder's ${bps(c.maxBps)} per side`
        : `it reaches zero at about ${bps(c.breakevenBps)} of commission per side`;
      sentences.push(`Without costs the Sharpe ratio is ${ratio(c.free)}; ${dies}, losing about ${ratio(c.per10Bps)} per 10 bps. ` +
        `The base costs are ${bps(c.baseBps)} per side, ${c.breakevenBps === Infinity ? "well inside that" : c.baseBps > 0 ? `${ratio(c.breakevenBps / c.baseBps)}× short of the break-even` : "nothing"}.`);
      checks.push(c.breakevenBps >= 2 * Math.max(c.baseBps, 5));
    }
  }
  if (state.periods && state.periods.length) {
    const p = periodFigures(state.periods);
    if (p.periods === 0) {
      sentences.push("No period could run on its own.");
    } else {
      sentences.push(`Run alone, the strategy made money in ${share(p.positiveShare)} of ${p.periods} periods and beat buying and holding in ${share(p.beatShare)}; ` +
        `the best was ${p.best!.label} (${signed(p.best!.metrics!.totalReturn)}), the worst ${p.worst!.label} (${signed(p.worst!.metrics!.totalReturn)}), ` +
        `and the periods' Sharpe ratios spread by ${ratio(p.sharpeSpread)} (standard deviation).`);
      checks.push(p.positiveShare >= 0.6);
    }
  }
  if (state.stage !== "done" && !state.error && !state.canceled) {
    return { tone: "pending", headline: "The study is running…", sentences };
  }
  if (state.canceled || state.error) {
    return { tone: "pending", headline: state.canceled ? "The study was canceled; the parts done are shown." : "The study stopped early; the parts done are shown.", sentences };
  }
  const passed = checks.filter(Boolean).length;
  if (!base || !(base.sharpe > 0)) {
    return { tone: "poor", headline: "No edge on this data: the chosen run does not make a positive risk-adjusted return.", sentences };
  }
  const rule = "(the tests: at least 60 % of the grid with a positive Sharpe; a break-even cost at least twice the base cost; money made in at least 60 % of the periods)";
  if (passed === checks.length) return { tone: "good", headline: `Robust on this data: it passes all ${checks.length} tests ${rule}.`, sentences };
  if (passed >= checks.length - 1) return { tone: "mixed", headline: `Promising but fragile: it passes ${passed} of ${checks.length} tests ${rule}.`, sentences };
  return { tone: "poor", headline: `Fragile: it passes ${passed} of ${checks.length} tests ${rule}.`, sentences };
}
