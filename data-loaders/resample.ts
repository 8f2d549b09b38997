import type { BarSeries } from "../engine/bars.js";
import { resampleSql, type ResampleTimeframe } from "../engine/data/resampleSql.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { appendBars, fetchSeries } from "./duckdbBars.js";

/**
 * Resamples bars to `timeframe` in Node with the shared resampleSql (the same SQL the browser
 * worker runs on duckdb-wasm): calendar buckets in UTC, each stamped with its open time; open
 * first, high max, low min, close last, volume sum; only buckets that hold bars.
 *
 * Columns move in bulk: the series go into DuckDB as data chunks through an appender and come
 * back as Float64Arrays read chunk by chunk, with no per-row objects. The result keeps the input
 * order (one series per input series).
 *
 * @example
 * const hourly = await resampleBars(minuteBars, "1h");
 * const [btc, eth] = await resampleBars([btc1m, eth1m], "1d");
 */
export async function resampleBars(series: BarSeries, timeframe: ResampleTimeframe): Promise<BarSeries>;
export async function resampleBars(series: readonly BarSeries[], timeframe: ResampleTimeframe): Promise<BarSeries[]>;
export async function resampleBars(series: BarSeries | readonly BarSeries[], timeframe: ResampleTimeframe): Promise<BarSeries | BarSeries[]> {
  const list: readonly BarSeries[] = isSeries(series) ? [series] : series;
  const sql = resampleSql({ source: "input_bars", timeframe }); // validates the timeframe before any work
  const out = await withDuckDB(async (db) => {
    await appendBars(db, "input_bars", list);
    await db.run(`CREATE TEMP TABLE resampled AS ${sql}`);
    await db.run("DROP TABLE input_bars");
    return fetchSeries(db, "resampled", { timeframe, order: list.map((s) => s.symbol) });
  });
  // a series without bars gives a series without bars (SQL returns no rows for it)
  const bySymbol = new Map(out.map((s) => [s.symbol, s]));
  const result = list.map((s) => bySymbol.get(s.symbol) ?? emptyLike(s, timeframe));
  return isSeries(series) ? result[0]! : result;
}

function isSeries(x: BarSeries | readonly BarSeries[]): x is BarSeries {
  return !Array.isArray(x);
}

function emptyLike(s: BarSeries, timeframe: string): BarSeries {
  const e = new Float64Array(0);
  return { symbol: s.symbol, timeframe, time: e, open: e, high: e, low: e, close: e, volume: e, length: 0 };
}
