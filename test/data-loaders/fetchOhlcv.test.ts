import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BarSeries } from "../../engine/bars.ts";
import { ExchangeError, InputError } from "../../engine/errors.ts";
import { runFetch } from "../../data-loaders/fetchCommand.ts";
import { fetchOhlcv, readStoredOhlcv, type FetchOhlcvOptions } from "../../data-loaders/fetchOhlcv.ts";
import { partitionDir } from "../../data-loaders/parquetStore.ts";
import { barsBetween, generatedMinutes, generatedSeries, HAS_SHARED_BINANCE, loadSharedBtcusdt, SHARED_BINANCE_DIR } from "../fixtures/binanceData.ts";
import { binanceClient, startBinanceSimulator, type BinanceSimulator, type SimulatorOptions } from "../fixtures/binanceSimulator.ts";

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
// Three generated days with a 45-minute outage on day 2.
const GAP: [number, number] = [T0 + DAY + 600 * MIN, T0 + DAY + 645 * MIN];
const GEN = generatedMinutes(T0, T0 + 3 * DAY, [GAP]);
const GEN_SERIES = generatedSeries(GEN);
const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 100 };

let sim: BinanceSimulator | undefined;
const roots: string[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

async function start(options: SimulatorOptions) {
  sim = await startBinanceSimulator(options);
  return sim;
}

async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "fetch-ohlcv-"));
  roots.push(root);
  return root;
}

const klineRequests = () => sim!.requests.filter((r) => r.path === "/api/v3/klines");

/** Same bars bit for bit: every column's bytes are equal. */
function expectSameBars(got: BarSeries, want: BarSeries): void {
  expect(got.length).toBe(want.length);
  for (const k of ["time", "open", "high", "low", "close", "volume"] as const) {
    const a = Buffer.from(got[k].buffer, got[k].byteOffset, got[k].byteLength);
    const b = Buffer.from(want[k].buffer, want[k].byteOffset, want[k].byteLength);
    if (!a.equals(b)) expect(Array.from(got[k]), k).toEqual(Array.from(want[k]));
  }
}

/** No duplicate and no missing minute other than the exchange's own gaps: consecutive times step by one minute except across `gaps`. */
function expectContiguous(s: BarSeries, gaps: ReadonlyArray<readonly [number, number]> = []): void {
  for (let i = 1; i < s.length; i++) {
    const step = s.time[i]! - s.time[i - 1]!;
    if (step !== MIN) expect(gaps.some(([a, b]) => s.time[i - 1]! + MIN === a && s.time[i]! === b), `step ${step} at ${s.time[i]}`).toBe(true);
  }
}

function base(root: string, over: Partial<FetchOhlcvOptions> = {}): FetchOhlcvOptions {
  return {
    exchange: binanceClient(sim!.url), symbol: "BTC/USDT", timeframe: "1m", since: T0, until: T0 + 3 * DAY, root,
    retry: FAST_RETRY, ...over,
  };
}

describe("fetchOhlcv on generated bars (never skipped)", () => {
  it("downloads three days into Parquet that reads back equal to the source, outage gap included", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    const result = await fetchOhlcv(base(root, { pagesPerFile: 2 }));
    expect(result.rows).toBe(GEN_SERIES.length);
    expect(result).toMatchObject({ from: T0, to: T0 + 3 * DAY });
    expect(result.files.length).toBe(3); // 5 pages of 1000 → files of 2, 2 and 1 pages
    const stored = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
    expectSameBars(stored, GEN_SERIES);
    expect(stored).toMatchObject({ symbol: "BTC/USDT", timeframe: "1m" });
    expectContiguous(stored, [GAP]);
    const dir = partitionDir(root, "binance", "BTC/USDT", "1m");
    expect(dir).toBe(join(root, "exchange=binance", "symbol=BTC-USDT", "timeframe=1m"));
    const names = (await readdir(dir)).sort();
    expect(names.every((n) => /^\d+-\d+\.parquet$/.test(n))).toBe(true);
    // the chunks tile the range: each file starts where the previous one ended
    const spans = names.map((n) => n.replace(".parquet", "").split("-").map(Number)).sort((a, b) => a[0]! - b[0]!);
    expect(spans[0]![0]).toBe(T0);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1]);
  });

  it("never leaves a half-written file: chunks appear by rename, and a stale temp file of a killed run is ignored and removed", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    const dir = partitionDir(root, "binance", "BTC/USDT", "1m");
    await mkdir(dir, { recursive: true });
    const stale = join(dir, `.${T0}-${T0 + DAY}.parquet.tmp-99999-abc`);
    await writeFile(stale, "PAR1 half a file");
    expect((await readStoredOhlcv(root, "binance", "BTC/USDT", "1m")).length).toBe(0);
    const seen: string[][] = [];
    await fetchOhlcv(base(root, { pagesPerFile: 1, onProgress: (p) => { if (p.kind === "file") seen.push(readdirSync(dir)); } }));
    for (const names of seen) expect(names.filter((n) => !/^\d+-\d+\.parquet$/.test(n))).toEqual([]);
    expect(existsSync(stale)).toBe(false);
  });

  it("asks for nothing again once the range is stored", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    await fetchOhlcv(base(root));
    sim!.requests.length = 0;
    const again = await fetchOhlcv(base(root));
    expect(again).toMatchObject({ rows: 0, files: [] });
    expect(sim!.requests).toHaveLength(0);
  });

  it("interrupted by an abort and resumed equals a single full download", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const whole = await freshRoot();
    await fetchOhlcv(base(whole));
    const single = await readStoredOhlcv(whole, "binance", "BTC/USDT", "1m");

    const root = await freshRoot();
    const abort = new AbortController();
    const first = fetchOhlcv(base(root, {
      signal: abort.signal, pagesPerFile: 10,
      onProgress: (p) => { if (p.kind === "page" && p.pages === 2) abort.abort(new Error("stopped by the test")); },
    }));
    await expect(first).rejects.toThrow("stopped by the test");
    const partial = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
    expect(partial.length).toBe(2000); // the two pages received before the abort were kept
    const requestsBefore = klineRequests().length;
    const second = await fetchOhlcv(base(root));
    expect(second.rows).toBe(single.length - 2000);
    expect(klineRequests()[requestsBefore]!.query.startTime).toBe(String(partial.time[1999]! + MIN));
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), single);
  });

  it("after a hard failure midway (retries exhausted), a second run completes it to equal a single full download", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    sim!.faults.fail(503, { path: "/api/v3/klines", skip: 3, times: Infinity });
    const err = await fetchOhlcv(base(root, { retry: { ...FAST_RETRY, maxRetries: 2 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeError);
    expect(err).toMatchObject({ code: "RETRIES_EXHAUSTED", context: { exchange: "binance", symbol: "BTC/USDT", page: 4 } });
    expect((err as Error).message).toMatch(/binance BTC\/USDT 1m, page 4 .*3 attempts/);
    expect((await readStoredOhlcv(root, "binance", "BTC/USDT", "1m")).length).toBe(3000);
    sim!.faults.clear();
    await fetchOhlcv(base(root));
    const stored = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
    expectSameBars(stored, GEN_SERIES);
    expectContiguous(stored, [GAP]);
  });

  it("retries 429 (waiting out Retry-After), 418, 500, 503 and a timeout with back-off, and the result is still complete", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    sim!.faults
      .fail(429, { path: "/api/v3/klines", retryAfter: 1 })
      .fail(500, { path: "/api/v3/klines", skip: 1, times: 2 })
      .fail(418, { path: "/api/v3/klines", skip: 3 })
      .fail(503, { path: "/api/v3/klines", skip: 4, body: "<html>503 Service Temporarily Unavailable</html>" })
      .delay(700, { path: "/api/v3/klines", skip: 5 });
    const retries: Array<{ attempt: number; delayMs: number; error: string }> = [];
    const t = performance.now();
    await fetchOhlcv(base(root, {
      exchange: binanceClient(sim!.url, { timeout: 400 }),
      onProgress: (p) => { if (p.kind === "retry") retries.push(p.retry!); },
    }));
    expect(performance.now() - t).toBeGreaterThanOrEqual(1000);
    expect(retries.map((r) => r.error.split(":")[0])).toEqual(
      ["DDoSProtection", "OperationFailed", "OperationFailed", "DDoSProtection", "ExchangeNotAvailable", "RequestTimeout"]);
    // all six hit the first page: Retry-After (1 s) beats the 10 ms back-off, which then doubles per attempt up to the 100 ms cap
    expect(retries.map((r) => r.delayMs)).toEqual([1000, 20, 40, 80, 100, 100]);
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), GEN_SERIES);
  });

  it("retries a connection dropped in the middle of a page", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    sim!.faults.drop({ path: "/api/v3/klines", skip: 2, times: 2 });
    const retries: string[] = [];
    await fetchOhlcv(base(root, { onProgress: (p) => { if (p.kind === "retry") retries.push(p.retry!.error); } }));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/SocketError/);
    expect(klineRequests().filter((r) => r.fault === "drop")).toHaveLength(2);
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), GEN_SERIES);
  });

  it("fails fast on an unknown symbol with an InputError naming exchange, symbol and page, and requests no klines", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    const err = await fetchOhlcv(base(root, { symbol: "NOPE/USDT" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: "UNKNOWN_SYMBOL", context: { exchange: "binance", symbol: "NOPE/USDT", page: 1 } });
    expect((err as Error).message).toContain("binance NOPE/USDT 1m, page 1");
    expect(sim!.requests.map((r) => r.path)).toEqual(["/api/v3/exchangeInfo"]);
  });

  it("fails fast, after one request, when the exchange answers -1121 Invalid symbol for a symbol delisted since loadMarkets", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    const exchange = binanceClient(sim!.url);
    await exchange.loadMarkets();
    sim!.state.delist("BTCUSDT");
    const err = await fetchOhlcv(base(root, { exchange })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "InputError", code: "UNKNOWN_SYMBOL" });
    expect((err as Error).message).toContain("Invalid symbol");
    expect(klineRequests()).toHaveLength(1);
  });

  it("fails fast on a non-transient exchange error (HTTP 400 {code:-1100}) without retrying", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    sim!.faults.fail(400, { path: "/api/v3/klines", skip: 1, body: { code: -1100, msg: "Illegal characters found in parameter 'startTime'." } });
    const err = await fetchOhlcv(base(root)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "InputError", code: "BAD_REQUEST", context: { page: 2 } });
    expect(klineRequests()).toHaveLength(2);
  });

  it("gives up at once on a Retry-After longer than allowed (an IP ban), without waiting", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    sim!.faults.fail(418, { path: "/api/v3/klines", retryAfter: 3600 });
    const t = performance.now();
    const err = await fetchOhlcv(base(root)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ExchangeError", code: "BANNED" });
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it("does not store bars that have not closed, and a later call continues with them once they have", async () => {
    let now = T0 + 100 * MIN + 30_000; // minute 100 is running
    await start({ bars: { BTCUSDT: GEN }, now: () => now });
    const root = await freshRoot();
    const first = await fetchOhlcv(base(root, { exchange: binanceClient(sim!.url), until: T0 + DAY, now: () => now }));
    expect(first).toMatchObject({ rows: 100, to: T0 + 100 * MIN });
    const stored = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
    expect(stored.time.at(-1)).toBe(T0 + 99 * MIN);
    now = T0 + 200 * MIN;
    const second = await fetchOhlcv(base(root, { until: T0 + DAY, now: () => now }));
    expect(second.rows).toBe(100);
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), barsBetween(GEN_SERIES, T0, T0 + 200 * MIN));
  });

  it("fills a range earlier than what is stored without refetching the stored part", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    await fetchOhlcv(base(root, { since: T0 + DAY }));
    sim!.requests.length = 0;
    await fetchOhlcv(base(root));
    expect(klineRequests().every((r) => Number(r.query.endTime) < T0 + DAY)).toBe(true);
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), GEN_SERIES);
  });

  it("stores other timeframes from the exchange's own aggregation", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    await fetchOhlcv(base(root, { timeframe: "1h" }));
    const hours = await readStoredOhlcv(root, "binance", "BTC/USDT", "1h");
    expect(hours.length).toBe(72);
    expect(hours.open[1]).toBe(GEN_SERIES.open[60]);
    expect(hours.close[0]).toBe(GEN_SERIES.close[59]);
  });

  it("refuses bad options with InputErrors that say how to fix them", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    await expect(fetchOhlcv(base(root, { timeframe: "7m" }))).rejects.toMatchObject({ code: "BAD_TIMEFRAME" });
    await expect(fetchOhlcv(base(root, { until: T0 }))).rejects.toMatchObject({ code: "EMPTY_RANGE" });
    await expect(fetchOhlcv(base(root, { exchange: "nosuchexchange" }))).rejects.toMatchObject({ code: "UNKNOWN_EXCHANGE" });
    expect(sim!.requests).toHaveLength(0);
  });

  it("runs as `data fetch` against the simulator through --api-url, with progress on stderr", async () => {
    await start({ bars: { BTCUSDT: GEN } });
    const root = await freshRoot();
    const out: string[] = [], err: string[] = [];
    const code = await runFetch(["fetch", "--exchange", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m",
      "--since", "2024-01-01", "--until", "2024-01-04", "--out", root, "--api-url", sim!.url],
      { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(err.some((l) => /page 1, 1000 bars/.test(l))).toBe(true);
    expect(out.join("\n")).toMatch(/binance BTC\/USDT 1m: \d+ new bars in 1 file/);
    expectSameBars(await readStoredOhlcv(root, "binance", "BTC/USDT", "1m"), GEN_SERIES);
    const bad: string[] = [];
    expect(await runFetch(["fetch", "--exchange", "binance", "--symbol", "BTC/USDT"], { out: () => {}, err: (s) => bad.push(s) })).toBe(2);
    expect(bad.join("\n")).toContain("missing --timeframe, --since, --until, --out");
    expect(await runFetch(["fetch", "--exchange", "binance", "--symbol", "NOPE/USDT", "--timeframe", "1m", "--since", "2024-01-01",
      "--until", "2024-01-02", "--out", root, "--api-url", sim!.url], { out: () => {}, err: () => {} })).toBe(2);
  });
});

describe.skipIf(!HAS_SHARED_BINANCE)(
  `fetchOhlcv on real Binance BTCUSDT 1m klines${HAS_SHARED_BINANCE ? "" : ` (skipped: ${SHARED_BINANCE_DIR} is absent)`}`, () => {
    let real: BarSeries;
    beforeAll(async () => {
      real = await loadSharedBtcusdt();
    });

    it("a full download of 2024-12-30 to 2025-01-02 (across Binance's ms→µs switch) equals the source bars exactly", async () => {
      await start({ bars: { BTCUSDT: real } });
      const root = await freshRoot();
      const since = Date.UTC(2024, 11, 30), until = Date.UTC(2025, 0, 3);
      const t = performance.now();
      const result = await fetchOhlcv(base(root, { since, until }));
      const seconds = (performance.now() - t) / 1000;
      const want = barsBetween(real, since, until);
      expect(want.length).toBe(4 * 1440);
      expect(result.rows).toBe(want.length);
      const stored = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
      expectSameBars(stored, want);
      expectContiguous(stored);
      console.info(`simulated download: ${result.rows} bars in ${seconds.toFixed(2)} s = ${Math.round(result.rows / seconds)} bars/s`);
    });

    it("the March 2020 crash week, interrupted twice (abort, then a persistent 5xx) and resumed, equals a single full download bit for bit", async () => {
      await start({ bars: { BTCUSDT: real } });
      const since = Date.UTC(2020, 2, 9), until = Date.UTC(2020, 2, 16);
      const whole = await freshRoot();
      await fetchOhlcv(base(whole, { since, until }));
      const single = await readStoredOhlcv(whole, "binance", "BTC/USDT", "1m");
      expectSameBars(single, barsBetween(real, since, until));

      const root = await freshRoot();
      const abort = new AbortController();
      await expect(fetchOhlcv(base(root, {
        since, until, signal: abort.signal, pagesPerFile: 1,
        onProgress: (p) => { if (p.kind === "page" && p.pages === 3) abort.abort(new Error("interrupted")); },
      }))).rejects.toThrow("interrupted");
      sim!.faults.fail(502, { path: "/api/v3/klines", skip: 2, times: Infinity, body: "<html>502 Bad Gateway</html>" });
      await expect(fetchOhlcv(base(root, { since, until, retry: { ...FAST_RETRY, maxRetries: 1 } }))).rejects.toMatchObject({ code: "RETRIES_EXHAUSTED" });
      sim!.faults.clear();
      await fetchOhlcv(base(root, { since, until }));
      const resumed = await readStoredOhlcv(root, "binance", "BTC/USDT", "1m");
      expectSameBars(resumed, single);
      expectContiguous(resumed);
    });
  });
