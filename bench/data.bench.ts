/**
 * Data-layer throughput: loading 10,000,000 rows of Parquet into BarSeries in Node (readBars, and
 * importBars which also validates every row) and resampling them (resampleBars, 1m -> 1h and 1d).
 * The Parquet file is written once to os.tmpdir() by DuckDB and removed afterwards.
 * Run alone: `node --expose-gc --import tsx bench/data.bench.ts` (prints one JSON document).
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { quotedString } from "@duckdb/node-api";
import { readBars } from "../engine/node/readBars.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { importBars } from "../data-loaders/importBars.js";
import { resampleBars } from "../data-loaders/resample.js";

const ROWS = Number(process.env.DATA_BENCH_ROWS ?? 10_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function timed<T>(fn: () => Promise<T>): Promise<{ s: number; out: T }> {
  gc();
  const t0 = performance.now();
  const out = await fn();
  return { s: (performance.now() - t0) / 1000, out };
}

/** Writes ROWS one-minute bars of one symbol (canonical: symbol, time BIGINT ms, OHLCV DOUBLE). */
async function writeFile(file: string): Promise<void> {
  await withDuckDB((db) => db.run(
    `COPY (SELECT 'BENCH' AS symbol, CAST(1577836800000 + i * 60000 AS BIGINT) AS time,
       p AS open, p + 1 AS high, p - 1 AS low, p + 0.5 AS close, CAST(1 + i % 10 AS DOUBLE) AS volume
     FROM (SELECT i, 100 + (i % 1000) * 0.01 AS p FROM range(${ROWS}) AS t(i)) AS g)
     TO ${quotedString(file)} (FORMAT parquet, COMPRESSION zstd)`).then(() => undefined));
}

export async function dataBench(): Promise<Record<string, unknown>> {
  const file = join(tmpdir(), `data-bench-${ROWS}-${process.pid}.parquet`);
  try {
    const write = await timed(() => writeFile(file));
    const read = await timed(() => readBars(file, { symbol: "BENCH" }));
    const series = read.out;
    const imported = await timed(() => importBars(file));
    const importedRows = imported.out.series[0]!.length;
    imported.out = undefined as never; // let the second copy go before resampling
    const hourly = await timed(() => resampleBars(series, "1h"));
    const daily = await timed(() => resampleBars(series, "1d"));
    const rss = process.memoryUsage().rss;
    const perSecond = (s: number) => Math.round(ROWS / s);
    return {
      rows: ROWS,
      writeParquetSeconds: round(write.s),
      readBars: { seconds: round(read.s), rowsPerSecond: perSecond(read.s) },
      importBars: { seconds: round(imported.s), rowsPerSecond: perSecond(imported.s), rows: importedRows, note: "read + validationSql over every row" },
      resample1h: { seconds: round(hourly.s), rowsPerSecond: perSecond(hourly.s), bars: hourly.out.length },
      resample1d: { seconds: round(daily.s), rowsPerSecond: perSecond(daily.s), bars: daily.out.length },
      rssMB: Math.round(rss / 2 ** 20),
    };
  } finally {
    if (existsSync(file)) await rm(file);
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  dataBench().then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
