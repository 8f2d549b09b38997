/**
 * Writes seeded synthetic markets (engine/data/synthetic.ts) to Parquet or CSV through DuckDB, as
 * one long table sorted by symbol, then time: `symbol, time, open, high, low, close, volume`.
 * The Parquet file also carries key-value metadata (`synthetic`, `generator`, `seed`, ...), so the
 * file itself says that it is not real market data.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { describeSynthetic, syntheticMarket, type SyntheticDescription, type SyntheticOptions } from "../engine/data/synthetic.js";
import { syntheticSample } from "../engine/data/syntheticSamples.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { appendBars } from "./duckdbBars.js";

export interface WrittenSynthetic {
  readonly file: string;
  readonly description: SyntheticDescription;
}

/**
 * Generates `syntheticMarket(options)` and writes it to `file` as Parquet (zstd): columns symbol
 * (VARCHAR), time (TIMESTAMP, UTC bar open), open, high, low, close, volume (DOUBLE). readBars
 * reads one symbol back with `{ symbol: "SYN-A" }`, to the same numbers.
 *
 * @example
 * await writeSyntheticParquet("/tmp/syn-1h.parquet", { seed: 42, symbols: 4, timeframe: "1h", bars: 8784 });
 */
export async function writeSyntheticParquet(file: string, options: SyntheticOptions): Promise<WrittenSynthetic> {
  const description = describeSynthetic(options);
  const series = syntheticMarket(options);
  const metadata = {
    synthetic: "true", generator: description.generator, seed: String(description.seed),
    symbols: description.symbols.join(","), timeframe: description.timeframe, description: description.text,
  };
  const kv = Object.entries(metadata).map(([k, v]) => `${k}: ${quotedString(v)}`).join(", ");
  await withDuckDB(async (db) => {
    await appendBars(db, "bars", series);
    await db.run(`COPY (${selectLong()}) TO ${quotedString(file)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${kv}})`);
  });
  return { file, description };
}

/**
 * Same data as writeSyntheticParquet, as CSV with a header: `symbol,time,open,high,low,close,volume`;
 * time is `YYYY-MM-DD` for daily bars, ISO-8601 UTC otherwise; numbers in their shortest exact form.
 *
 * @example
 * await writeSyntheticCsv("/tmp/syn-1d.csv", { seed: 42, timeframe: "1d", bars: 3650 });
 */
export async function writeSyntheticCsv(file: string, options: SyntheticOptions): Promise<WrittenSynthetic> {
  const description = describeSynthetic(options);
  const series = syntheticMarket(options);
  const format = description.timeframe === "1d" ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ";
  await withDuckDB(async (db) => {
    await appendBars(db, "bars", series);
    await db.run(
      `COPY (SELECT symbol, strftime(time, '${format}') AS time, CAST(open AS VARCHAR) AS open,
         CAST(high AS VARCHAR) AS high, CAST(low AS VARCHAR) AS low, CAST(close AS VARCHAR) AS close,
         CAST(CAST(volume AS BIGINT) AS VARCHAR) AS volume FROM (${selectLong()}))
       TO ${quotedString(file)} (FORMAT csv, HEADER true, DELIMITER ',')`);
  });
  return { file, description };
}

function selectLong(): string {
  return `SELECT symbol, make_timestamp(CAST(round(time * 1000) AS BIGINT)) AS time, open, high, low, close, volume
          FROM bars ORDER BY symbol, time`;
}


/**
 * Body of a Framework data loader (src/data/<name>.<format>.ts): writes the built-in sample `name`
 * (engine/data/syntheticSamples.ts) to a temporary file and its bytes to stdout.
 *
 * @example
 * await emitSyntheticSample("sample-1h", "parquet"); // in src/data/sample-1h.parquet.ts
 */
export async function emitSyntheticSample(name: string, format: "parquet" | "csv"): Promise<void> {
  const { options } = syntheticSample(name);
  const dir = await mkdtemp(join(tmpdir(), "qw-synth-"));
  try {
    const file = join(dir, `${name}.${format}`);
    await (format === "csv" ? writeSyntheticCsv : writeSyntheticParquet)(file, options);
    const bytes = await readFile(file);
    await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
