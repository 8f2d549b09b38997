/**
 * The "Strategy robustness" study: one strategy on one symbol, run (1) over a grid of two of its
 * parameters through the sweep workers, (2) with the base parameters over a ladder of costs, and
 * (3) with the base parameters over each calendar period alone. `runStudy` yields the state after
 * each stage, so the note can show the grid while the rest still runs.
 */
import { barsBetween, type BarSeries } from "../engine/bars.js";
import type { Metrics } from "../engine/metrics/computeMetrics.js";
import { sweepGrid, type SweepAxis } from "../engine/sweep.js";
import type { ParamSchema } from "../engine/strategy/params.js";
import type { Engine, SweepRun } from "./engineClient.js";

/** What to study. */
export interface StudyRequest {
  /** A validated table of the data worker. */
  readonly dataset: string;
  readonly symbol: string;
  readonly strategy: string;
  /** The strategy's schema, for the grid's checks. */
  readonly schema: ParamSchema;
  /** The base parameters: the grid varies two of them, the other stages use them as they are. */
  readonly params: Readonly<Record<string, unknown>>;
  /** One or two swept parameters with explicit values. */
  readonly axes: readonly SweepAxis[];
  readonly cash: number;
  /** Commission rate of the base runs (0.001 = 0.1 %). */
  readonly commission: number;
  /** Slippage of the base runs, bps. */
  readonly slippageBps: number;
  /** Costs per side tried on their own, in bps: once as commission, once as slippage. */
  readonly costLadderBps: readonly number[];
  /** The periods run one by one. */
  readonly periods: readonly Period[];
}

/** A calendar period [fromMs, toMs). */
export interface Period {
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** One rung of the cost ladder. */
export interface CostRun {
  readonly kind: "commission" | "slippage";
  readonly bps: number;
  readonly metrics: Metrics;
}

/** One period run alone, beside buying and holding the symbol over the same bars. */
export interface PeriodRun extends Period {
  readonly bars: number;
  readonly metrics?: Metrics;
  readonly error?: string;
  /** Last close / first open − 1 over the period's bars. */
  readonly buyHold: number;
}

/** What the study has so far; `stage` names the next step, "done" when nothing is left. */
export interface StudyState {
  readonly request: StudyRequest;
  readonly stage: "base" | "grid" | "costs" | "periods" | "done";
  /** The base parameters with the base costs over all the bars. */
  readonly base?: Metrics;
  readonly grid?: readonly SweepRun[];
  readonly costs?: readonly CostRun[];
  readonly periods?: readonly PeriodRun[];
  /** Why the study stopped early (the stages done are kept). */
  readonly error?: string;
  readonly canceled?: boolean;
}

export type Progress = (fraction: number, text: string) => void;

/** The calendar unit a span is best cut into: years from three years up, quarters from three quarters, else months. */
export function periodUnit(startMs: number, endMs: number): "year" | "quarter" | "month" {
  const days = (endMs - startMs) / 86_400_000;
  return days >= 3 * 365 ? "year" : days >= 3 * 91 ? "quarter" : "month";
}

/** The calendar periods (UTC) that hold any of [startMs, endMs]: "2021", "2021 Q3" or "2021-07". */
export function calendarPeriods(startMs: number, endMs: number, unit: "year" | "quarter" | "month"): Period[] {
  const months = unit === "year" ? 12 : unit === "quarter" ? 3 : 1;
  const first = new Date(startMs);
  let y = first.getUTCFullYear();
  let m = Math.floor(first.getUTCMonth() / months) * months;
  const out: Period[] = [];
  for (let from = Date.UTC(y, m, 1); from <= endMs && out.length < 600;) {
    const to = Date.UTC(y, m + months, 1);
    const label = unit === "year" ? String(y) : unit === "quarter" ? `${y} Q${m / 3 + 1}` : `${y}-${String(m + 1).padStart(2, "0")}`;
    out.push({ label, fromMs: from, toMs: to });
    m += months;
    if (m >= 12) { y += Math.floor(m / 12); m %= 12; }
    from = to;
  }
  return out;
}

/** Buy and hold over the bars of [fromMs, toMs): last close / first open − 1, and how many bars. */
export function buyAndHold(bars: BarSeries, fromMs: number, toMs: number): { bars: number; ret: number } {
  const s = barsBetween(bars, fromMs, toMs);
  return { bars: s.length, ret: s.length ? s.close[s.length - 1]! / s.open[0]! - 1 : NaN };
}

const isCanceled = (e: unknown) => (e as { name?: string } | undefined)?.name === "CanceledError";
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Runs the study, yielding its state after each stage. Errors and cancels end it with the
 * stages done so far kept. `onProgress` hears the fraction of all runs done.
 *
 * @example
 * for await (const state of runStudy(engine, request, (f, text) => (bar.value = f))) show(state);
 */
export async function* runStudy(engine: Engine, request: StudyRequest, onProgress: Progress = () => {}): AsyncGenerator<StudyState> {
  const { dataset, symbol, strategy, cash, commission, slippageBps } = request;
  let state: StudyState = { request, stage: "base" };
  const paramSets = (() => {
    try {
      return sweepGrid(request.schema, request.axes, request.params, { strategy, maxRuns: 2_500 });
    } catch (error) {
      return message(error);
    }
  })();
  if (typeof paramSets === "string") {
    yield { ...state, stage: "done", error: paramSets };
    return;
  }
  const ladder = request.costLadderBps;
  const total = 1 + paramSets.length + 2 * ladder.length + request.periods.length;
  let done = 0;
  const step = (text: string) => onProgress(done / total, text);
  const settings = { dataset, symbols: symbol, strategy, cash, fillOnClose: false };
  try {
    step("the base run");
    const base = await engine.backtest({ ...settings, params: request.params, commission, slippageBps });
    done++;
    state = { ...state, stage: "grid", base: base.metrics };
    yield state;

    step(`the grid: 0 / ${paramSets.length}`);
    const sweep = await engine.sweep({ ...settings, commission, slippageBps, paramSets }, (n) => {
      onProgress((done + n) / total, `the grid: ${n} / ${paramSets.length}`);
    });
    done += paramSets.length;
    state = { ...state, stage: "costs", grid: sweep.runs };
    yield state;

    const costs: CostRun[] = [];
    for (const kind of ["commission", "slippage"] as const) {
      for (const bps of ladder) {
        step(`costs: ${bps} bps of ${kind}`);
        const run = await engine.backtest({
          ...settings, params: request.params,
          commission: kind === "commission" ? bps / 10_000 : 0, slippageBps: kind === "slippage" ? bps : 0,
        });
        costs.push({ kind, bps, metrics: run.metrics });
        done++;
      }
    }
    state = { ...state, stage: "periods", costs };
    yield state;

    const bars = await engine.bars(dataset, symbol);
    const periods: PeriodRun[] = [];
    for (const p of request.periods) {
      step(`period ${p.label}`);
      const hold = buyAndHold(bars, p.fromMs, p.toMs);
      if (hold.bars < 2) {
        periods.push({ ...p, bars: hold.bars, buyHold: hold.ret, error: "fewer than 2 bars" });
      } else {
        try {
          const run = await engine.backtest({ ...settings, params: request.params, commission, slippageBps, range: { fromMs: p.fromMs, toMs: p.toMs } });
          periods.push({ ...p, bars: hold.bars, buyHold: hold.ret, metrics: run.metrics, ...(run.error ? { error: run.error.message } : {}) });
        } catch (error) {
          if (isCanceled(error)) throw error;
          periods.push({ ...p, bars: hold.bars, buyHold: hold.ret, error: message(error) });
        }
      }
      done++;
    }
    onProgress(1, "done");
    yield { ...state, stage: "done", periods };
  } catch (error) {
    onProgress(done / total, isCanceled(error) ? "canceled" : "stopped by an error");
    yield { ...state, stage: "done", ...(isCanceled(error) ? { canceled: true } : { error: message(error) }) };
  }
}
