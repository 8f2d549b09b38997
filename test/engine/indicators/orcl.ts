import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { barSeries, type BarSeries } from "../../../engine/bars.js";

/** backtrader's ORCL daily file (Yahoo CSV: Date,Open,High,Low,Close,Adj Close,Volume). */
export const ORCL_FILE = fileURLToPath(new URL("../../../../shared/data/backtrader/orcl-1995-2014.txt", import.meta.url));

export interface Orcl {
  readonly series: BarSeries;
  /** `YYYY-MM-DD` of every bar. */
  readonly dates: readonly string[];
}

let cached: Orcl | undefined;

/** The ORCL file as a BarSeries (the raw OHLC columns; Adj Close is ignored, as backtrader does). */
export function loadOrcl(): Orcl {
  if (cached) return cached;
  const lines = readFileSync(ORCL_FILE, "utf8").trim().split(/\r?\n/);
  const rows = lines.slice(1).map((l) => l.split(","));
  const col = (j: number) => Float64Array.from(rows, (r) => Number(r[j]));
  const dates = rows.map((r) => r[0]!);
  const series = barSeries({
    symbol: "ORCL", timeframe: "1d", time: dates.map((d) => Date.parse(d)),
    open: col(1), high: col(2), low: col(3), close: col(4), volume: col(6),
    source: { file: ORCL_FILE, firstRow: 2 },
  });
  cached = { series, dates };
  return cached;
}
