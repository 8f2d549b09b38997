import { open, stat } from "node:fs/promises";
import { basename, isAbsolute } from "node:path";
import { DuckDBDoubleVector, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { barSeries, type BarSeries } from "../bars.js";
import { InputError } from "../errors.js";
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

/** Header names for the fields of a bar, for CSV files whose names are not the usual ones. */
export type ColumnMapping = Partial<Readonly<Record<"time" | "open" | "high" | "low" | "close" | "volume" | "symbol", string>>>;

type Role = "time" | "open" | "high" | "low" | "close" | "volume" | "symbol";
type CsvLayout = Exclude<BarFileFormat, "auto" | "parquet">;

/** Where one role's value comes from: the 0-based column index and the column's name in the file. */
interface Field {
  readonly index: number;
  readonly name: string;
}

/** How to turn the file's columns into bar columns. */
interface Plan {
  readonly layout: CsvLayout | "parquet";
  /** Line of the header; without one (Binance, Parquet) the line before the first data line, usually 0. */
  readonly headerLine: number;
  /** Column names as written in the file (for messages). */
  readonly header: readonly string[];
  /** `time` is one field, or a date field and a time-of-day field (backtrader intraday files). */
  readonly time: readonly Field[];
  readonly prices: Readonly<Record<"open" | "high" | "low" | "close", Field>>;
  readonly volume?: Field;
  readonly symbol?: Field;
}

interface Loaded {
  readonly rows: Float64Array;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** The one symbol of the file's `symbol` column, if it has one. */
  readonly symbol?: string;
}

// Header names (lowercased, trimmed) accepted for each role; the first listed is the canonical one.
const TIME_NAMES = ["time", "timestamp", "datetime", "date", "open_time", "opentime"];
const ALIASES: Readonly<Record<Exclude<Role, "time">, readonly string[]>> = {
  open: ["open"], high: ["high"], low: ["low"], close: ["close"],
  volume: ["volume", "vol"], symbol: ["symbol", "ticker"],
};
const BINANCE_COLUMNS = [
  "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
  "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
];

const LAYOUTS_HELP =
  "readBars understands: canonical `time,open,high,low,close,volume` (optional `symbol`); " +
  "Yahoo `Date,Open,High,Low,Close,Adj Close,Volume`; backtrader `Date[,Time],Open,High,Low,Close,Volume,OpenInterest`; " +
  "a pandas dump `,Open,High,Low,Close,Volume` (empty first name); Binance klines (no header, 12 columns); " +
  "and Parquet with the canonical column names";

// Epoch numbers: below 1e11 they are neither ms (13 digits from 1973) nor µs (16 digits), so they are
// refused (epoch seconds and YYYYMMDD would otherwise load as 1970 dates). At or above 1e14 they are
// µs: 1e14 ms would be the year 5138, while 1e14 µs is 1973. Deciding per value also reads
// concatenations of Binance files from both sides of the 2025 switch from ms to µs.
const MS_MIN = 1e11;
const US_MIN = 1e14;

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
  if (info.size === 0) throw emptyFile(file);
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

function emptyFile(file: string): InputError {
  return new InputError("EMPTY_FILE", { file, row: undefined, column: undefined },
    `${file} is empty (or holds only blank lines); it needs a header line and one line per bar (${LAYOUTS_HELP})`);
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
  // Each physical line becomes one row of `lines`, so that every error can name the line an editor
  // shows. Hence one VARCHAR column, a delimiter that does not occur (\x01), no quoting (a quoted
  // newline would hide a line) and no sniffing. Empty lines come back as NULL rows and keep their
  // place. new_line '\r\n' makes DuckDB take \n, \r\n and a lone \r each as one line end (with '\n',
  // a \r\n in an LF file counted as two lines and shifted every later number). The line number is
  // rowid + 1: the scan is parallel, but with insertion order preserved the table's rows keep file
  // order (row_number() OVER () gives the same numbers ten times slower, as a single-threaded window).
  await db.run("SET preserve_insertion_order = true");
  await runReading(db, file,
    `CREATE TEMP TABLE lines AS SELECT text
     FROM read_csv(${quotedString(file)}, header = false, auto_detect = false, columns = {'text': 'VARCHAR'},
       delim = '\x01', quote = '', escape = '', new_line = '\\r\\n', strict_mode = false)`);
  const first = await db.runAndReadAll(
    `SELECT rowid + 1, text FROM lines WHERE text IS NOT NULL AND trim(text) <> '' ORDER BY rowid LIMIT 1`);
  if (first.currentRowCount === 0) throw emptyFile(file);
  const firstLine = Number(first.getRows()[0]![0]);
  const firstText = String(first.getRows()[0]![1]).replace(/^\uFEFF/, "");
  const delimiter = pickDelimiter(firstText);
  const plan = planCsv(file, firstLine, firstText, splitFields(firstText, delimiter), format, columns);
  const n = plan.header.length;

  // Fields are cut with string_split rather than by DuckDB's CSV parser so that the line numbers
  // stay exact; the price is that a quoted field may not contain the delimiter. Quotes are dropped
  // from the whole line first (cheap, and only on lines that have one). TRY_CAST to DOUBLE skips
  // surrounding blanks by itself; the timestamp cast does not, hence trim() there.
  const f = (field: Field) => `f[${field.index + 1}]`;
  const timeText = plan.time.map((field) => `trim(${f(field)})`).join(` || ' ' || `);
  const num = (field: Field | undefined) => (field ? `TRY_CAST(${f(field)} AS DOUBLE)` : "CAST(0 AS DOUBLE)");
  await db.run(
    `CREATE TEMP TABLE bars AS
     SELECT line, n, ${timeExpression("ts", "d")} AS t, o, h, l, c, v, sym, d AS raw_t
     FROM (
       SELECT line, len(f) AS n, ts, TRY_CAST(ts AS DOUBLE) AS d,
         ${num(plan.prices.open)} AS o, ${num(plan.prices.high)} AS h, ${num(plan.prices.low)} AS l,
         ${num(plan.prices.close)} AS c, ${num(plan.volume)} AS v, ${plan.symbol ? `trim(${f(plan.symbol)})` : "NULL"} AS sym
       FROM (
         SELECT line, f, ${timeText} AS ts
         FROM (
           SELECT CAST(rowid + 1 AS INTEGER) AS line,
             string_split(CASE WHEN contains(text, '"') THEN replace(text, '"', '') ELSE text END, ${quotedString(delimiter)}) AS f
           FROM lines WHERE rowid >= ${plan.headerLine} AND text IS NOT NULL AND trim(text) <> ''
         )
       )
     )`);
  return {
    plan, badShape: `n <> ${n}`,
    rawFields: async (line) => {
      const text = (await db.runAndReadAll(`SELECT text FROM lines WHERE rowid = ${line - 1}`)).getRows()[0]![0];
      return splitFields(String(text), delimiter);
    },
  };
}

/** The delimiter (comma, semicolon, tab or bar) that occurs most often in the header line. */
function pickDelimiter(line: string): string {
  let best = ",";
  let bestCount = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const count = line.split(d).length - 1;
    if (count > bestCount) [best, bestCount] = [d, count];
  }
  return best;
}

/** Splits a line the way the SQL does (quotes dropped, then cut at the delimiter) and trims each field. */
function splitFields(line: string, delimiter: string): string[] {
  return line.replaceAll('"', "").split(delimiter).map((s) => s.trim());
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function planCsv(file: string, line: number, text: string, fields: readonly string[], format: CsvLayout | "auto", columns?: ColumnMapping): Plan {
  const names = fields.map((s) => s.toLowerCase());
  if (columns && Object.keys(columns).length > 0) return planMapped(file, line, fields, names, columns);
  const looksLikeData = NUMBER.test(fields[0] ?? "") || /^\d{4}-\d{2}-\d{2}/.test(fields[0] ?? "");
  const binanceLike = fields.length === 12 && /^\d{12,17}$/.test(fields[0] ?? "");
  const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  const mismatch = (why: string) => new InputError("FORMAT_MISMATCH", { file, row: line, column: undefined, format },
    `${file} does not look like a ${format} file: ${why} (row ${line}: "${shown}"); pass the right format or "auto"`);

  if (format === "binance" || (format === "auto" && binanceLike)) {
    if (!binanceLike) throw mismatch("Binance kline files have no header and 12 columns, the first an epoch time in ms or µs");
    const field = (name: string): Field => ({ index: BINANCE_COLUMNS.indexOf(name), name });
    return {
      layout: "binance", headerLine: line - 1, header: BINANCE_COLUMNS, time: [field("open_time")],
      prices: { open: field("open"), high: field("high"), low: field("low"), close: field("close") }, volume: field("volume"),
    };
  }
  if (looksLikeData) {
    throw new InputError(format === "auto" ? "UNKNOWN_LAYOUT" : "FORMAT_MISMATCH", { file, row: line, column: undefined, format },
      `${file}: row ${line} ("${shown}") holds data, not a header; only Binance kline files (12 columns) may go without one. ` +
      `Add a header line such as time,open,high,low,close,volume`);
  }

  const find = (aliases: readonly string[]): Field | undefined => {
    const index = names.findIndex((name) => aliases.includes(name));
    return index < 0 ? undefined : { index, name: fields[index]! };
  };
  const pandas = names[0] === "";
  const layout: CsvLayout = format !== "auto" ? format
    : pandas ? "pandas"
    : find(["adj close", "adj_close", "adjclose"]) ? "yahoo"
    : find(["openinterest", "open interest", "open_interest"]) || (find(["date"]) && find(["time"])) ? "backtrader"
    : find(["time", "timestamp", "datetime", "open_time", "opentime"]) ? "canonical"
    : "yahoo";
  if (layout === "pandas" && !pandas) throw mismatch("a pandas dump's header starts with an empty name (`,Open,High,...`)");

  const date = find(["date"]);
  const timeOfDay = find(["time"]);
  const time: Field[] | undefined = pandas ? [{ index: 0, name: "" }]
    : date && timeOfDay ? [date, timeOfDay]
    : (() => {
      const t = find(TIME_NAMES);
      return t ? [t] : undefined;
    })();
  const known = [...TIME_NAMES, ...Object.values(ALIASES).flat()];
  const recognised = names.filter((name) => known.includes(name)).length;
  if (format === "auto" && !time && recognised < 2) {
    throw new InputError("UNKNOWN_LAYOUT", { file, row: line, column: undefined, format, header: shown },
      `${file}: cannot tell the layout from the header at row ${line} ("${shown}"). ${LAYOUTS_HELP}. ` +
      `Rename the columns to one of these or convert the file`);
  }
  const missing = (column: string, aliases: readonly string[]) => new InputError("MISSING_COLUMN", { file, row: line, column, layout },
    `${file}: the header at row ${line} has no "${column}" column${aliases.length > 1 ? ` (accepted names: ${aliases.join(", ")})` : ""}; ` +
    `columns found: ${fields.map((s) => `"${s}"`).join(", ")}. Add or rename that column (names match case-insensitively)`);
  if (!time) throw missing("time", TIME_NAMES);
  const price = (role: "open" | "high" | "low" | "close"): Field => {
    const field = find(ALIASES[role]);
    if (!field) throw missing(role, ALIASES[role]);
    return field;
  };
  const prices = { open: price("open"), high: price("high"), low: price("low"), close: price("close") };
  const volume = find(ALIASES.volume);
  const symbol = find(ALIASES.symbol);
  return {
    layout, headerLine: line, header: fields, time, prices,
    ...(volume ? { volume } : {}), ...(symbol ? { symbol } : {}),
  };
}

/** A generic CSV whose fields the caller named: the mapping first, the usual names for the rest. */
function planMapped(file: string, line: number, fields: readonly string[], names: readonly string[], columns: ColumnMapping): Plan {
  const pick = (role: keyof ColumnMapping, aliases: readonly string[], required: boolean): Field | undefined => {
    const wanted = columns[role]?.toLowerCase();
    const index = wanted !== undefined ? names.indexOf(wanted) : names.findIndex((name) => aliases.includes(name));
    if (index >= 0) return { index, name: fields[index]! };
    if (!required && wanted === undefined) return undefined;
    throw new InputError("MISSING_COLUMN", { file, row: line, column: role, mapped: columns[role] },
      `${file}: the header at row ${line} has no ${wanted !== undefined ? `"${columns[role]}" column (mapped to ${role})` : `"${role}" column`}; ` +
      `columns found: ${fields.map((s) => `"${s}"`).join(", ")}. Fix the mapping or the header`);
  };
  const time = pick("time", TIME_NAMES, true)!;
  const prices = { open: pick("open", ALIASES.open, true)!, high: pick("high", ALIASES.high, true)!, low: pick("low", ALIASES.low, true)!, close: pick("close", ALIASES.close, true)! };
  const volume = pick("volume", ALIASES.volume, false);
  const symbol = pick("symbol", ALIASES.symbol, false);
  return { layout: "canonical", headerLine: line, header: fields, time: [time], prices, ...(volume ? { volume } : {}), ...(symbol ? { symbol } : {}) };
}

/**
 * SQL for the bar time in UTC ms from a text column `ts` and its numeric reading `d`:
 * epoch ms or µs by magnitude, otherwise an ISO date or date-time (no zone means UTC).
 */
function timeExpression(ts: string, d: string): string {
  return `CAST(CASE WHEN ${d} IS NULL THEN epoch_us(TRY_CAST(${ts} AS TIMESTAMPTZ)) / 1000
    WHEN abs(${d}) >= ${US_MIN} THEN ${d} / 1000 WHEN abs(${d}) >= ${MS_MIN} THEN ${d} END AS DOUBLE)`;
}

// ---------------------------------------------------------------------------------------------
// Parquet

async function loadParquet(db: DuckDBConnection, file: string): Promise<Read> {
  const source = `read_parquet(${quotedString(file)}, file_row_number = true)`;
  await runReading(db, file, `CREATE TEMP VIEW source AS SELECT * FROM ${source}`);
  const described = (await db.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM source`)).getRows();
  const header = described.map((r) => String(r[0]));
  const types = described.map((r) => String(r[1]));
  const names = header.map((s) => s.toLowerCase());
  const find = (aliases: readonly string[]): Field | undefined => {
    const index = names.findIndex((name) => aliases.includes(name));
    return index < 0 ? undefined : { index, name: header[index]! };
  };
  const missing = (column: string, aliases: readonly string[]) => new InputError("MISSING_COLUMN", { file, row: undefined, column, layout: "parquet" },
    `${file}: the Parquet file has no "${column}" column${aliases.length > 1 ? ` (accepted names: ${aliases.join(", ")})` : ""}; ` +
    `columns found: ${header.map((s) => `"${s}"`).join(", ")}. Write it with the canonical names time, open, high, low, close, volume`);
  const time = find(TIME_NAMES);
  if (!time) throw missing("time", TIME_NAMES);
  const price = (role: "open" | "high" | "low" | "close"): Field => {
    const field = find(ALIASES[role]);
    if (!field) throw missing(role, ALIASES[role]);
    return field;
  };
  const volume = find(ALIASES.volume);
  const symbol = find(ALIASES.symbol);
  const plan: Plan = {
    layout: "parquet", headerLine: 0, header, time: [time],
    prices: { open: price("open"), high: price("high"), low: price("low"), close: price("close") },
    ...(volume ? { volume } : {}), ...(symbol ? { symbol } : {}),
  };

  const col = (field: Field) => `"${field.name.replaceAll('"', '""')}"`;
  const kind = (field: Field, role: Role): "number" | "text" | "timestamp" => {
    const type = types[field.index]!.toUpperCase();
    if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(type)) return "number";
    if (type === "VARCHAR") return "text";
    if (role === "time" && /^(TIMESTAMP|DATE)/.test(type)) return "timestamp";
    throw new InputError("UNSUPPORTED_COLUMN_TYPE", { file, row: undefined, column: role, type },
      `${file}: column "${field.name}" (${role}) has type ${type}; ${role === "time" ? "time needs a TIMESTAMP, DATE, epoch-ms number or ISO text"
        : "it needs a number type (or text holding numbers)"}; rewrite the Parquet file with that type`);
  };
  const number = (field: Field, role: Role) =>
    kind(field, role) === "number" ? `CAST(${col(field)} AS DOUBLE)` : `TRY_CAST(trim(${col(field)}) AS DOUBLE)`;
  const timeKind = kind(time, "time");
  const t = timeKind === "timestamp" ? `CAST(epoch_us(CAST(${col(time)} AS TIMESTAMP)) / 1000 AS DOUBLE)`
    : timeKind === "number" ? timeExpression("NULL", `CAST(${col(time)} AS DOUBLE)`)
    : timeExpression(`trim(${col(time)})`, `TRY_CAST(trim(${col(time)}) AS DOUBLE)`);
  await db.run(
    `CREATE TEMP TABLE bars AS
     SELECT CAST(file_row_number + 1 AS INTEGER) AS line, ${header.length} AS n, ${t} AS t,
       ${number(plan.prices.open, "open")} AS o, ${number(plan.prices.high, "high")} AS h,
       ${number(plan.prices.low, "low")} AS l, ${number(plan.prices.close, "close")} AS c,
       ${volume ? number(volume, "volume") : "CAST(0 AS DOUBLE)"} AS v, ${symbol ? `CAST(${col(symbol)} AS VARCHAR)` : "NULL"} AS sym,
       ${timeKind === "number" ? `CAST(${col(time)} AS DOUBLE)` : timeKind === "text" ? `TRY_CAST(trim(${col(time)}) AS DOUBLE)` : "CAST(NULL AS DOUBLE)"} AS raw_t
     FROM source`);
  return {
    plan, badShape: "false",
    rawFields: async (line) => {
      const values = (await db.runAndReadAll(
        `SELECT ${header.map((name) => `CAST("${name.replaceAll('"', '""')}" AS VARCHAR)`).join(", ")} FROM source WHERE file_row_number = ${line - 1}`,
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
      const why = NUMBER.test(raw) && Math.abs(d) < MS_MIN
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
  const headerWhere = plan.headerLine > 0 ? `the header (row ${plan.headerLine}) names ${expected}: ${plan.header.join(",")}` : `a ${plan.layout} file has ${expected}`;
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
