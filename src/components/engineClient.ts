/**
 * The page's handle on the engine worker (./engine.worker.ts): DuckDB-wasm in a web worker,
 * driven through comlink.
 *
 * @example
 * const engine = openEngine();
 * await engine.init();                                   // {duckdb: "v1.4.3", bundle: "eh"}
 * await engine.loadUrl("btc", await FileAttachment("data/sample-1h.parquet").url());
 * const report = await engine.validate("btc");           // {ok, errorCount, errors: [{row, column, code, value, message}]}
 * const bars = await engine.bars("btc");                 // BarSeries; its Float64Arrays were transferred, not copied
 *
 * Backtests run in a second worker (./backtest.worker.ts: the engine and strategies, no DuckDB),
 * started on first use; the bars go data worker → page → backtest worker by transfer:
 * const result = await engine.backtest({ dataset: "btc", symbols: "SYN-A", strategy: "sma-crossover",
 *   params: { fast: 10 }, cash: 100_000, commission: 0.001 }, (f) => (progress.value = f));
 * engine.cancelBacktest();                               // terminates that worker; backtest() rejects with CanceledError
 * await engine.backtest(request, onProgress, { watchdogMs: 5000 }); // no progress for 5 s: worker replaced, rejects with WatchdogError
 *
 * Strategy code instead of a built-in (the seam of a strategy editor, see ./strategySource.ts):
 * const info = await engine.describeStrategy(code);       // {name, description, params}: the form's schema
 * await engine.backtest({ dataset: "btc", symbols: ["SYN-A", "SYN-B"], strategy: info.name, source: code, params: {…} });
 */
import * as Comlink from "comlink";
import type { BacktestResult } from "../engine/backtest.js";
import type { BarSeries } from "../engine/bars.js";
import type { RiskConfig } from "../engine/risk/riskConfig.js";
import type { BacktestApi, BacktestJob, StrategyInfo, SweepJob, SweepRun } from "./backtest.worker.js";
import type { EngineApi, EngineInfo, TableInfo, DataReport, LoadOptions } from "./engine.worker.js";

export type { EngineInfo, TableInfo, DataReport, LoadOptions, BacktestResult, StrategyInfo, RiskConfig, SweepRun };

/** A backtest as the page asks for it: the worker's job, with bars named by table and symbol(s) of the data worker. */
export type BacktestRequest = Omit<BacktestJob, "bars"> & {
  /** A table loaded in the data worker (loadUrl/loadFile/resample). */
  readonly dataset: string;
  /** One symbol, or several run together on one timeline. */
  readonly symbols: string | readonly string[];
};

/**
 * A sweep as the page asks for it: the backtest request's settings, with many parameter sets
 * (from engine/sweep.ts's sweepGrid / sweepRandom) instead of one.
 */
export interface SweepRequest extends Omit<BacktestRequest, "params"> {
  readonly paramSets: readonly Readonly<Record<string, unknown>>[];
  /**
   * Periods to run every set on, instead of `range` (e.g. a walk-forward's in-sample windows, all
   * in one pool of workers): `runs[p × paramSets.length + i]` is set i on period p.
   */
  readonly ranges?: readonly NonNullable<BacktestJob["range"]>[];
  /** Backtest workers to spread the runs over. Default min(navigator.hardwareConcurrency, 4). */
  readonly workers?: number;
}

/** What sweep() resolves with: one entry per parameter set, in the order given. */
export interface SweepResult {
  readonly runs: readonly SweepRun[];
  /** The number of workers used. */
  readonly workers: number;
}

/** What a backtest() promise rejects with after cancelBacktest(): `name` is "CanceledError". */
export class CanceledError extends Error {
  override readonly name = "CanceledError";
  constructor() {
    super("canceled");
  }
}

/**
 * What backtest() and describeStrategy() reject with when their watchdog fired: the worker sent
 * no progress for `seconds` (a strategy that loops forever inside a callback never returns to
 * report), so it was terminated and a fresh one takes the next run. `fraction` is the last
 * progress reported (0 when none came).
 */
export class WatchdogError extends Error {
  override readonly name = "WatchdogError";
  constructor(readonly seconds: number, readonly fraction: number, message?: string) {
    super(message ?? `stopped: no progress for ${seconds} s, probably an endless loop at ${fraction > 0
      ? `about ${Math.round(fraction * 100)} % of the run or later`
      : "the start of the run (loading the code, init, or the bars before the first progress report)"}; the backtest worker was replaced`);
  }
}

/** Options of one backtest() or describeStrategy() call. */
export interface WatchdogOptions {
  /**
   * Stop when the worker reports no progress for this many ms (progress comes every 16,384
   * timeline steps): terminate it, start a fresh one, reject with a WatchdogError. Default: none.
   */
  readonly watchdogMs?: number;
}

/** The buffers of a BarSeries' columns (several columns may share one), to transfer. */
function barBuffers(s: BarSeries): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [s.time, s.open, s.high, s.low, s.close, s.volume];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/** The engine as the page sees it: a frozen plain object (never the raw comlink proxy, see STACK.md P9). */
export interface Engine {
  init(): Promise<EngineInfo>;
  /** Loads a file from a URL (relative URLs are taken relative to the page); `options.columns` maps a generic CSV's header. */
  loadUrl(name: string, url: string, options?: LoadOptions): Promise<TableInfo>;
  /** Loads a picked or dropped File (CSV or Parquet); `options.columns` maps a generic CSV's header. */
  loadFile(name: string, file: File, options?: LoadOptions): Promise<TableInfo>;
  table(name: string): Promise<TableInfo>;
  validate(name: string, limit?: number): Promise<DataReport>;
  resample(name: string, timeframe: Parameters<EngineApi["resample"]>[1], as: string): Promise<TableInfo>;
  bars(name: string, symbol?: string): Promise<BarSeries>;
  /** Arrow IPC stream bytes; decode with apache-arrow's tableFromIPC. */
  query(sql: string): Promise<Uint8Array>;
  tables(): Promise<string[]>;
  /** The built-in strategies with their parameter schemas (from the backtest worker). */
  strategies(): Promise<StrategyInfo[]>;
  /**
   * What strategy code declares (name, description, parameter schema), loaded and checked as
   * backtest({ source }) would, in a worker of its own (a running or canceled backtest does not
   * hold it up). Rejects with the message a run would give (a syntax error with its line). A new
   * call while one is pending rejects the older with a CanceledError.
   */
  describeStrategy(source: string, options?: WatchdogOptions): Promise<StrategyInfo>;
  /**
   * Runs a backtest in the backtest worker: gets the bars from the data worker (transferred),
   * transfers them to the backtest worker and resolves with the result (its Float64Arrays
   * transferred back). `onProgress` gets the fraction done while the run goes on. A strategy that
   * throws resolves with the result so far and `error`; bad input rejects with the message;
   * cancelBacktest() rejects it with a CanceledError. One run at a time: a second call while one
   * runs rejects.
   */
  backtest(request: BacktestRequest, onProgress?: (fraction: number) => void, options?: WatchdogOptions): Promise<BacktestResult>;
  /** True while a backtest() is under way. */
  running(): boolean;
  /**
   * Cancels the running backtest, if any: terminates the backtest worker (a fresh one starts for
   * the next run) and rejects the backtest() promise with a CanceledError. The data worker and its
   * tables are untouched. Returns whether a run was canceled.
   */
  cancelBacktest(): boolean;
  /**
   * Runs every parameter set of a sweep: gets the bars once from the data worker, starts `workers`
   * backtest workers (fresh ones, separate from backtest()'s), gives each a copy of the bars, and
   * hands out the sets from a queue (a worker takes the next one when it is done). Keeps per run
   * only the params and the metrics (no equity arrays); a run that fails has `error` instead.
   * Each run's metrics are those backtest() gives for that set (the engine is deterministic).
   * `onProgress(done, total)` is called after each run. One sweep at a time; cancelSweep()
   * terminates the sweep workers and rejects with a CanceledError.
   */
  sweep(request: SweepRequest, onProgress?: (done: number, total: number) => void): Promise<SweepResult>;
  /** True while a sweep() is under way. */
  sweeping(): boolean;
  /** Cancels the running sweep, if any (terminates its workers). Returns whether one was canceled. */
  cancelSweep(): boolean;
  /** Stops both workers (and DuckDB with them). */
  terminate(): void;
}

/** Starts an engine worker. Call `init()` before anything else, and `terminate()` when done. */
export function openEngine(): Engine {
  // Framework rewrites this literal to the built worker module and bundles its imports (STACK.md
  // 2.3); `new URL(..., import.meta.url)` would 404 in the built site (P10).
  const worker = new Worker(import.meta.resolve("./engine.worker.js"), { type: "module", name: "engine" });
  const remote = Comlink.wrap<EngineApi>(worker);
  // Errors thrown in the worker arrive as Errors with the worker's message.
  const absolute = (url: string) => new URL(url, globalThis.location?.href).href;

  // The backtest worker: started on first use, replaced after a cancel.
  let runner: { worker: Worker; remote: Comlink.Remote<BacktestApi> } | undefined;
  let current: { reject: (e: unknown) => void } | undefined;
  const backtester = () => {
    if (!runner) {
      const w = new Worker(import.meta.resolve("./backtest.worker.js"), { type: "module", name: "backtest" });
      runner = { worker: w, remote: Comlink.wrap<BacktestApi>(w) };
    }
    return runner;
  };
  const stopBacktester = () => {
    if (!runner) return;
    runner.remote[Comlink.releaseProxy]();
    runner.worker.terminate();
    runner = undefined;
  };
  let strategyList: Promise<StrategyInfo[]> | undefined;

  // Code is described in a worker of its own; a pending call is dropped with its worker (its code may never return).
  let inspector: { worker: Worker; remote: Comlink.Remote<BacktestApi>; pending?: (e: unknown) => void } | undefined;
  const stopInspector = () => {
    if (!inspector) return;
    inspector.pending?.(new CanceledError());
    inspector.remote[Comlink.releaseProxy]();
    inspector.worker.terminate();
    inspector = undefined;
  };
  async function describeStrategy(source: string, options?: WatchdogOptions): Promise<StrategyInfo> {
    if (inspector?.pending) stopInspector();
    if (!inspector) {
      const w = new Worker(import.meta.resolve("./backtest.worker.js"), { type: "module", name: "strategy-check" });
      inspector = { worker: w, remote: Comlink.wrap<BacktestApi>(w) };
    }
    const mine = inspector;
    const dropped = new Promise<never>((_, reject) => { mine.pending = reject; });
    dropped.catch(() => {});
    // loading the code runs its top level, which may never return: then the inspector is replaced
    const ms = options?.watchdogMs;
    const timer = ms ? setTimeout(() => {
      if (inspector !== mine) return;
      const reject = mine.pending;
      mine.pending = undefined;
      stopInspector();
      reject?.(new WatchdogError(ms / 1000, 0, `stopped: no answer for ${ms / 1000} s while loading the strategy code, probably an endless loop at its top level`));
    }, ms) : undefined;
    try {
      return await Promise.race([mine.remote.describe(source), dropped]);
    } finally {
      clearTimeout(timer);
      mine.pending = undefined;
    }
  }

  async function backtest(request: BacktestRequest, onProgress?: (fraction: number) => void, options?: WatchdogOptions): Promise<BacktestResult> {
    if (current) throw new Error("a backtest is already running; cancel it or wait for it");
    let canceled = false;
    const cancel = new Promise<never>((_, reject) => {
      current = { reject: (e) => { canceled = true; reject(e); } };
    });
    cancel.catch(() => {});
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    try {
      const symbols = typeof request.symbols === "string" ? [request.symbols] : [...request.symbols];
      if (symbols.length === 0) throw new Error("choose at least one symbol");
      const bars: BarSeries[] = [];
      for (const symbol of symbols) {
        bars.push(await Promise.race([remote.bars(request.dataset, symbol), cancel]));
        if (canceled) throw new CanceledError();
      }
      const { dataset: _dataset, symbols: _symbols, ...rest } = request;
      const job: BacktestJob = { ...rest, bars };
      // the watchdog: re-armed by every progress message; when it fires, the worker is replaced
      const ms = options?.watchdogMs;
      let last = 0;
      let arm = () => {};
      const stalled = new Promise<never>((_, reject) => {
        if (!ms) return;
        arm = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => {
            stopBacktester();
            reject(new WatchdogError(ms / 1000, last));
          }, ms);
        };
      });
      stalled.catch(() => {});
      const progress = onProgress || ms ? Comlink.proxy((f: number) => { last = f; arm(); onProgress?.(f); }) : undefined;
      const run = backtester().remote.run(Comlink.transfer(job, bars.flatMap(barBuffers)), progress);
      arm();
      return (await Promise.race([run, cancel, stalled])) as BacktestResult;
    } finally {
      clearTimeout(watchdog);
      current = undefined;
    }
  }

  // ---- sweeps: their own pool of backtest workers, terminated when the sweep ends ----
  let sweepState: { stop: (e: unknown) => void } | undefined;

  async function sweep(request: SweepRequest, onProgress?: (done: number, total: number) => void): Promise<SweepResult> {
    if (sweepState) throw new Error("a sweep is already running; cancel it or wait for it");
    const pool: { worker: Worker; remote: Comlink.Remote<BacktestApi> }[] = [];
    let stopped: unknown;
    const cancel = new Promise<never>((_, reject) => {
      sweepState = { stop: (e) => { stopped = e; reject(e); } };
    });
    cancel.catch(() => {});
    const race = <T>(p: Promise<T>) => Promise.race([p, cancel]);
    try {
      const symbols = typeof request.symbols === "string" ? [request.symbols] : [...request.symbols];
      if (symbols.length === 0) throw new Error("choose at least one symbol");
      const total = request.paramSets.length * (request.ranges?.length ?? 1);
      const runs: SweepRun[] = new Array(total);
      if (total === 0) return { runs, workers: 0 };
      const bars: BarSeries[] = [];
      for (const symbol of symbols) bars.push(await race(remote.bars(request.dataset, symbol)));
      const cores = typeof navigator !== "undefined" && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 2;
      const n = Math.max(1, Math.min(request.workers ?? Math.min(cores, 4), total, 16));
      for (let i = 0; i < n; i++) {
        const w = new Worker(import.meta.resolve("./backtest.worker.js"), { type: "module", name: `sweep-${i + 1}` });
        pool.push({ worker: w, remote: Comlink.wrap<BacktestApi>(w) });
      }
      // a copy of the bars to each worker (structured clone); the last one gets the page's by transfer
      await race(Promise.all(pool.map((p, i) => p.remote.setBars(i === n - 1 ? Comlink.transfer(bars, bars.flatMap(barBuffers)) : bars))));
      const { dataset: _d, symbols: _s, paramSets, workers: _w, ranges, ...settings } = request;
      let next = 0;
      let done = 0;
      const drain = async (p: (typeof pool)[number]) => {
        while (next < total && stopped === undefined) {
          const i = next++;
          const job: SweepJob = ranges
            ? { ...settings, params: paramSets[i % paramSets.length], range: ranges[Math.floor(i / paramSets.length)] }
            : { ...settings, params: paramSets[i] };
          runs[i] = await p.remote.sweepRun(job);
          done++;
          onProgress?.(done, total);
        }
      };
      await race(Promise.all(pool.map(drain)));
      return { runs, workers: n };
    } finally {
      sweepState = undefined;
      for (const p of pool) {
        p.remote[Comlink.releaseProxy]();
        p.worker.terminate();
      }
    }
  }

  return Object.freeze({
    init: () => remote.init(),
    loadUrl: (name: string, url: string, options?: LoadOptions) => remote.loadUrl(name, absolute(url), options),
    loadFile: (name: string, file: File, options?: LoadOptions) => remote.loadFile(name, file, options),
    table: (name: string) => remote.table(name),
    validate: (name: string, limit?: number) => remote.validate(name, limit),
    resample: (name: string, timeframe: Parameters<EngineApi["resample"]>[1], as: string) => remote.resample(name, timeframe, as),
    bars: (name: string, symbol?: string) => remote.bars(name, symbol),
    query: (sql: string) => remote.query(sql),
    tables: () => remote.tables(),
    strategies: () => (strategyList ??= backtester().remote.strategies().catch((e: unknown) => {
      strategyList = undefined;
      throw e;
    })),
    describeStrategy,
    backtest,
    running: () => current !== undefined,
    cancelBacktest: () => {
      if (!current) return false;
      stopBacktester();
      current.reject(new CanceledError());
      return true;
    },
    sweep,
    sweeping: () => sweepState !== undefined,
    cancelSweep: () => {
      if (!sweepState) return false;
      sweepState.stop(new CanceledError());
      return true;
    },
    terminate: () => {
      sweepState?.stop(new CanceledError());
      current?.reject(new CanceledError());
      stopBacktester();
      stopInspector();
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  });
}
