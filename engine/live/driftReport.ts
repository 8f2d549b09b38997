import { InputError } from "../errors.js";
import type { OrderSide } from "../orders.js";
import { timeframeMs } from "../time.js";
import { replayRun, type RecordedRun } from "./liveReplay.js";

/** An order as the trader journaled it (engine/node/live/accountStore.ts StoredOrder has these fields). */
export interface TraderOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  /** When it was decided (the engine's clock: the close of the bar it was decided on). */
  readonly createdMs: number;
  /** Who asked: "strategy", "manual", "order-drop", … */
  readonly source?: string | undefined;
  readonly tag?: string | undefined;
}

/** A fill as the trader stored it (FillRecord). */
export interface TraderFill {
  readonly clientOrderId?: string | undefined;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  readonly timeMs: number;
}

/** One order's execution: its fills summed (quantity), averaged (price) and first in time. */
export interface Execution {
  /** The trader's client order id, or "replay #<engine order id>". */
  readonly ref: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly decidedMs: number;
  /** Time of its first fill. */
  readonly timeMs: number;
  readonly quantity: number;
  /** Volume-weighted fill price. */
  readonly price: number;
  readonly fee: number;
  readonly tag?: string | undefined;
  /**
   * Live replay only: an order sent at the last replayed bar's close, which no replayed bar has
   * filled (the next one has not closed yet): it has a decision and a quantity, no fill price
   * (NaN) — its time is the decision's.
   */
  readonly pending?: true;
}

/** How a matched pair differs. */
export type Difference =
  | { readonly field: "time"; readonly replay: number; readonly live: number; readonly deltaMs: number }
  | { readonly field: "quantity"; readonly replay: number; readonly live: number; readonly delta: number }
  | { readonly field: "price"; readonly replay: number; readonly live: number; readonly bps: number }
  | { readonly field: "tag"; readonly replay: string | undefined; readonly live: string | undefined };

/**
 * One row of the comparison. "match": the same trade; "drift": paired, but something differs;
 * "missing": the replay traded and the trader did not; "extra": the trader traded and the replay did not.
 */
export interface DriftRow {
  readonly kind: "match" | "drift" | "missing" | "extra";
  readonly symbol: string;
  readonly side: OrderSide;
  readonly replay?: Execution;
  readonly live?: Execution;
  readonly differences: readonly Difference[];
}

export interface DriftTolerance {
  /** A price further than this from the replay's, in basis points, is drift. Default 0.01. */
  readonly priceBps?: number;
  /** A quantity differing by more than this fraction of the larger is drift. Default 1e-9. */
  readonly quantity?: number;
  /** Executions of the same symbol and side further apart in time than this are not paired. Default two bars. */
  readonly pairWithinMs?: number;
  /**
   * A fill this close in time to the replay's is on time. Default 0 in paper mode (the same engine
   * fills both), a tenth of a bar in live mode (the exchange fills a moment after the decision,
   * the replay at the next bar's open).
   */
  readonly timeMs?: number;
}

export interface DriftOptions extends RecordedRun {
  /** What the trader did: its journaled orders and stored fills (any order; earlier runs are left out). */
  readonly orders: readonly TraderOrder[];
  readonly fills: readonly TraderFill[];
  /** The period compared: executions whose first fill is in [fromMs, toMs). Default the whole run. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly tolerance?: DriftTolerance;
}

export interface DriftReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly firstBarMs: number;
  readonly mode: "paper" | "live";
  /** Bars replayed (timestamps handed to the strategy) and bars that warmed it up. */
  readonly bars: number;
  readonly warmedBars: number;
  readonly rows: readonly DriftRow[];
  readonly summary: {
    readonly matches: number;
    readonly drifts: number;
    readonly missing: number;
    readonly extra: number;
    /** Over paired executions: the largest and the mean absolute price difference (bps), the largest time difference (ms). */
    readonly maxPriceBps: number;
    readonly meanPriceBps: number;
    readonly maxTimingMs: number;
  };
  /** True when every execution in the period is matched and the replay ran to the end. */
  readonly ok: boolean;
  /** What the reader should know: the replay stopping early, parameter changes, orders from outside the strategy. */
  readonly notes: readonly string[];
}

const bpsOf = (side: OrderSide, replay: number, live: number) => ((side === "buy" ? live - replay : replay - live) / replay) * 10_000;

/**
 * The live-versus-backtest report: replays the run (see replayRun) and pairs the replay's trades
 * with the trader's, order by order — entry time, side, quantity, price and tag — so drift is seen,
 * not guessed. Pairs are made between executions of the same symbol and side, closest in time
 * first; a price difference is in basis points against the trader (a dearer buy or a cheaper sell
 * is positive). Pure: the same inputs give the same report.
 *
 * @example
 * const report = driftReport({ ...recordedRun, orders: await trader.orders(), fills: await trader.fills() });
 * report.ok;                  // no drift
 * report.rows.filter((r) => r.kind !== "match");
 */
export function driftReport(options: DriftOptions): DriftReport {
  const barMs = barLength(options);
  const replay = replayRun(options);
  const tolerance = {
    priceBps: options.tolerance?.priceBps ?? 0.01,
    quantity: options.tolerance?.quantity ?? 1e-9,
    pairWithinMs: options.tolerance?.pairWithinMs ?? 2 * barMs,
    timeMs: options.tolerance?.timeMs ?? (options.mode === "live" ? barMs / 10 : 0),
  };
  const notes: string[] = [];
  if (replay.error) notes.push(replay.error);

  const replayed = executionsOf(replay.orders.filter((o) => o.filledQuantity > 0).map((o) => ({
    ref: `replay #${o.id}`, symbol: o.symbol, side: o.side, decidedMs: o.createdMs, tag: o.tag,
  })), replay.fills.map((f) => ({ ...f, ref: `replay #${f.orderId}`, fee: f.commission })));
  // decided at the last replayed bar, sent, not yet filled by a bar: compared by its decision
  const pending: Execution[] = replay.working.filter((o) => o.filledQuantity === 0).map((o) => ({
    ref: `replay #${o.id}`, symbol: o.symbol, side: o.side, decidedMs: o.createdMs, timeMs: o.createdMs, quantity: o.quantity, price: Number.NaN, fee: 0,
    ...(o.tag !== undefined ? { tag: o.tag } : {}), pending: true as const,
  }));

  // this run's orders only: an earlier run's were decided before its first bar
  const orders = options.orders.filter((o) => o.createdMs >= options.firstBarMs);
  // a paper trader journals a flatten's orders as its engine's, tagged flatten:<who>
  const outside = orders.filter((o) => (o.source !== undefined && o.source !== "strategy") || /^flatten:/.test(o.tag ?? "")).length;
  if (outside > 0) notes.push(`${outside} order${outside === 1 ? " was" : "s were"} placed from outside the strategy (manual, order drop, flatten): the replay cannot make them`);
  const byRef = new Map(orders.map((o) => [o.clientOrderId, o]));
  const liveFills = options.fills.filter((f) => (f.clientOrderId !== undefined && byRef.has(f.clientOrderId)) || (f.clientOrderId === undefined && f.timeMs >= options.firstBarMs));
  const lived = executionsOf(
    orders.map((o) => ({ ref: o.clientOrderId, symbol: o.symbol, side: o.side, decidedMs: o.createdMs, tag: o.tag ?? (o.source && o.source !== "strategy" ? o.source : undefined) })),
    liveFills.map((f, i) => ({ ...f, ref: f.clientOrderId ?? `fill ${i + 1}` })),
  );
  const changes = options.paramChanges?.length ?? 0;
  if (changes > 0) notes.push(changes === 1 ? "1 parameter change was replayed at the bar it took effect" : `${changes} parameter changes were replayed at the bars they took effect`);

  const rows = pair([...replayed, ...pending], lived, tolerance);
  const late = rows.filter((r) => r.replay?.pending && r.live).length;
  if (late > 0) notes.push(`${late === 1 ? "1 order" : `${late} orders`} sent at the last replayed bar filled before the next bar closed: compared by quantity and tag, not price`);
  const fromMs = options.fromMs ?? Number.NEGATIVE_INFINITY;
  const toMs = options.toMs ?? Number.POSITIVE_INFINITY;
  const inPeriod = (r: DriftRow) => {
    const t = r.live?.timeMs ?? r.replay!.timeMs;
    return t >= fromMs && t < toMs;
  };
  const shown = rows.filter(inPeriod);
  const paired = shown.filter((r) => r.replay && r.live && !r.replay.pending);
  const priceBps = paired.map((r) => Math.abs(bpsOf(r.side, r.replay!.price, r.live!.price)));
  const count = (kind: DriftRow["kind"]) => shown.filter((r) => r.kind === kind && !(kind === "missing" && r.replay!.pending)).length;
  const summary = {
    matches: count("match"), drifts: count("drift"), missing: count("missing"), extra: count("extra"),
    maxPriceBps: priceBps.length ? Math.max(...priceBps) : 0,
    meanPriceBps: priceBps.length ? priceBps.reduce((a, b) => a + b, 0) / priceBps.length : 0,
    maxTimingMs: paired.length ? Math.max(...paired.map((r) => Math.abs(r.live!.timeMs - r.replay!.timeMs))) : 0,
  };
  // a pending replay order with no fill at the trader either is not a trade yet
  const done = shown.filter((r) => !(r.kind === "missing" && r.replay!.pending));
  return {
    fromMs: Number.isFinite(fromMs) ? fromMs : options.firstBarMs,
    toMs: Number.isFinite(toMs) ? toMs : (options.lastBarMs ?? lastTime(options)) + barMs,
    firstBarMs: options.firstBarMs, mode: options.mode, bars: replay.bars, warmedBars: replay.warmedBars,
    rows: done, summary, ok: !replay.error && summary.drifts + summary.missing + summary.extra === 0, notes,
  };
}

/** One Execution per order that traded, from its fills; sorted by first fill time. */
function executionsOf(
  orders: readonly { ref: string; symbol: string; side: OrderSide; decidedMs: number; tag: string | undefined }[],
  fills: readonly { ref: string; symbol: string; side: OrderSide; quantity: number; price: number; fee: number; timeMs: number }[],
): Execution[] {
  const of = new Map<string, { quantity: number; value: number; fee: number; timeMs: number; fill: (typeof fills)[number] }>();
  for (const f of fills) {
    const e = of.get(f.ref);
    if (e) {
      e.quantity += f.quantity;
      e.value += f.quantity * f.price;
      e.fee += f.fee;
      e.timeMs = Math.min(e.timeMs, f.timeMs);
    } else {
      of.set(f.ref, { quantity: f.quantity, value: f.quantity * f.price, fee: f.fee, timeMs: f.timeMs, fill: f });
    }
  }
  const known = new Map(orders.map((o) => [o.ref, o]));
  const out: Execution[] = [];
  for (const [ref, e] of of) {
    const o = known.get(ref);
    // a single fill keeps its price exactly (a sum over one is not always the price back)
    const price = e.quantity === e.fill.quantity ? e.fill.price : e.value / e.quantity;
    out.push({ ref, symbol: o?.symbol ?? e.fill.symbol, side: o?.side ?? e.fill.side, decidedMs: o?.decidedMs ?? e.timeMs, timeMs: e.timeMs,
      quantity: e.quantity, price, fee: e.fee, ...(o?.tag !== undefined ? { tag: o.tag } : {}) });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || a.decidedMs - b.decidedMs || a.ref.localeCompare(b.ref));
}

/** Pairs executions of the same symbol and side, the closest in time (then in quantity) first. */
function pair(replayed: readonly Execution[], lived: readonly Execution[], tolerance: Required<DriftTolerance>): DriftRow[] {
  const candidates: { r: number; l: number; dt: number; dq: number }[] = [];
  for (let r = 0; r < replayed.length; r++) {
    const a = replayed[r]!;
    for (let l = 0; l < lived.length; l++) {
      const b = lived[l]!;
      if (a.symbol !== b.symbol || a.side !== b.side) continue;
      const dt = Math.abs(a.timeMs - b.timeMs);
      if (dt > tolerance.pairWithinMs) continue;
      candidates.push({ r, l, dt, dq: Math.abs(a.quantity - b.quantity) / Math.max(a.quantity, b.quantity) });
    }
  }
  candidates.sort((x, y) => x.dt - y.dt || x.dq - y.dq || x.r - y.r || x.l - y.l);
  const takenR = new Set<number>();
  const takenL = new Set<number>();
  const rows: { t: number; row: DriftRow }[] = [];
  for (const c of candidates) {
    if (takenR.has(c.r) || takenL.has(c.l)) continue;
    takenR.add(c.r);
    takenL.add(c.l);
    const a = replayed[c.r]!;
    const b = lived[c.l]!;
    const differences = compare(a, b, tolerance);
    rows.push({ t: a.timeMs, row: { kind: differences.length === 0 ? "match" : "drift", symbol: a.symbol, side: a.side, replay: a, live: b, differences } });
  }
  replayed.forEach((a, r) => { if (!takenR.has(r)) rows.push({ t: a.timeMs, row: { kind: "missing", symbol: a.symbol, side: a.side, replay: a, differences: [] } }); });
  lived.forEach((b, l) => { if (!takenL.has(l)) rows.push({ t: b.timeMs, row: { kind: "extra", symbol: b.symbol, side: b.side, live: b, differences: [] } }); });
  return rows.sort((x, y) => x.t - y.t || x.row.symbol.localeCompare(y.row.symbol)).map((x) => x.row);
}

function compare(a: Execution, b: Execution, tolerance: Required<DriftTolerance>): Difference[] {
  const out: Difference[] = [];
  if (!a.pending && Math.abs(b.timeMs - a.timeMs) > tolerance.timeMs) out.push({ field: "time", replay: a.timeMs, live: b.timeMs, deltaMs: b.timeMs - a.timeMs });
  if (Math.abs(a.quantity - b.quantity) > tolerance.quantity * Math.max(a.quantity, b.quantity)) {
    out.push({ field: "quantity", replay: a.quantity, live: b.quantity, delta: b.quantity - a.quantity });
  }
  const bps = a.pending ? 0 : bpsOf(a.side, a.price, b.price);
  if (Math.abs(bps) > tolerance.priceBps) out.push({ field: "price", replay: a.price, live: b.price, bps });
  if ((a.tag ?? "") !== (b.tag ?? "")) out.push({ field: "tag", replay: a.tag, live: b.tag });
  return out;
}

function barLength(run: RecordedRun): number {
  const ms = timeframeMs(run.timeframe);
  if (ms === undefined) throw new InputError("BAD_TIMEFRAME", { timeframe: run.timeframe }, `"${run.timeframe}" is not a timeframe such as "1m" or "1h"`);
  return ms;
}

function lastTime(run: RecordedRun): number {
  let t = run.firstBarMs;
  for (const symbol of run.symbols) t = Math.max(t, run.bars[symbol]?.at(-1)?.time ?? t);
  return t;
}
