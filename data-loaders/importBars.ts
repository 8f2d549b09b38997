import { quotedString, type DuckDBConnection } from "@duckdb/node-api";
import type { BarSeries } from "../engine/bars.js";
import { VALIDATION_CODES, validationCountsSql, validationReport, validationSql, type ValidationProblem, type ValidationReport } from "../engine/data/validationSql.js";
import { InputError } from "../engine/errors.js";
import { inferTimeframe } from "../engine/time.js";
import { readRawBars, type BarFileFormat, type ColumnMapping } from "../engine/node/readBars.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { fetchSeries, writeCanonical } from "./duckdbBars.js";

export interface ImportBarsOptions {
  /** Only this symbol's rows of a file with a symbol column; the series name for a file without one. */
  symbol?: string;
  /** Layout of the file, as readBars ("auto" by default). */
  format?: BarFileFormat;
  /** Header names of a generic CSV's fields, as readBars. */
  columns?: ColumnMapping;
  /** Timeframe label; inferred per symbol from the median spacing when absent. */
  timeframe?: string;
  /** Drop rows with errors, sort by time and keep the first of duplicate times, instead of refusing. */
  repair?: boolean;
  /** GAP threshold in ms (see validationSql); default from each symbol's median spacing. */
  maxGapMs?: number;
  /** At most this many problems per severity are listed in the report (counts are complete). Default 1000. */
  maxListed?: number;
  /** Also write the canonical table (symbol, time BIGINT ms, open, high, low, close, volume) to this file (.parquet or .csv). */
  writeTo?: string;
}

/** What `repair: true` changed. */
export interface RepairSummary {
  /** Rows dropped for errors (bad values, wrong field count). */
  droppedRows: number;
  /** Rows dropped because an earlier row of the same symbol had the same time. */
  droppedDuplicates: number;
  /** True when the rows were not in time order and were sorted. */
  sorted: boolean;
  /** The dropped rows (at most `maxListed`): file line and the codes that condemned it. */
  dropped: { row: number; codes: string[] }[];
}

export interface ImportResult {
  file: string;
  /** One series per symbol, in the order the symbols first appear in the file. */
  series: BarSeries[];
  report: ValidationReport;
  /** Present when `repair` was asked for. */
  repair?: RepairSummary;
}

// Errors that a sort or a dedupe repairs; every other error drops its row.
const ORDER_CODES = ["UNSORTED_TIMESTAMP", "DUPLICATE_TIMESTAMP"];

/**
 * Reads a bar file (any layout readBars understands, CSV or Parquet, one or many symbols) through
 * DuckDB and validates EVERY row with the shared validationSql (rows are file lines).
 *
 * Without `repair` it refuses data with errors: an InputError with code INVALID_BARS whose message
 * lists the first problems (file, row, column, what is wrong) and whose context has the counts
 * (`errors`, `warnings`, `notices`) and the first problem's `row`, `column` and `problem` code.
 * With `repair: true` it drops the rows with errors, sorts by time and keeps the first row of
 * duplicated times, and says what it dropped in `repair`. Gaps (with their spans) and mixed
 * ms/µs units are warnings and zero-volume bars notices: both kept, listed and counted.
 * File-level problems (missing file, unknown layout, missing column) throw as in readBars.
 *
 * @example
 * const { series, report } = await importBars("BTCUSDT-1m-2025-01-01.csv", { symbol: "BTC/USDT" });
 */
export async function importBars(file: string, options: ImportBarsOptions = {}): Promise<ImportResult> {
  return run(file, options, false) as Promise<ImportResult>;
}

/**
 * Validates a bar file exactly as importBars does, without loading it: returns the full report
 * (errors included) instead of refusing. File-level problems still throw.
 *
 * @example
 * const { report } = await validateBarsFile("bars.csv");
 * if (!report.ok) process.exitCode = 2;
 */
export async function validateBarsFile(
  file: string, options: Omit<ImportBarsOptions, "repair" | "writeTo" | "timeframe"> = {},
): Promise<{ file: string; report: ValidationReport }> {
  return run(file, options, true);
}

async function run(file: string, options: ImportBarsOptions, validateOnly: boolean): Promise<ImportResult | { file: string; report: ValidationReport }> {
  const maxListed = options.maxListed ?? 1000;
  return withDuckDB(async (db) => {
    await db.run("SET preserve_insertion_order = true");
    const raw = await readRawBars(db, file, options.format, options.columns);
    const symbolExpr = raw.hasSymbol
      ? `coalesce(nullif(trim(sym), ''), ${quotedString(options.symbol ?? raw.defaultSymbol)})`
      : quotedString(options.symbol ?? raw.defaultSymbol);
    const filter = raw.hasSymbol && options.symbol !== undefined ? `upper(trim(sym)) = upper(${quotedString(options.symbol)})` : "true";
    await db.run(
      `CREATE TEMP TABLE canon AS SELECT line AS "row", ${symbolExpr} AS symbol, t AS time, o AS open, h AS high,
         l AS low, c AS close, v AS volume, raw_t AS raw_time, n AS fields FROM bars WHERE ${filter}`);
    await db.run("DROP TABLE bars");
    const total = Number((await db.runAndReadAll("SELECT count(*) FROM canon")).getRows()[0]![0]);
    if (total === 0) {
      throw raw.hasSymbol && options.symbol !== undefined
        ? new InputError("SYMBOL_NOT_FOUND", { file, row: undefined, column: "symbol", symbol: options.symbol },
          `${file} has no rows for symbol "${options.symbol}"; leave the symbol out to import every symbol`)
        : new InputError("NO_ROWS", { file, row: undefined, column: undefined },
          `${file} has a header but no data rows; add one line per bar after the header`);
    }

    // Rows with the wrong number of fields are not validated further: their columns are shifted.
    const wellFormed = `fields = ${raw.fields}`;
    const shapeRows = (await db.runAndReadAll(
      `SELECT "row", fields, symbol FROM canon WHERE NOT (${wellFormed}) ORDER BY "row"`)).getRows();
    const shapeProblems: ValidationProblem[] = [];
    for (const r of shapeRows) {
      const row = Number(r[0]);
      shapeProblems.push({
        row, column: null, code: "FIELD_COUNT", severity: "error", value: String(r[1]), symbol: String(r[2]), time: null,
        message: `the line has ${String(r[1])} fields but ${raw.headerLine > 0 ? `the header (row ${raw.headerLine}) names` : `a ${raw.layout} file has`} ${raw.fields}; ` +
          `make every line have the same number of fields`,
      });
    }

    await db.run(`CREATE TEMP TABLE problems AS ${validationSql(
      `(SELECT "row", symbol, time, open, high, low, close, volume, raw_time FROM canon WHERE ${wellFormed})`,
      { hasRowColumn: true, ...(options.maxGapMs !== undefined ? { maxGapMs: options.maxGapMs } : {}) })}`);
    const counts: Record<string, number> = {};
    for (const r of (await db.runAndReadAll(validationCountsSql("problems"))).getRows()) counts[String(r[0])] = Number(r[2]);
    if (shapeProblems.length > 0) counts.FIELD_COUNT = shapeProblems.length;
    const listed = (await db.runAndReadAll(
      `SELECT "row", "column", code, severity, value, message, symbol, time, "from", "to", missing FROM (
         SELECT *, row_number() OVER (PARTITION BY severity ORDER BY symbol, "row", code) AS k FROM problems
       ) AS p WHERE k <= ${maxListed} ORDER BY symbol, "row", code`)).getRows().map(toProblem);
    const all = [...shapeProblems.slice(0, maxListed), ...listed].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
    const report = validationReport(all, { maxListed, counts });

    if (validateOnly) return { file, report };
    let table = "canon";
    let repair: RepairSummary | undefined;
    if (!report.ok && !options.repair) throw refusal(file, report);
    if (options.repair) {
      const dropCodes = `severity = 'error' AND code NOT IN (${ORDER_CODES.map((c) => `'${c}'`).join(", ")})`;
      await db.run(
        `CREATE TEMP TABLE kept AS SELECT * FROM canon
         WHERE ${wellFormed} AND "row" NOT IN (SELECT "row" FROM problems WHERE ${dropCodes})`);
      const keptCount = Number((await db.runAndReadAll("SELECT count(*) FROM kept")).getRows()[0]![0]);
      await db.run(
        `CREATE TEMP TABLE clean AS SELECT * FROM kept
         QUALIFY row_number() OVER (PARTITION BY symbol, time ORDER BY "row") = 1`);
      const cleanCount = Number((await db.runAndReadAll("SELECT count(*) FROM clean")).getRows()[0]![0]);
      const dropped = (await db.runAndReadAll(
        `SELECT "row", list_sort(list(DISTINCT code)) FROM (
           SELECT "row", code FROM problems WHERE ${dropCodes}
           UNION ALL SELECT "row", 'FIELD_COUNT' FROM canon WHERE NOT (${wellFormed})
         ) AS d GROUP BY "row" ORDER BY "row" LIMIT ${maxListed}`)).getRows()
        .map((r) => ({ row: Number(r[0]), codes: (r[1] as { items: unknown[] }).items.map(String) }));
      repair = {
        droppedRows: total - keptCount, droppedDuplicates: keptCount - cleanCount,
        sorted: (counts.UNSORTED_TIMESTAMP ?? 0) > 0, dropped,
      };
      table = "clean";
      if (cleanCount === 0) {
        throw new InputError("NO_ROWS", { file, row: undefined, column: undefined, dropped: total },
          `${file}: every one of its ${total} rows has errors, so repair left nothing; ${report.errors[0]?.message ?? ""}`);
      }
    }

    const order = (await db.runAndReadAll(`SELECT symbol FROM ${table} GROUP BY symbol ORDER BY min("row")`)).getRows().map((r) => String(r[0]));
    if (options.writeTo) await writeCanonical(db, table, options.writeTo);
    const series = await fetchSeries(db, table, {
      file, rows: true, order, timeframe: options.timeframe ?? ((t) => inferTimeframe(t)),
    });
    return { file, series, report, ...(repair ? { repair } : {}) };
  });
}

function toProblem(r: readonly unknown[]): ValidationProblem {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    row: num(r[0]), column: r[1] === null ? null : String(r[1]), code: String(r[2]),
    severity: String(r[3]) as ValidationProblem["severity"], value: r[4] === null ? null : String(r[4]),
    message: String(r[5]), symbol: String(r[6]), time: num(r[7]), from: num(r[8]), to: num(r[9]), missing: num(r[10]),
  };
}

/** `file:row column CODE: message`, the way problems are printed. */
export function formatProblem(file: string, p: ValidationProblem): string {
  return `${file}:${p.row ?? "?"}${p.column ? ` ${p.column}` : ""} ${p.code}: ${p.message}`;
}

function refusal(file: string, report: ValidationReport): InputError {
  const shown = report.errors.slice(0, 10).map((p) => `  ${formatProblem(file, p)}`).join("\n");
  const more = report.totals.errors > 10 ? `\n  ... and ${report.totals.errors - 10} more error(s)` : "";
  const severity = VALIDATION_CODES as Record<string, string>;
  const byCode = Object.entries(report.counts).filter(([code]) => (severity[code] ?? "error") === "error")
    .map(([code, n]) => `${code} ${n}`).join(", ");
  const first = report.errors[0];
  return new InputError("INVALID_BARS", {
    file, errors: report.totals.errors, warnings: report.totals.warnings, notices: report.totals.notices,
    row: first?.row ?? undefined, column: first?.column ?? undefined, problem: first?.code,
  }, `${file} has ${report.totals.errors} error(s) (${byCode}); nothing was loaded:\n${shown}${more}\n` +
    `Fix the file, or import with repair (--repair) to drop the bad rows and sort/dedupe the times`);
}
