import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { barSeries, type BarSeries } from "../../engine/index.js";

/** backtrader's ORCL daily file in the shared data folder (Yahoo CSV: Date,Open,High,Low,Close,Adj Close,Volume). */
export const ORCL_FILE = fileURLToPath(new URL("../../../shared/data/backtrader/orcl-1995-2014.txt", import.meta.url));

/** False when ../shared is not checked out next to this repository. */
export const HAS_ORCL = existsSync(ORCL_FILE);

let cached: BarSeries | undefined;

/** The ORCL file as a BarSeries of the raw OHLC columns (Adj Close is ignored). */
export function loadOrcl(): BarSeries {
  if (cached) return cached;
  const rows = readFileSync(ORCL_FILE, "utf8").trim().split(/\r?\n/).slice(1).map((line) => line.split(","));
  const col = (j: number): Float64Array => Float64Array.from(rows, (r) => Number(r[j]));
  cached = barSeries({
    symbol: "ORCL", timeframe: "1d", time: rows.map((r) => Date.parse(r[0]!)),
    open: col(1), high: col(2), low: col(3), close: col(4), volume: col(6),
    source: { file: ORCL_FILE, firstRow: 2 },
  });
  return cached;
}
