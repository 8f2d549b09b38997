import { open, stat } from "node:fs/promises";
import { basename, isAbsolute } from "node:path";
import { DuckDBDoubleVector, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { barSeries, type BarSeries } from "../bars.js";
import { InputError } from "../errors.js";
import {
  EPOCH_MS_MIN, FIRST_LINE_SQL, NUMBER, columnNumberSql, columnTimeSql, csvFieldsSql, csvLinesTableSql, emptyFileError, headerNote,
  lineTextSql, planColumns, planCsv, splitFields, sqlIdent, type BarPlan, type BarRole, type ColumnMapping, type CsvLayout, type LayoutField,
} from "../data/csvLayout.js";
import { inferTimeframe } from "../time.js";
import { withDuckDB } from "./withDuckDB.js";

/** File layouts readBars understands; "auto" picks one from the extension, the first bytes and the header. */
export type BarFileFormat = "auto" | "canonical" | "yahoo" | "backtrader" | "pandas" | "binance" | "parquet";

export interface ReadBarsOptions {
  /** Symbol of the series; also picks that symbol's rows when the file has a `symbol` column. */
  symbol?: string;
  /** Timeframe label; inferred from the median bar spacing when absent ("" when no label fits). */
  timeframe?: string;
  /** Layout of the file; "auto" (the default) detects it. */
  format?: BarFileFormat;
  /**
   * A generic CSV: which header names hold which field, e.g. `{ time: "Date", close: "Last" }`
   * (case-insensitive). Mapped roles take these columns; the others are found by their usual names.
   */
  columns?: ColumnMapping;
}

export type { ColumnMapping };
type Role = BarRole;
type Field = LayoutField;
type Plan = BarPlan;

/** The columns read from a file, with each row's file line number. */
type Loaded = Pick<BarSeries, "time" | "open" | "high" | "low" | "close" | "volume"> & {
  readonly rows: Float64Array;
  /** The one symbol of the file's `symbol` column, if it has one. */
  readonly symbol?: string;
};

/**
 * Loads bars from a CSV or Parquet file into a validated BarSeries (time = bar open time, UTC ms),
 * reading it with DuckDB. The layout is detected unless `options.format` names it; header names
 * match case-insensitively; dates without a time are midnight UTC, and so are times without a zone.
 *
 * Every problem is an InputError whose context has `file`, `row` (the 1-based line of the file,
 * counting the header, so a CSV's first data row is row 2; for Parquet the 1-based record number)
 * and `column` (undefined where no single one is at fault), and whose message says what is wrong,
 * where, and how to fix it. Codes: FILE_NOT_FOUND, EMPTY_FILE, READ_FAILED, FORMAT_MISMATCH,
 * UNKNOWN_LAYOUT, MISSING_COLUMN, UNSUPPORTED_COLUMN_TYPE, FIELD_COUNT, EMPTY_FIELD, BAD_NUMBER,
 * BAD_TIMESTAMP, MULTIPLE_SYMBOLS, SYMBOL_NOT_FOUND, NO_ROWS, and from barSeries NAN_PRICE,
 * NON_POSITIVE_PRICE, BAD_VOLUME, UNSORTED_TIMESTAMP, DUPLICATE_TIMESTAMP, INCONSISTENT_HIGH/LOW.
 *
 * CSV fields are split at the delimiter (comma, or semicolon/tab/bar when the header uses one) after
 * dropping double quotes, so a quoted field cannot contain the delimiter. Numeric times are epoch
 * ms, or µs from 1e14 up (Binance since 2025); smaller numbers are refused, not guessed.
 *
 * @example
 * const orcl = await readBars("data/orcl-1995-2014.txt", { symbol: "ORCL" }); // timeframe "1d"
 */
export async function readBars(file: string, options: ReadBarsOptions = {}): Promise<BarSeries> {
  const loaded = await withDuckDB(async (db) => finish(db, await readRawBars(db, file, options.format, options.columns), options));
  const symbol = loaded.symbol ?? options.symbol ?? defaultSymbol(file);
  return barSeries({
    symbol,
    timeframe: options.timeframe ?? inferTimeframe(loaded.time),
    time: loaded.time, open: loaded.open, high: loaded.high, low: loaded.low, close: loaded.close, volume: loaded.volume,
    source: { file, rows: loaded.rows },
  });
}

/**
 * What readRawBars leaves behind: the temp table `bars` on the connection, one row per data line
 * (line INTEGER = file line or Parquet record number, 1-based; n = number of fields on the line;
 * t = time in UTC ms; o, h, l, c, v = prices and volume; sym = the symbol field or NULL; raw_t =
 * the time as the epoch number written in the file, NULL when it was not a number), all numbers
 * DOUBLE and NULL where a value did not parse. Nothing is checked beyond the layout.
 */
export interface RawBars {
  readonly file: string;
  readonly layout: CsvLayout | "parquet";
  /** Fields a well-formed line has (the header's count). */
  readonly fields: number;
  /** Line of the header (0 without one). */
  readonly headerLine: number;
  /** True when the file has a symbol column (then `sym` holds it). */
  readonly hasSymbol: boolean;
  /** The series name when the file has no symbol column: the file name without extension. */
  readonly defaultSymbol: string;
  /** @internal for finish() */
  readonly plan: Plan;
  /** @internal SQL that is true for a row of `bars` with the wrong number of fields. */
  readonly badShape: string;
  /** The file's fields of one line, as written (for messages). */
  rawFields(line: number): Promise<string[]>;
}

/**
 * The raw-reading step of readBars, shared with data-loaders/importBars: detects the layout (as
 * readBars does) and reads every line of `file` into the temp table `bars` on `db` (see RawBars).
 * Throws the file-level InputErrors (FILE_NOT_FOUND, EMPTY_FILE, READ_FAILED, FORMAT_MISMATCH,
 * UNKNOWN_LAYOUT, MISSING_COLUMN, UNSUPPORTED_COLUMN_TYPE); row problems are left in the table.
 */
export async function readRawBars(db: DuckDBConnection, file: string, format: BarFileFormat = "auto", columns?: ColumnMapping): Promise<RawBars> {
  const info = await stat(file).catch(() => undefined);
  if (!info || !info.isFile()) {
    throw new InputError("FILE_NOT_FOUND", { file, row: undefined, column: undefined },
      `${file}: no such file${info ? " (it is a directory)" : ""}; check the path` +
      (isAbsolute(file) ? "" : ` (relative paths start at ${process.cwd()})`));
  }
  if (info.size === 0) throw emptyFileError(file);
  const parquetBytes = await startsWithParquetMagic(file);
  const parquet = format === "parquet" || (format === "auto" && (parquetBytes || /\.(parquet|pq)$/i.test(file)));
  if (parquetBytes && !parquet) {
    throw new InputError("FORMAT_MISMATCH", { file, row: undefined, column: undefined, format },
      `${file} is a Parquet file but format "${format}" was asked for; pass format "parquet" or "auto"`);
  }
  const read = parquet ? await loadParquet(db, file) : await loadCsv(db, file, format as CsvLayout | "auto", columns);
  return {
    file, layout: read.plan.layout, fields: read.plan.header.length, headerLine: read.plan.headerLine,
    hasSymbol: read.plan.symbol !== undefined, defaultSymbol: defaultSymbol(file), ...read,
  };
}

type Read = Pick<RawBars, "plan" | "badShape" | "rawFields">;

/** The file name without directory and extension(s) such as `.csv` or `.csv.gz`. */
function defaultSymbol(file: string): string {
  return basename(file).replace(/\.(gz|zst)$/i, "").replace(/\.[^.]*$/, "");
}

async function startsWithParquetMagic(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.toString("latin1") === "PAR1";
  } finally {
    await handle.close();
  }
}

/** Runs SQL that reads the file, turning DuckDB's own failures (unreadable file, bad encoding) into InputErrors. */
async function runReading(db: DuckDBConnection, file: string, sql: string): Promise<void> {
  try {
    await db.run(sql);
  } catch (e) {
    // DuckDB's message opens with a few lines of substance (for CSV: the line number, the line and
    // the problem), then lists its reader options, which mean nothing to the caller.
    const message = e instanceof Error ? e.message : String(e);
    const lines = message.split("\n").map((s) => s.trim());
    const end = lines.findIndex((s) => /^(Possible (fixes|Solution)|file = )/.test(s));
    const detail = lines.slice(0, end < 0 ? 3 : end).filter(Boolean).join(" / ");
    const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
    const row = line === undefined ? undefined : Number(line);
    const fix = /utf-8/i.test(message) ? "save the file as UTF-8" : "check that it is an uncorrupted text (CSV) or Parquet file";
    throw new InputError("READ_FAILED", { file, row, column: undefined },
      `${file}${row === undefined ? "" : ` (row ${row})`} could not be read: ${detail}; ${fix}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

async function loadCsv(db: DuckDBConnection, file: string, format: CsvLayout | "auto", columns?: ColumnMapping): Promise<Read> {
  // One row of `lines` per physical line (see csvLinesTableSql); rowid + 1 is the line number
  // while insertion order is preserved.
  await db.run("SET preserve_insertion_order = true");
  await runReading(db, file, csvLinesTableSql(file));
  const first = await db.runAndReadAll(FIRST_LINE_SQL);
  if (first.currentRowCount === 0) throw emptyFileError(file);
  const plan = planCsv(file, Number(first.getRows()[0]![0]), String(first.getRows()[0]![1]), { format, ...(columns ? { columns } : {}) });
  await db.run(`CREATE TEMP TABLE bars AS SELECT line, n, t, o, h, l, c, v, sym, d AS raw_t FROM (${csvFieldsSql(plan)})`);
  return {
    plan, badShape: `n <> ${plan.header.length}`,
    rawFields: async (line) => {
      const text = (await db.runAndReadAll(lineTextSql(line))).getRows()[0]![0];
      return splitFields(String(text), plan.delimiter);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parquet

async function loadParquet(db: DuckDBConnection, file: string): Promise<Read> {
  const source = `read_parquet(${quotedString(file)}, file_row_number = true)`;
  await runReading(db, file, `CREATE TEMP VIEW source AS SELECT * FROM ${source}`);
  const described = (await db.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM source`)).getRows();
  const plan = planColumns(file, described.map((r) => ({ name: String(r[0]), type: String(r[1]) })));
  const { header, kinds, volume, symbol } = plan;
  const time = plan.time[0]!;
  const num = (role: "open" | "high" | "low" | "close" | "volume", field: Field) => columnNumberSql(field, kinds[role]);
  await db.run(
    `CREATE TEMP TABLE bars AS
     SELECT CAST(file_row_number + 1 AS INTEGER) AS line, ${header.length} AS n, ${columnTimeSql(time, kinds.time)} AS t,
       ${num("open", plan.prices.open)} AS o, ${num("high", plan.prices.high)} AS h,
       ${num("low", plan.prices.low)} AS l, ${num("close", plan.prices.close)} AS c,
       ${volume ? num("volume", volume) : "CAST(0 AS DOUBLE)"} AS v, ${symbol ? `CAST(${sqlIdent(symbol.name)} AS VARCHAR)` : "NULL"} AS sym,
       ${kinds.time === "timestamp" ? "CAST(NULL AS DOUBLE)" : columnNumberSql(time, kinds.time)} AS raw_t
     FROM source`);
  return {
    plan, badShape: "false",
    rawFields: async (line) => {
      const values = (await db.runAndReadAll(
        `SELECT ${header.map((name) => `CAST(${sqlIdent(name)} AS VARCHAR)`).join(", ")} FROM source WHERE file_row_number = ${line - 1}`,
      )).getRows()[0]!;
      return values.map((v) => (v === null ? "" : String(v)));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared by both: symbol selection, the first bad row, and the bulk fetch

/**
 * Checks the `bars` temp table (line, n, t, o, h, l, c, v, sym) and fetches it as Float64Arrays.
 * `badShape` is SQL that is true for a row with the wrong number of fields; `rawFields` gives the
 * file's fields of one line for the error message.
 */
async function finish(db: DuckDBConnection, raw: RawBars, options: ReadBarsOptions): Promise<Loaded> {
  const { file, plan, badShape } = raw;
  const rawFields = (line: number) => raw.rawFields(line);
  const select = plan.symbol && options.symbol !== undefined ? `upper(sym) = upper(${quotedString(options.symbol)})` : "true";
  const symbolCheck = plan.symbol && options.symbol === undefined ? " OR sym IS NULL OR sym = ''" : "";
  // Only the first bad row is needed: SQL finds it (a NULL is a value that did not parse), then
  // that one line is looked at again in JS to say exactly what is wrong with it.
  const bad = await db.runAndReadAll(
    `SELECT line, n, t, o, h, l, c, v, sym FROM bars
     WHERE ${badShape} OR (${select} AND (t IS NULL OR o IS NULL OR h IS NULL OR l IS NULL OR c IS NULL OR v IS NULL${symbolCheck}))
     ORDER BY line LIMIT 1`);
  if (bad.currentRowCount > 0) throw badRow(file, plan, bad.getRows()[0]!, await rawFields(Number(bad.getRows()[0]![0])));

  let symbol: string | undefined;
  if (plan.symbol) {
    const found = (await db.runAndReadAll(
      `SELECT sym, min(line) AS first FROM bars GROUP BY sym ORDER BY first LIMIT 21`)).getRows();
    const list = found.slice(0, 20).map((r) => `"${String(r[0])}"`).join(", ") + (found.length > 20 ? ", ..." : "");
    if (options.symbol !== undefined) {
      // Matching ignores case; the series is named as the file spells the symbol.
      const match = found.find((r) => String(r[0]).toUpperCase() === options.symbol!.toUpperCase())
        ?? (await db.runAndReadAll(`SELECT sym FROM bars WHERE ${select} LIMIT 1`)).getRows()[0];
      if (!match) {
        throw new InputError("SYMBOL_NOT_FOUND", { file, row: undefined, column: "symbol", symbol: options.symbol },
          `${file} has no rows for symbol "${options.symbol}"; its symbols are ${list}. Pass one of them as options.symbol`);
      }
      symbol = String(match[0]);
    } else if (found.length > 1) {
      throw new InputError("MULTIPLE_SYMBOLS", { file, row: Number(found[1]![1]), column: "symbol", symbols: list },
        `${file} holds several symbols (${list}; the second, "${String(found[1]![0])}", starts at row ${Number(found[1]![1])}); ` +
        `pass options.symbol to pick one`);
    } else if (found.length === 1) {
      symbol = String(found[0]![0]);
    }
  }

  const [rows, time, open, high, low, close, volume] = await fetchDoubles(db,
    `SELECT CAST(line AS DOUBLE), t, o, h, l, c, v FROM bars WHERE ${select} ORDER BY line`, 7);
  if (rows!.length === 0) {
    throw new InputError("NO_ROWS", { file, row: plan.headerLine || undefined, column: undefined },
      `${file} has a header but no data rows; add one line per bar after the header`);
  }
  return { rows: rows!, time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume!, ...(symbol !== undefined ? { symbol } : {}) };
}

/**
 * Reads the result of `sql` (all DOUBLE columns) chunk by chunk straight into Float64Arrays
 * (NULL becomes NaN); no per-row objects are made.
 */
export async function fetchDoubles(db: DuckDBConnection, sql: string, columns: number): Promise<Float64Array[]> {
  const result = await db.run(sql);
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    chunks.push(chunk);
    total += chunk.rowCount;
  }
  const out = Array.from({ length: columns }, () => new Float64Array(total));
  let at = 0;
  for (const chunk of chunks) {
    const n = chunk.rowCount;
    for (let c = 0; c < columns; c++) {
      const vector = chunk.getColumnVector(c);
      if (!(vector instanceof DuckDBDoubleVector)) throw new Error(`readBars: column ${c} of the result is not DOUBLE`);
      const dst = out[c]!;
      // getItem is a typed-array read plus a validity-bit test: no per-value objects are made.
      for (let i = 0; i < n; i++) dst[at + i] = vector.getItem(i) ?? Number.NaN;
    }
    at += n;
  }
  return out;
}

/** The InputError for the first row that failed to parse; `values` is (line, n, t, o, h, l, c, v, sym). */
function badRow(file: string, plan: Plan, values: readonly unknown[], fields: readonly string[]): InputError {
  const line = Number(values[0]);
  const n = Number(values[1]);
  if (n !== plan.header.length) return fieldCount(file, plan, line, fields);
  const checks: [Role, unknown, readonly Field[]][] = [
    ["time", values[2], plan.time],
    ["open", values[3], [plan.prices.open]], ["high", values[4], [plan.prices.high]],
    ["low", values[5], [plan.prices.low]], ["close", values[6], [plan.prices.close]],
    ["volume", values[7], plan.volume ? [plan.volume] : []],
    ["symbol", plan.symbol && values[8] === "" ? null : values[8], plan.symbol ? [plan.symbol] : []],
  ];
  for (const [role, value, from] of checks) {
    if (value !== null || from.length === 0) continue;
    const raw = from.map((field) => fields[field.index] ?? "").join(" ");
    const column = plan.layout === "parquet" ? `column "${from[0]!.name}"`
      : from.map((field) => `column ${field.index + 1}${field.name ? ` "${field.name}"` : ""}`).join(" and ");
    const where = `at row ${line} of ${file} (${column})`;
    const context = { file, row: line, column: role, value: raw };
    if (from.every((field) => (fields[field.index] ?? "") === "")) {
      return new InputError("EMPTY_FIELD", context, `${role} is empty ${where}; fill in the value or drop the row`);
    }
    if (role === "time") {
      const d = Number(raw);
      const why = NUMBER.test(raw) && Math.abs(d) < EPOCH_MS_MIN
        ? `a number too small for epoch milliseconds (13 digits) or microseconds (16 digits); epoch seconds and YYYYMMDD are not read`
        : `not a date`;
      return new InputError("BAD_TIMESTAMP", context,
        `time is "${raw}" ${where}, which is ${why}; write times as YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC unless a zone is given) or epoch milliseconds`);
    }
    return new InputError("BAD_NUMBER", context,
      `${role} is "${raw}" ${where}, which is not a number; write plain decimal numbers (no thousands separators) or drop the row`);
  }
  // Unreachable while the SQL and the checks above agree; kept so that a mismatch is reported, not ignored.
  return new InputError("BAD_ROW", { file, row: line, column: undefined }, `row ${line} of ${file} could not be read: ${fields.join(",")}`);
}

function fieldCount(file: string, plan: Plan, line: number, fields: readonly string[]): InputError {
  const expected = plan.header.length;
  const headerWhere = headerNote(plan);
  // A time of day in a column that the header does not call "time" is the classic shifted header
  // (backtrader's 2006-01-02-volume-min-001.txt): say so, since every later column is off by one.
  const clock = fields.findIndex((s) => /^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s));
  const hint = fields.length > expected && clock >= 0 && plan.header[clock]?.toLowerCase() !== "time"
    ? `; field ${clock + 1} ("${fields[clock]}") is a time of day, so the header probably lacks a "Time" name after "${plan.header[clock - 1] ?? ""}"`
    : "";
  return new InputError("FIELD_COUNT", { file, row: line, column: undefined, fields: fields.length, expected },
    `row ${line} of ${file} has ${fields.length} fields but ${headerWhere}${hint}. ` +
    `Make the header name every column and give every row the same number of fields`);
}
