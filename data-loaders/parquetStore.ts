import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { barSeries, type BarSeries } from "../engine/bars.js";
import { InputError } from "../engine/errors.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { writeBarsParquet } from "../engine/node/writeBars.js";

/**
 * The downloaded-OHLCV store: Parquet files partitioned Hive-style by exchange, symbol and timeframe,
 *
 *   <root>/exchange=binance/symbol=BTC-USDT/timeframe=1m/<from>-<to>.parquet
 *
 * where [from, to) (UTC ms) is the time range the file's download covered: every bar of the
 * exchange that opens in that range is in the file, and none outside it. A range without bars on
 * the exchange (an outage) is still covered, so it is not asked for again. Files are written to a
 * temporary name and renamed, so a reader never sees half a file.
 */

/** The folder of one (exchange, symbol, timeframe) partition; "/" in a symbol becomes "-", ":" becomes "_". */
export function partitionDir(root: string, exchange: string, symbol: string, timeframe: string): string {
  const safe = (s: string) => s.replaceAll("/", "-").replaceAll(":", "_");
  return join(root, `exchange=${safe(exchange)}`, `symbol=${safe(symbol)}`, `timeframe=${safe(timeframe)}`);
}

export interface StoredChunk {
  readonly file: string;
  readonly from: number;
  readonly to: number;
}

const CHUNK_NAME = /^(\d+)-(\d+)\.parquet$/;
const TEMP_MARK = ".tmp-";

/** The chunk files of a partition folder, sorted by `from` (none when the folder does not exist). */
export async function listChunks(dir: string): Promise<StoredChunk[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [] as string[];
    throw e;
  });
  const chunks: StoredChunk[] = [];
  for (const name of names) {
    const m = CHUNK_NAME.exec(name);
    if (m) chunks.push({ file: join(dir, name), from: Number(m[1]), to: Number(m[2]) });
  }
  return chunks.sort((a, b) => a.from - b.from || a.to - b.to);
}

/** Deletes temporary files left by a run that was killed while writing. */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.includes(TEMP_MARK)).map((n) => rm(join(dir, n), { force: true })));
}

/** Parts of [from, to) that no chunk covers, in order. */
export function missingRanges(chunks: readonly StoredChunk[], from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let cursor = from;
  for (const c of chunks) {
    if (c.to <= cursor) continue;
    if (c.from >= to) break;
    if (c.from > cursor) out.push([cursor, Math.min(c.from, to)]);
    cursor = Math.max(cursor, c.to);
    if (cursor >= to) break;
  }
  if (cursor < to) out.push([cursor, to]);
  return out;
}

/**
 * Writes `bars` as the chunk [from, to) of partition `dir`, atomically (temp file + rename).
 * Returns the file's path.
 */
export async function writeChunk(dir: string, from: number, to: number, bars: BarSeries): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${from}-${to}.parquet`);
  const temp = join(dir, `.${from}-${to}.parquet${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await writeBarsParquet(temp, bars);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return file;
}

/**
 * Reads everything stored for one partition as a BarSeries (canonical columns, time = bar open
 * time in UTC ms, ascending); an empty series when nothing is stored. Overlapping chunks would give
 * a DUPLICATE_TIMESTAMP InputError naming the folder.
 *
 * @example
 * const btc = await readStoredOhlcv("data", "binance", "BTC/USDT", "1m");
 */
export async function readStoredOhlcv(root: string, exchange: string, symbol: string, timeframe: string): Promise<BarSeries> {
  const dir = partitionDir(root, exchange, symbol, timeframe);
  const chunks = await listChunks(dir);
  if (chunks.length === 0) {
    const empty = new Float64Array(0);
    return barSeries({ symbol, timeframe, time: empty, open: empty, high: empty, low: empty, close: empty, volume: empty });
  }
  const files = `[${chunks.map((c) => quotedString(c.file)).join(", ")}]`;
  const columns = await withDuckDB(async (db) => {
    const reader = await db.runAndReadAll(
      `SELECT CAST(epoch_us(time) AS DOUBLE) / 1000 AS time, CAST(open AS DOUBLE), CAST(high AS DOUBLE), CAST(low AS DOUBLE),
         CAST(close AS DOUBLE), CAST(volume AS DOUBLE) FROM read_parquet(${files}) ORDER BY time`);
    return reader.getColumns().map((col) => Float64Array.from(col as number[]));
  }).catch((e: unknown) => {
    if (e instanceof InputError) throw e;
    throw new InputError("READ_FAILED", { file: dir, row: undefined, column: undefined },
      `${dir}: the stored Parquet chunks could not be read (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); ` +
      `delete the damaged file and fetch again`, { cause: e });
  });
  const [time, open, high, low, close, volume] = columns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return barSeries({ symbol, timeframe, time, open, high, low, close, volume, source: { file: dir } });
}
