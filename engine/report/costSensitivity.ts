import { runBacktest } from "../backtest.js";
import type { Metrics } from "../metrics/computeMetrics.js";
import { backtestOptions, type ReportRun } from "./reportRun.js";

/** Costs per side tried by default, in basis points of the traded value. */
export const DEFAULT_COST_LADDER_BPS: readonly number[] = [0, 2, 5, 10, 20, 50];

/** One rung: the run with nothing but this commission, or nothing but this slippage. */
export interface CostRung {
  readonly kind: "commission" | "slippage";
  readonly bps: number;
  readonly metrics: Metrics;
  /** The run stopped early (its metrics cover the part run). */
  readonly error?: string;
}

export interface CostSensitivity {
  readonly rungs: readonly CostRung[];
  /** The report run's own cost per side, commission and slippage together, in bps. */
  readonly baseBps: number;
  /**
   * Per kind, the cost per side at which the total return reaches 0, by linear interpolation
   * between the rungs around the crossing: NaN when the return is not positive at the cheapest
   * rung (no edge to lose) and Infinity when it stays positive up to the dearest.
   */
  readonly breakEvenBps: { readonly commission: number; readonly slippage: number };
}

function breakEven(rungs: readonly CostRung[]): number {
  const sorted = [...rungs].sort((a, b) => a.bps - b.bps);
  if (sorted.length === 0 || !(sorted[0]!.metrics.totalReturn > 0)) return NaN;
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!, b = sorted[k]!;
    const ra = a.metrics.totalReturn, rb = b.metrics.totalReturn;
    if (rb <= 0) return a.bps + (ra / (ra - rb)) * (b.bps - a.bps);
  }
  return Infinity;
}

/**
 * The report run again at each cost per side of `ladderBps`: once as a commission rate
 * (bps / 10 000) with no slippage, once as fixed slippage with no commission. Everything else
 * (parameters, risk, fills) as in `run`.
 *
 * @example
 * costSensitivity(run).breakEvenBps.commission; // e.g. 31.5: the edge is gone at 0.315 % per side
 */
export function costSensitivity(run: ReportRun, ladderBps: readonly number[] = DEFAULT_COST_LADDER_BPS): CostSensitivity {
  const rungs: CostRung[] = [];
  for (const kind of ["commission", "slippage"] as const) {
    for (const bps of ladderBps) {
      const costs = kind === "commission" ? { commission: bps / 10_000, slippageBps: 0 } : { commission: 0, slippageBps: bps };
      const result = runBacktest(backtestOptions(run, costs));
      rungs.push({ kind, bps, metrics: result.metrics, ...(result.error ? { error: `${result.error.code}: ${result.error.message}` } : {}) });
    }
  }
  return {
    rungs,
    baseBps: (run.commission ?? 0) * 10_000 + (run.slippageBps ?? 0),
    breakEvenBps: { commission: breakEven(rungs.filter((r) => r.kind === "commission")), slippage: breakEven(rungs.filter((r) => r.kind === "slippage")) },
  };
}
