import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as aq from "arquero";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { barSeries, type BarSeries } from "../../engine/bars.js";
import { resampleSql, type ResampleTimeframe } from "../../engine/data/resampleSql.js";
import { readBars } from "../../engine/node/readBars.js";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../../engine/time.js";
import { resampleBars } from "../../data-loaders/resample.js";
import { loadSeriesWasm, openWasmDuckDB, wasmColumns } from "./wasmDuckDB.js";

const SHARED = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../shared/data");
const BT = join(SHARED, "backtrader");
const BINANCE = join(SHARED, "crypto/binance_btcusdt_1m");

const utc = (s: string) => Date.parse(`${s}T00:00:00Z`);

/** A BarSeries from plain rows [time, open, high, low, close, volume]. */
function bars(symbol: string, rows: number[][]): BarSeries {
  const col = (i: number) => rows.map((r) => r[i]!);
  return barSeries({ symbol, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) });
}

/** Joins series of one symbol (in time order) into one. */
function concat(symbol: string, parts: readonly BarSeries[]): BarSeries {
  const join = (k: "time" | "open" | "high" | "low" | "close" | "volume") => {
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p[k], at); at += p.length; }
    return out;
  };
  return barSeries({ symbol, timeframe: "1m", time: join("time"), open: join("open"), high: join("high"), low: join("low"), close: join("close"), volume: join("volume") });
}

const plain = (s: BarSeries) => ({
  time: [...s.time], open: [...s.open], high: [...s.high], low: [...s.low], close: [...s.close], volume: [...s.volume],
});

describe("resampleSql", () => {
  it("aligns buckets to the UTC calendar: 4h from midnight, ISO weeks from Monday, months from the 1st", async () => {
    // 2024-12-31 is a Tuesday; bars every 90 minutes from 2024-12-30 22:30 UTC over two days
    const start = Date.UTC(2024, 11, 30, 22, 30);
    const rows = Array.from({ length: 40 }, (_, i) => [start + i * 90 * MINUTE_MS, 10 + i, 20 + i, 5, 11 + i, 1]);
    const s = bars("X", rows);
    const h4 = await resampleBars(s, "4h");
    for (const t of h4.time) expect(t % (4 * HOUR_MS)).toBe(0);
    expect(h4.time[0]).toBe(Date.UTC(2024, 11, 30, 20));
    const w = await resampleBars(s, "1w");
    expect([...w.time]).toEqual([Date.UTC(2024, 11, 30)]); // Monday 2024-12-30
    const m = await resampleBars(s, "1M");
    expect([...m.time]).toEqual([Date.UTC(2024, 11, 1), Date.UTC(2025, 0, 1)]);
    const d = await resampleBars(s, "1d");
    expect([...d.time]).toEqual([Date.UTC(2024, 11, 30), Date.UTC(2024, 11, 31), Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 2)]);
    // open = first open, close = last close, high = max, low = min, volume = sum, within each bucket
    const inDec31 = rows.filter((r) => r[0]! >= Date.UTC(2024, 11, 31) && r[0]! < Date.UTC(2025, 0, 1));
    expect([d.open[1], d.high[1], d.low[1], d.close[1], d.volume[1]])
      .toEqual([inDec31[0]![1], inDec31.at(-1)![2], 5, inDec31.at(-1)![4], inDec31.length]);
  });

  it("leaves out empty buckets and resamples each symbol on its own, keeping the input order", async () => {
    const a = bars("B-second", [[0 + 1e12, 1, 2, 1, 2, 1], [3 * HOUR_MS + 1e12, 3, 4, 3, 4, 1]]);
    const b = bars("A-first", [[1e12, 5, 6, 5, 6, 2]]);
    const [ra, rb] = await resampleBars([a, b], "1h");
    expect(ra!.symbol).toBe("B-second");
    expect(ra!.length).toBe(2);
    expect(rb!.symbol).toBe("A-first");
    expect(rb!.length).toBe(1);
    expect(ra!.timeframe).toBe("1h");
  });

  it("refuses a timeframe it does not know", () => {
    expect(() => resampleSql({ source: "bars", timeframe: "2h" as ResampleTimeframe })).toThrow(/cannot resample to "2h"/);
  });
});

describe.skipIf(!existsSync(SHARED))(`resampling the real files in ../shared/data (skipped: ${SHARED} is absent)`, () => {
  /** Our bars against backtrader's reference, whose bars are dated on the bucket's last trading day. */
  async function compareWithReference(timeframe: "1w" | "1M", reference: string, bucketEnd: (t: number) => number) {
    const day = await readBars(join(BT, "2006-day-001.txt"));
    const ours = await resampleBars(day, timeframe);
    const ref = await readBars(join(BT, reference));
    expect(ours.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      const dated = ref.time[i]!;
      expect(ours.time[i]!).toBeLessThanOrEqual(dated);
      expect(dated).toBeLessThan(bucketEnd(ours.time[i]!));
      expect([ours.open[i], ours.high[i], ours.low[i], ours.close[i]])
        .toEqual([ref.open[i], ref.high[i], ref.low[i], ref.close[i]]);
    }
    return ours;
  }

  it("resamples 2006-day-001.txt to weeks equal to 2006-week-001.txt, each week stamped with its Monday", async () => {
    const weeks = await compareWithReference("1w", "2006-week-001.txt", (t) => t + 7 * DAY_MS);
    for (const t of weeks.time) expect(new Date(t).getUTCDay()).toBe(1);
  });

  it("resamples 2006-day-001.txt to months equal to 2006-month-001.txt, each month stamped with its 1st", async () => {
    const months = await compareWithReference("1M", "2006-month-001.txt", (t) => {
      const d = new Date(t);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    });
    expect([...months.time]).toEqual(Array.from({ length: 12 }, (_, m) => Date.UTC(2006, m, 1)));
  });

  let minutes: BarSeries;
  beforeAll(async () => {
    if (!existsSync(BINANCE)) return;
    // the March 2020 crash week and 2024-12-30 .. 2025-01-02 (files switch from ms to µs times on 2025-01-01)
    const files = (await readdir(BINANCE)).filter((f) => /^BTCUSDT-1m-(2020|2024|2025)/.test(f)).sort();
    minutes = concat("BTCUSDT", await Promise.all(files.map((f) => readBars(join(BINANCE, f)))));
  });

  it("resamples Binance 1m bars across the ms to µs switch to 1h bars equal to an independent Arquero groupby", async () => {
    expect(minutes.length).toBe(11 * 1440);
    const hours = await resampleBars(minutes, "1h");
    const t = aq.table({ time: minutes.time, open: minutes.open, high: minutes.high, low: minutes.low, close: minutes.close, volume: minutes.volume })
      .derive({ hour: aq.escape((d: { time: number }) => Math.floor(d.time / HOUR_MS) * HOUR_MS) });
    const expected = t.groupby("hour")
      .rollup({ first: aq.op.min("time"), last: aq.op.max("time"), high: aq.op.max("high"), low: aq.op.min("low"), volume: aq.op.sum("volume") })
      .join(t.select("time", "open"), [["first"], ["time"]])
      .join(t.select({ time: "t2", close: "close" }), [["last"], ["t2"]])
      .orderby("hour");
    expect(hours.length).toBe(11 * 24);
    expect([...hours.time]).toEqual(expected.array("hour"));
    expect([...hours.open]).toEqual(expected.array("open"));
    expect([...hours.high]).toEqual(expected.array("high"));
    expect([...hours.low]).toEqual(expected.array("low"));
    expect([...hours.close]).toEqual(expected.array("close"));
    const volume = expected.array("volume") as number[];
    hours.volume.forEach((v, i) => expect(v).toBeCloseTo(volume[i]!, 6));
    // the hour after the switch starts at 2025-01-01 00:00 UTC exactly
    expect(hours.time).toContain(1735689600000);
  });

  it("resamples the Binance minutes to 5m, 1d and 1M bars that agree with each other", async () => {
    const m5 = await resampleBars(minutes, "5m");
    expect(m5.length).toBe(minutes.length / 5);
    for (const t of m5.time) expect(t % (5 * MINUTE_MS)).toBe(0);
    const days = await resampleBars(minutes, "1d");
    expect(days.length).toBe(11);
    const fromM5 = await resampleBars(m5, "1d");
    expect(plain(fromM5).open).toEqual(plain(days).open);
    expect(plain(fromM5).high).toEqual(plain(days).high);
    expect(plain(fromM5).low).toEqual(plain(days).low);
    expect(plain(fromM5).close).toEqual(plain(days).close);
    // the 2020-03-12 crash day: the low of 3,782.13 was on 2020-03-13
    expect(days.low[days.time.indexOf(utc("2020-03-13"))]).toBe(3782.13);
    const months = await resampleBars(minutes, "1M");
    expect([...months.time]).toEqual([utc("2020-03-01"), utc("2024-12-01"), utc("2025-01-01")]);
    expect(months.open[0]).toBe(minutes.open[0]);
    expect(months.close[2]).toBe(minutes.close[minutes.length - 1]);
    expect(Math.max(...months.high)).toBe(Math.max(...minutes.high));
  });

  describe("the same resample SQL on duckdb-wasm (DuckDB 1.4.3, the browser's) and @duckdb/node-api (1.5.6)", () => {
    let wasm: Awaited<ReturnType<typeof openWasmDuckDB>>;
    beforeAll(async () => {
      wasm = await openWasmDuckDB();
      const day = await readBars(join(BT, "2006-day-001.txt"), { symbol: "INDEX" });
      loadSeriesWasm(wasm, "bars", [minutes, day]);
    });
    afterAll(() => wasm?.close());

    for (const timeframe of ["5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"] as const) {
      it(`gives bit-identical ${timeframe} bars`, async () => {
        const day = await readBars(join(BT, "2006-day-001.txt"), { symbol: "INDEX" });
        const node = await resampleBars([minutes, day], timeframe);
        const w = wasmColumns(wasm, resampleSql({ source: "bars", timeframe }));
        const symbols = w.symbol as string[];
        for (const s of node) {
          const from = symbols.indexOf(s.symbol);
          const pick = (k: string) => w[k]!.slice(from, from + s.length);
          expect(symbols.lastIndexOf(s.symbol) - from + 1).toBe(s.length);
          expect(plain(s)).toEqual({ time: pick("time"), open: pick("open"), high: pick("high"), low: pick("low"), close: pick("close"), volume: pick("volume") });
        }
      });
    }
  });
});
