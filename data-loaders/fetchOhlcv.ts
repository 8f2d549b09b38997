import ccxt, { type Exchange } from "ccxt";
import { barSeries } from "../engine/bars.js";
import { errorClass, isTransient, retryAfterMs } from "../engine/node/ccxtErrors.js";
import { ExchangeError, InputError } from "../engine/errors.js";
import { formatTime } from "../engine/time.js";
import { listChunks, missingRanges, partitionDir, readStoredOhlcv, removeStaleTemps, writeChunk } from "./parquetStore.js";

export { readStoredOhlcv } from "./parquetStore.js";

/** How failed requests are retried. Only transient failures are: see isTransient. */
export interface RetryOptions {
  /** Retries per request after the first attempt (default 6). */
  maxRetries?: number;
  /** First back-off delay in ms; it doubles on every retry (default 500). */
  baseDelayMs?: number;
  /** Cap of the exponential delay in ms (default 30 000). */
  maxDelayMs?: number;
  /** Longest Retry-After (429/418) that is waited out, in ms; a longer one (an IP ban) fails at once (default 120 000). */
  maxRetryAfterMs?: number;
}

export interface FetchProgress {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  /** "page" after each page received, "file" after each chunk file written, "retry" before a back-off wait. */
  readonly kind: "page" | "file" | "retry";
  /** Pages received in this call. */
  readonly pages: number;
  /** Bars received (and kept) in this call. */
  readonly rows: number;
  /** Next open time to fetch. */
  readonly cursor: number;
  readonly since: number;
  readonly until: number;
  readonly file?: string;
  readonly retry?: { readonly attempt: number; readonly delayMs: number; readonly error: string };
}

export interface FetchOhlcvOptions {
  /** A ccxt exchange instance (tests pass one pointed at the simulator), or a ccxt exchange id such as "binance". */
  exchange: Exchange | string;
  /** Unified ccxt symbol, e.g. "BTC/USDT". */
  symbol: string;
  /** ccxt timeframe, e.g. "1m", "1h", "1d". */
  timeframe: string;
  /** First bar open time to fetch (UTC ms, inclusive). */
  since: number;
  /** End of the range (UTC ms, exclusive): bars opening at or after it are not fetched. */
  until: number;
  /** Data folder holding the partitioned store. */
  root: string;
  onProgress?: (p: FetchProgress) => void;
  /** Aborting stops before the next request; pages already received are written first. */
  signal?: AbortSignal;
  /** Bars per request (default 1000, Binance's maximum). */
  limit?: number;
  /** Pages per Parquet file (default 50: 50 000 one-minute bars). */
  pagesPerFile?: number;
  retry?: RetryOptions;
  /** Clock deciding which bars have closed (default Date.now). */
  now?: () => number;
}

export interface FetchOhlcvResult {
  /** Bars written by this call. */
  rows: number;
  /** Files written by this call. */
  files: string[];
  /** `since` as given. */
  from: number;
  /** The partition is complete from `from` up to this time (exclusive): `until`, or earlier when later bars have not closed yet. */
  to: number;
}

type Candle = [number, number, number, number, number, number];

/**
 * Downloads OHLCV bars of [since, until) with ccxt's `fetchOHLCV` into the Parquet store under
 * `root` (see parquetStore.ts), page by page through ccxt's rate limiter (`enableRateLimit`).
 *
 * Resumable: what the partition already covers is not fetched again, so a call after an
 * interrupted one continues after the last stored bar, and the union has no duplicates and no gaps.
 * Bars that have not closed (open time + timeframe > now) are not stored.
 *
 * Transient failures (ccxt NetworkError: RequestTimeout, ExchangeNotAvailable, DDoSProtection /
 * RateLimitExceeded; ccxt OperationFailed such as Binance's -1001 "try again"; a dropped connection)
 * are retried with capped exponential back-off, waiting at least Retry-After when the answer has
 * one. Anything else fails at once: an unknown symbol or a bad request is an InputError, any other
 * refusal an ExchangeError; both name the exchange, the symbol and the page.
 *
 * @example
 * await fetchOhlcv({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1m",
 *   since: Date.UTC(2024, 11, 30), until: Date.UTC(2025, 0, 2), root: "data" });
 */
export async function fetchOhlcv(options: FetchOhlcvOptions): Promise<FetchOhlcvResult> {
  const { symbol, timeframe, since, until, root, signal } = options;
  const exchange = typeof options.exchange === "string" ? createExchange(options.exchange) : options.exchange;
  const id = exchange.id;
  const limit = options.limit ?? 1000;
  const pagesPerFile = options.pagesPerFile ?? 50;
  const now = options.now ?? Date.now;
  checkOptions(options, id, exchange, limit, pagesPerFile);
  const step = exchange.parseTimeframe(timeframe) * 1000;
  const retry = { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, ...options.retry };

  // Bars whose open time is below `end` have closed; the range ends there.
  const end = Math.min(until, Math.floor(now() / step) * step);
  const dir = partitionDir(root, id, symbol, timeframe);
  await removeStaleTemps(dir);
  const ranges = end > since ? missingRanges(await listChunks(dir), since, end) : [];

  const files: string[] = [];
  let rowsTotal = 0, pages = 0;
  let cursor = since;
  const progress = (kind: FetchProgress["kind"], extra: Partial<FetchProgress> = {}) =>
    options.onProgress?.({ exchange: id, symbol, timeframe, kind, pages, rows: rowsTotal, cursor, since, until, ...extra });
  const context = () => ({ exchange: id, symbol, timeframe, page: pages + 1, since: cursor });
  const where = () => `${id} ${symbol} ${timeframe}, page ${pages + 1} (bars from ${formatTime(cursor)})`;

  if (ranges.length > 0) {
    await attempt(() => exchange.loadMarkets(), retry, signal, where, context, (a, d, e) => progress("retry", { retry: { attempt: a, delayMs: d, error: e } }), exchange);
  }

  for (const [rangeFrom, rangeTo] of ranges) {
    cursor = rangeFrom;
    let chunkFrom = rangeFrom;
    let buffer: Candle[] = [];
    let chunkPages = 0;
    const flush = async () => {
      if (buffer.length > 0) {
        const file = await writeChunk(dir, chunkFrom, cursor, toSeries(buffer, symbol, timeframe, id));
        files.push(file);
        progress("file", { file });
      }
      buffer = [];
      chunkPages = 0;
      chunkFrom = cursor;
    };
    try {
      while (cursor < rangeTo) {
        signal?.throwIfAborted();
        const page = await attempt(
          () => exchange.fetchOHLCV(symbol, timeframe, cursor, limit, { until: rangeTo - 1 }) as Promise<Candle[]>,
          retry, signal, where, context, (a, d, e) => progress("retry", { retry: { attempt: a, delayMs: d, error: e } }), exchange);
        const rows = page.filter((r) => r[0] >= cursor && r[0] < rangeTo);
        if (rows.length === 0) {
          cursor = rangeTo; // nothing more in this range on the exchange
          break;
        }
        const last = rows[rows.length - 1]![0];
        for (const r of rows) buffer.push([r[0], r[1], r[2], r[3], r[4], r[5] ?? 0]);
        pages++;
        rowsTotal += rows.length;
        cursor = last + step;
        progress("page");
        if (++chunkPages >= pagesPerFile) await flush();
      }
      await flush();
    } catch (e) {
      // Whole pages received before the failure are kept, so the next call resumes after them.
      await flush().catch(() => undefined);
      throw e;
    }
  }
  return { rows: rowsTotal, files, from: since, to: Math.max(since, end) };
}

function checkOptions(o: FetchOhlcvOptions, id: string, exchange: Exchange, limit: number, pagesPerFile: number): void {
  const bad = (code: string, message: string) =>
    new InputError(code, { exchange: id, symbol: o.symbol, timeframe: o.timeframe }, message);
  if (!exchange.has["fetchOHLCV"]) throw bad("NO_OHLCV", `${id} has no OHLCV endpoint in ccxt (has.fetchOHLCV is false); pick another exchange`);
  const timeframes = Object.keys(exchange.timeframes ?? {});
  if (!timeframes.includes(o.timeframe)) {
    throw bad("BAD_TIMEFRAME", `${id} has no timeframe "${o.timeframe}"; it offers ${timeframes.join(", ")}`);
  }
  for (const [name, v] of [["since", o.since], ["until", o.until]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw bad("BAD_TIME", `${name} is ${v}; give it as UTC epoch milliseconds (an integer >= 0)`);
  }
  if (o.since >= o.until) {
    throw bad("EMPTY_RANGE", `since (${formatTime(o.since)}) is not before until (${formatTime(o.until)}); until is exclusive and must be later`);
  }
  if (!Number.isInteger(limit) || limit < 1) throw bad("BAD_LIMIT", `limit is ${limit}; it must be a whole number of bars >= 1`);
  if (!Number.isInteger(pagesPerFile) || pagesPerFile < 1) throw bad("BAD_PAGES_PER_FILE", `pagesPerFile is ${pagesPerFile}; it must be a whole number >= 1`);
}

/** A ccxt exchange by id, rate limiter on. */
export function createExchange(id: string, config: Record<string, unknown> = {}): Exchange {
  const Class = (ccxt as unknown as Record<string, unknown>)[id];
  if (!(ccxt.exchanges as string[]).includes(id) || typeof Class !== "function") {
    const near = (ccxt.exchanges as string[]).filter((x) => x.startsWith(id.slice(0, 3))).slice(0, 8);
    throw new InputError("UNKNOWN_EXCHANGE", { exchange: id },
      `ccxt has no exchange "${id}"${near.length ? `; similar ids: ${near.join(", ")}` : ""} (ccxt ids are lower case, e.g. binance)`);
  }
  return new (Class as new (c: Record<string, unknown>) => Exchange)({ enableRateLimit: true, ...config });
}

function toSeries(rows: readonly Candle[], symbol: string, timeframe: string, id: string) {
  const n = rows.length;
  const cols = Array.from({ length: 6 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let c = 0; c < 6; c++) cols[c]![i] = rows[i]![c]!;
  try {
    return barSeries({ symbol, timeframe, time: cols[0]!, open: cols[1]!, high: cols[2]!, low: cols[3]!, close: cols[4]!, volume: cols[5]! });
  } catch (e) {
    if (e instanceof InputError) {
      throw new ExchangeError("BAD_CANDLES", { ...e.context, exchange: id, symbol },
        `${id} sent candles for ${symbol} ${timeframe} that are not valid bars: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Retries

async function attempt<T>(
  fn: () => Promise<T>, retry: Required<RetryOptions>, signal: AbortSignal | undefined, where: () => string,
  context: () => Record<string, string | number>, onRetry: (attempt: number, delayMs: number, error: string) => void, exchange: Exchange,
): Promise<T> {
  for (let n = 0; ; n++) {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const message = e instanceof Error ? e.message : String(e);
      if (!isTransient(e)) throw classify(e, where(), context());
      const after = retryAfterMs(e, exchange);
      if (after !== undefined && after > retry.maxRetryAfterMs) {
        throw new ExchangeError("BANNED", { ...context(), retryAfterMs: after },
          `${where()}: the exchange asks to wait ${Math.round(after / 1000)} s (Retry-After) before the next request, ` +
          `longer than maxRetryAfterMs (${retry.maxRetryAfterMs}); run again later: ${message}`, { cause: e });
      }
      if (n >= retry.maxRetries) {
        throw new ExchangeError("RETRIES_EXHAUSTED", { ...context(), attempts: n + 1 },
          `${where()}: still failing after ${n + 1} attempts (${errorClass(e)}: ${message}); ` +
          `the stored bars are kept, so run the same command again to resume`, { cause: e });
      }
      const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** n);
      const delay = Math.max(backoff, after ?? 0);
      onRetry(n + 1, delay, `${errorClass(e)}: ${message}`);
      await sleep(delay, signal);
    }
  }
}


/** A non-transient failure as an InputError (the request was wrong) or an ExchangeError (the venue refused). */
function classify(e: unknown, where: string, context: Record<string, string | number>): Error {
  if (!(e instanceof ccxt.BaseError)) return e instanceof Error ? e : new Error(String(e));
  const message = e.message;
  if (e instanceof ccxt.BadSymbol) {
    return new InputError("UNKNOWN_SYMBOL", context,
      `${where}: the exchange does not list ${context.symbol} (${message}); give a unified ccxt symbol that it trades, e.g. BTC/USDT`, { cause: e });
  }
  if (e instanceof ccxt.BadRequest || e instanceof ccxt.ArgumentsRequired || e instanceof ccxt.NotSupported) {
    return new InputError("BAD_REQUEST", context, `${where}: the exchange refused the request (${errorClass(e)}: ${message}); check the options`, { cause: e });
  }
  return new ExchangeError("EXCHANGE_ERROR", context, `${where}: ${errorClass(e)}: ${message}`, { cause: e });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
