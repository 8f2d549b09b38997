import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validationReport, validationSql, type ValidationProblem } from "../../engine/data/validationSql.js";
import { InputError } from "../../engine/errors.js";
import { MINUTE_MS } from "../../engine/time.js";
import { importBars, validateBarsFile } from "../../data-loaders/importBars.js";
import { openWasmDuckDB, wasmColumns } from "./wasmDuckDB.js";

const SHARED = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../shared/data");
const HEADER = "time,open,high,low,close,volume";
const T0 = Date.UTC(2024, 0, 1);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "validation-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

/** `n` good one-minute canonical rows (epoch ms times), minute `from` on. */
function minuteRows(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${T0 + (from + i) * MINUTE_MS},10,11,9,10.5,100`);
}

/** Canonical CSV with good rows where line `k` (1-based file line; the header is line 1) is replaced. */
async function withLine(name: string, line: number, text: string, n = 5): Promise<string> {
  const rows = minuteRows(n);
  rows[line - 2] = text;
  return fixture(name, [HEADER, ...rows]);
}

const where = (p: ValidationProblem) => ({ code: p.code, row: p.row, column: p.column });

async function problems(file: string, severity: "errors" | "warnings" | "notices" = "errors") {
  return (await validateBarsFile(file)).report[severity].map(where);
}

describe("validating a bar file reports each fault with its code, file line and column", () => {
  it("a NaN price", async () => {
    const file = await withLine("nan.csv", 3, `${T0 + MINUTE_MS},NaN,11,9,10.5,100`);
    expect(await problems(file)).toEqual([{ code: "NAN_PRICE", row: 3, column: "open" }]);
  });

  it("an empty price field", async () => {
    const file = await withLine("empty.csv", 4, `${T0 + 2 * MINUTE_MS},10,11,9,,100`);
    expect(await problems(file)).toEqual([{ code: "NAN_PRICE", row: 4, column: "close" }]);
  });

  it("a non-positive price", async () => {
    const file = await withLine("zero.csv", 5, `${T0 + 3 * MINUTE_MS},10,11,0,10.5,100`);
    expect(await problems(file)).toEqual([{ code: "NON_POSITIVE_PRICE", row: 5, column: "low" }]);
  });

  it("a high below the close", async () => {
    const file = await withLine("high.csv", 2, `${T0},10,10.2,9,10.5,100`);
    expect(await problems(file)).toEqual([{ code: "INCONSISTENT_HIGH", row: 2, column: "high" }]);
  });

  it("a low above the open", async () => {
    const file = await withLine("low.csv", 6, `${T0 + 4 * MINUTE_MS},10,11,10.1,10.5,100`);
    expect(await problems(file)).toEqual([{ code: "INCONSISTENT_LOW", row: 6, column: "low" }]);
  });

  it("a row out of time order", async () => {
    const file = await fixture("unsorted.csv", [HEADER, ...minuteRows(2), ...minuteRows(1, 5), ...minuteRows(1, 3)]);
    expect(await problems(file)).toEqual([{ code: "UNSORTED_TIMESTAMP", row: 5, column: "time" }]);
  });

  it("a duplicate timestamp", async () => {
    const file = await fixture("duplicate.csv", [HEADER, ...minuteRows(3), ...minuteRows(1, 2)]);
    const [p] = (await validateBarsFile(file)).report.errors;
    expect(where(p!)).toEqual({ code: "DUPLICATE_TIMESTAMP", row: 5, column: "time" });
    expect(p!.message).toMatch(/repeats the bar at row 4/);
  });

  it("mixed ms and µs timestamps in one Binance file: a warning at the switch, every time read right", async () => {
    const kline = (t: number, unitScale: number) =>
      `${t * unitScale},10,11,9,10.5,100,${(t + 59_999) * unitScale},1000,5,50,500,0`;
    const start = Date.UTC(2024, 11, 31, 23, 57);
    const file = await fixture("mixed.csv", [0, 1, 2].map((i) => kline(start + i * MINUTE_MS, 1)).concat(
      [3, 4].map((i) => kline(start + i * MINUTE_MS, 1000))));
    const { report } = await validateBarsFile(file);
    expect(report.ok).toBe(true);
    expect(report.warnings.map(where)).toEqual([{ code: "MIXED_TIMESTAMP_UNITS", row: 4, column: "time" }]);
    const { series: [s] } = await importBars(file);
    expect([...s!.time]).toEqual([0, 1, 2, 3, 4].map((i) => start + i * MINUTE_MS));
    expect(s!.time[3]).toBe(1735689600000);
  });

  it("a gap, reported with its span and the number of missing bars, as a warning", async () => {
    const file = await fixture("gap.csv", [HEADER, ...minuteRows(3), ...minuteRows(2, 6)]);
    const { report } = await validateBarsFile(file);
    expect(report.ok).toBe(true);
    expect(report.warnings.map(where)).toEqual([{ code: "GAP", row: 5, column: "time" }]);
    expect(report.warnings[0]).toMatchObject({ from: T0 + 2 * MINUTE_MS, to: T0 + 6 * MINUTE_MS, missing: 3 });
    expect((await importBars(file)).series[0]!.length).toBe(5);
  });

  it("zero-volume bars, kept and counted as notices", async () => {
    const rows = minuteRows(6);
    rows[1] = `${T0 + MINUTE_MS},10,10,10,10,0`;
    rows[4] = `${T0 + 4 * MINUTE_MS},10,10,10,10,0`;
    const file = await fixture("zerovol.csv", [HEADER, ...rows]);
    const { series, report } = await importBars(file);
    expect(report.notices.map(where)).toEqual([
      { code: "ZERO_VOLUME", row: 3, column: "volume" }, { code: "ZERO_VOLUME", row: 6, column: "volume" }]);
    expect(report.counts.ZERO_VOLUME).toBe(2);
    expect(series[0]!.length).toBe(6);
  });

  it("a line with too many fields", async () => {
    const file = await withLine("fields.csv", 3, `${T0 + MINUTE_MS},10,11,9,10.5,100,7`);
    expect(await problems(file)).toEqual([{ code: "FIELD_COUNT", row: 3, column: null }]);
  });

  it("every fault of a file with several, in line order", async () => {
    const rows = minuteRows(8);
    rows[1] = `${T0 + MINUTE_MS},NaN,11,9,10.5,100`; // line 3
    rows[3] = `${T0 + 3 * MINUTE_MS},10,9.5,9,10.5,100`; // line 5
    rows[4] = `${T0 + 3 * MINUTE_MS},10,11,9,10.5,-1`; // line 6: duplicate time, negative volume
    rows[6] = `${T0 + 6 * MINUTE_MS},-2,11,9,10.5,100`; // line 8
    const file = await fixture("several.csv", [HEADER, ...rows]);
    const { report } = await validateBarsFile(file);
    expect(report.errors.map(where)).toEqual([
      { code: "NAN_PRICE", row: 3, column: "open" },
      { code: "INCONSISTENT_HIGH", row: 5, column: "high" },
      { code: "BAD_VOLUME", row: 6, column: "volume" },
      { code: "DUPLICATE_TIMESTAMP", row: 6, column: "time" },
      { code: "NON_POSITIVE_PRICE", row: 8, column: "open" },
    ]);
    expect(report.totals.errors).toBe(5);
    expect(report.counts).toMatchObject({ NAN_PRICE: 1, INCONSISTENT_HIGH: 1, BAD_VOLUME: 1, DUPLICATE_TIMESTAMP: 1, NON_POSITIVE_PRICE: 1 });
  });
});

describe("importBars refuses broken data unless asked to repair it", () => {
  let file: string;
  beforeAll(async () => {
    const rows = minuteRows(6);
    rows[1] = `${T0 + MINUTE_MS},10,11,9,,100`; // line 3: empty close
    rows[4] = rows[2]!; // line 6 repeats line 4's time (and is earlier than line 5)
    rows.push(`${T0 - MINUTE_MS},10,11,9,10.5,100`); // line 8: earlier than everything
    file = await fixture("broken.csv", [HEADER, ...rows]);
  });

  it("throws an InputError listing the problems with file, row and column, and counting them", async () => {
    const error = await importBars(file).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.code).toBe("INVALID_BARS");
    expect(e.context).toMatchObject({ file, errors: 4, row: 3, column: "close", problem: "NAN_PRICE" });
    expect(e.message).toContain(`${file}:3 close NAN_PRICE`);
    expect(e.message).toContain(`${file}:6 time DUPLICATE_TIMESTAMP`);
    expect(e.message).toContain(`${file}:6 time UNSORTED_TIMESTAMP`);
    expect(e.message).toContain(`${file}:8 time UNSORTED_TIMESTAMP`);
    expect(e.message).toMatch(/--repair/);
  });

  it("with repair drops the bad rows, dedupes and sorts the times, and reports what it dropped", async () => {
    const { series: [s], report, repair } = await importBars(file, { repair: true });
    expect(report.totals.errors).toBe(4);
    expect(repair).toEqual({ droppedRows: 1, droppedDuplicates: 1, sorted: true, dropped: [{ row: 3, codes: ["NAN_PRICE"] }] });
    expect([...s!.time]).toEqual([-1, 0, 2, 3, 5].map((i) => T0 + i * MINUTE_MS));
  });
});

describe("importBars on files", () => {
  it("splits a file with a symbol column into one series per symbol, in order of first appearance", async () => {
    const file = await fixture("multi.csv", ["symbol,time,open,high,low,close,volume",
      `ETH,${T0},1,2,1,2,5`, `BTC,${T0},10,11,9,10,1`, `ETH,${T0 + MINUTE_MS},2,3,2,3,5`, `BTC,${T0 + MINUTE_MS},10,12,10,11,1`]);
    const { series } = await importBars(file);
    expect(series.map((s) => [s.symbol, s.length, s.timeframe])).toEqual([["ETH", 2, "1m"], ["BTC", 2, "1m"]]);
    expect([...series[1]!.close]).toEqual([10, 11]);
  });

  it.skipIf(!existsSync(SHARED))(`loads the Binance microsecond file with correct times (skipped: ${SHARED} is absent)`, async () => {
    const { series: [s], report } = await importBars(join(SHARED, "crypto/binance_btcusdt_1m/BTCUSDT-1m-2025-01-01.csv"));
    expect(report.ok).toBe(true);
    expect(report.totals.warnings).toBe(0);
    expect(s!.length).toBe(1440);
    expect(s!.time[0]).toBe(1735689600000);
    expect(s!.time[1439]).toBe(1735689600000 + 1439 * MINUTE_MS);
  });

  it.skipIf(!existsSync(SHARED))(`counts the 369 zero-volume bars of Binance's first BTCUSDT day (skipped: ${SHARED} is absent)`, async () => {
    const { series: [s], report } = await importBars(join(SHARED, "crypto/binance_btcusdt_1m/BTCUSDT-1m-2017-08-17.csv"));
    expect(report.counts.ZERO_VOLUME).toBe(369);
    expect(s!.length).toBe(1200);
  });
});

describe("validationSql in the browser's DuckDB (duckdb-wasm 1.4.3)", () => {
  it("finds the same problems on a table without a row column, numbering rows by position", async () => {
    const wasm = await openWasmDuckDB();
    try {
      wasm.query(`CREATE TABLE b AS SELECT * FROM (VALUES
        ('X', ${T0}, 10.0, 11.0, 9.0, 10.5, 1.0),
        ('X', ${T0 + MINUTE_MS}, 10.0, 9.5, 9.0, 10.5, 0.0),
        ('X', ${T0 + MINUTE_MS}, 10.0, 11.0, 9.0, 10.5, 1.0),
        ('X', ${T0 + 5 * MINUTE_MS}, 10.0, 11.0, 9.0, 10.5, 1.0)
      ) AS t(symbol, time, open, high, low, close, volume)`);
      const c = wasmColumns(wasm, validationSql("b"));
      const rows: ValidationProblem[] = (c.code as string[]).map((code, i) => ({
        row: c.row![i] as number, column: c.column![i] as string, code, severity: c.severity![i] as "error",
        value: null, message: c.message![i] as string, symbol: "X", time: null,
      }));
      expect(rows.map(where)).toEqual([
        { code: "INCONSISTENT_HIGH", row: 2, column: "high" },
        { code: "ZERO_VOLUME", row: 2, column: "volume" },
        { code: "DUPLICATE_TIMESTAMP", row: 3, column: "time" },
        { code: "GAP", row: 4, column: "time" },
      ]);
      const report = validationReport(rows);
      expect(report.totals).toEqual({ errors: 2, warnings: 1, notices: 1 });
      expect(report.ok).toBe(false);
    } finally {
      wasm.close();
    }
  });
});
