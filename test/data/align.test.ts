import { describe, expect, it } from "vitest";
import { barSeries, type BarSeries } from "../../engine/bars.js";
import { alignSql, type AlignFill } from "../../engine/data/alignSql.js";
import { withDuckDB } from "../../engine/node/withDuckDB.js";
import { DAY_MS } from "../../engine/time.js";
import { appendBars } from "../../data-loaders/duckdbBars.js";
import { loadSeriesWasm, openWasmDuckDB, wasmColumns } from "./wasmDuckDB.js";

const MON = Date.UTC(2024, 0, 1); // a Monday

function daily(symbol: string, days: number[], price: (d: number) => number): BarSeries {
  return barSeries({
    symbol, timeframe: "1d", time: days.map((d) => MON + d * DAY_MS),
    open: days.map(price), high: days.map((d) => price(d) + 1), low: days.map((d) => price(d) - 1), close: days.map(price),
    volume: days.map(() => 10),
  });
}

// a crypto pair trades every day from Wednesday on; a stock trades Monday to Friday, then Monday again
const crypto = daily("BTC", [2, 3, 4, 5, 6, 7], (d) => 100 + d);
const stock = daily("ACME", [0, 1, 2, 3, 4, 7], (d) => 50 + d);

type Row = [string, number, number, number, boolean];

async function alignNode(fill: AlignFill): Promise<Row[]> {
  return withDuckDB(async (db) => {
    await appendBars(db, "a", [crypto]);
    await appendBars(db, "b", [stock]);
    const rows = (await db.runAndReadAll(alignSql({ sources: ["a", "b"], fill }))).getRows();
    return rows.map((r) => [String(r[0]), (Number(r[1]) - MON) / DAY_MS, Number(r[5]), Number(r[6]), Boolean(r[7])]);
  });
}

async function alignWasm(fill: AlignFill): Promise<Row[]> {
  const wasm = await openWasmDuckDB();
  try {
    loadSeriesWasm(wasm, "bars", [crypto, stock]); // one source holding both symbols
    const c = wasmColumns(wasm, alignSql({ sources: "bars", fill }));
    return (c.symbol as string[]).map((s, i) =>
      [s, ((c.time![i] as number) - MON) / DAY_MS, c.close![i] as number, c.volume![i] as number, c.filled![i] as boolean]);
  } finally {
    wasm.close();
  }
}

describe("aligning two symbols with different calendars onto one timeline", () => {
  it("with fill none keeps only real bars, ordered by time then symbol", async () => {
    const rows = await alignNode("none");
    expect(rows.length).toBe(12);
    expect(rows.slice(0, 4).map((r) => [r[0], r[1]])).toEqual([["ACME", 0], ["ACME", 1], ["ACME", 2], ["BTC", 2]]);
    expect(rows.every((r) => !r[4])).toBe(true);
  });

  it("with fill previous gives every symbol a bar at every time from its first bar, carrying the close with zero volume", async () => {
    const rows = await alignNode("previous");
    const acme = rows.filter((r) => r[0] === "ACME");
    const btc = rows.filter((r) => r[0] === "BTC");
    expect(acme.map((r) => r[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // the weekend is filled
    expect(btc.map((r) => r[1])).toEqual([2, 3, 4, 5, 6, 7]); // nothing invented before its listing
    expect(acme.filter((r) => r[4]).map((r) => [r[1], r[2], r[3]])).toEqual([[5, 54, 0], [6, 54, 0]]); // Friday's close
    expect(acme[7]).toEqual(["ACME", 7, 57, 10, false]);
  });

  it("gives the same rows on duckdb-wasm (the browser's DuckDB 1.4.3) from one multi-symbol source", async () => {
    expect(await alignWasm("previous")).toEqual(await alignNode("previous"));
    expect(await alignWasm("none")).toEqual(await alignNode("none"));
  });
});
