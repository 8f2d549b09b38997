/**
 * The CSV layout rules of the bar readers, shared by engine/node/readBars.ts (Node DuckDB) and the
 * browser worker's src/components/barsSql.ts (DuckDB-wasm): delimiter choice and field splitting,
 * header → plan (layout detection, header aliases, a caller's column mapping, and the InputErrors
 * with file, row and column), the ms/µs epoch rule, and the DuckDB SQL that reads a file into one
 * row per physical line and cuts each line into bar fields. Pure: plans and SQL strings only; how
 * a file reaches DuckDB and how results come back stays with each engine.
 */
import { InputError } from "../errors.js";

/** The fields of a bar a file column can hold. */
export type BarRole = "time" | "open" | "high" | "low" | "close" | "volume" | "symbol";

/** Header names for the fields of a bar, for CSV files whose names are not the usual ones. */
export type ColumnMapping = Partial<Readonly<Record<BarRole, string>>>;

/** The CSV layouts the readers understand. */
export type CsvLayout = "canonical" | "yahoo" | "backtrader" | "pandas" | "binance";

/** Where one role's value comes from: the 0-based column index and the column's name in the file. */
export interface LayoutField {
  readonly index: number;
  readonly name: string;
}

/** How to turn a file's columns into bar columns. */
export interface BarPlan {
  readonly layout: CsvLayout | "parquet";
  /** Line of the header; without one (Binance, Parquet) the line before the first data line, usually 0. */
  readonly headerLine: number;
  /** Column names as written in the file (for messages). */
  readonly header: readonly string[];
  /** `time` is one field, or a date field and a time-of-day field (backtrader intraday files). */
  readonly time: readonly LayoutField[];
  readonly prices: Readonly<Record<"open" | "high" | "low" | "close", LayoutField>>;
  readonly volume?: LayoutField;
  readonly symbol?: LayoutField;
}

/** A BarPlan for a CSV: also the delimiter its lines are cut at. */
export interface CsvPlan extends BarPlan {
  readonly layout: CsvLayout;
  readonly delimiter: string;
}

// Header names (lowercased, trimmed) accepted for each role; the first listed is the canonical one.
export const TIME_NAMES: readonly string[] = ["time", "timestamp", "datetime", "date", "open_time", "opentime"];
export const ALIASES: Readonly<Record<Exclude<BarRole, "time">, readonly string[]>> = {
  open: ["open"], high: ["high"], low: ["low"], close: ["close"],
  volume: ["volume", "vol"], symbol: ["symbol", "ticker"],
};
const BINANCE_COLUMNS = [
  "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
  "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
];

export const LAYOUTS_HELP =
  "Layouts understood: canonical `time,open,high,low,close,volume` (optional `symbol`); " +
  "Yahoo `Date,Open,High,Low,Close,Adj Close,Volume`; backtrader `Date[,Time],Open,High,Low,Close,Volume,OpenInterest`; " +
  "a pandas dump `,Open,High,Low,Close,Volume` (empty first name); Binance klines (no header, 12 columns); " +
  "and Parquet with the canonical column names";

// Epoch numbers: below 1e11 they are neither ms (13 digits from 1973) nor µs (16 digits), so they are
// refused (epoch seconds and YYYYMMDD would otherwise load as 1970 dates). At or above 1e14 they are
// µs: 1e14 ms would be the year 5138, while 1e14 µs is 1973. Deciding per value also reads
// concatenations of Binance files from both sides of the 2025 switch from ms to µs.
/** The smallest epoch number read as milliseconds; smaller ones are refused. */
export const EPOCH_MS_MIN = 1e11;
/** The smallest epoch number read as microseconds. */
export const EPOCH_US_MIN = 1e14;

/** A plain decimal number, as the readers accept it. */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** The delimiter (comma, semicolon, tab or bar) that occurs most often in the header line. */
export function pickDelimiter(line: string): string {
  let best = ",";
  let bestCount = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const count = line.split(d).length - 1;
    if (count > bestCount) [best, bestCount] = [d, count];
  }
  return best;
}

/** Splits a line the way the SQL does (quotes dropped, then cut at the delimiter) and trims each field. */
export function splitFields(line: string, delimiter: string): string[] {
  return line.replaceAll('"', "").split(delimiter).map((s) => s.trim());
}

/** The InputError for a file with no non-blank line. */
export function emptyFileError(file: string): InputError {
  return new InputError("EMPTY_FILE", { file, row: undefined, column: undefined },
    `${file} is empty (or holds only blank lines); it needs a header line and one line per bar (${LAYOUTS_HELP})`);
}

/** What a well-formed line looks like, to complete a field-count message ("row 5 has 7 fields but ..."). */
export function headerNote(plan: BarPlan): string {
  const expected = plan.header.length;
  return plan.headerLine > 0 ? `the header (row ${plan.headerLine}) names ${expected}: ${plan.header.join(",")}` : `a ${plan.layout} file has ${expected}`;
}

export interface PlanCsvOptions {
  /** The layout; "auto" (the default) detects it from the header. */
  readonly format?: CsvLayout | "auto";
  /** A generic CSV: which header names (case-insensitive) hold which field. */
  readonly columns?: ColumnMapping;
}

/** Finds the first column (of `header`, case-insensitively) whose name is one of `aliases`. */
function fieldFinder(header: readonly string[]): (aliases: readonly string[]) => LayoutField | undefined {
  const names = header.map((s) => s.toLowerCase());
  return (aliases) => {
    const index = names.findIndex((name) => aliases.includes(name));
    return index < 0 ? undefined : { index, name: header[index]! };
  };
}

/** The price fields (each required: `missing` makes the error) and the optional volume and symbol, by their aliases. */
function findPrices(find: (aliases: readonly string[]) => LayoutField | undefined, missing: (role: string, aliases: readonly string[]) => Error) {
  const price = (role: "open" | "high" | "low" | "close"): LayoutField => {
    const field = find(ALIASES[role]);
    if (!field) throw missing(role, ALIASES[role]);
    return field;
  };
  const prices = { open: price("open"), high: price("high"), low: price("low"), close: price("close") };
  return { prices, volume: find(ALIASES.volume), symbol: find(ALIASES.symbol) };
}

/**
 * Reads a CSV's layout from its first non-blank line (`text`, at 1-based `line`) of the file named
 * `file` (for messages). Throws InputError FORMAT_MISMATCH, UNKNOWN_LAYOUT or MISSING_COLUMN with
 * the file, the row and the column.
 *
 * @example
 * planCsv("btc.csv", 1, "time,open,high,low,close,volume"); // {layout: "canonical", delimiter: ",", time: [{index: 0, name: "time"}], ...}
 */
export function planCsv(file: string, line: number, text: string, options: PlanCsvOptions = {}): CsvPlan {
  const clean = text.replace(/^\uFEFF/, "");
  const delimiter = pickDelimiter(clean);
  const fields = splitFields(clean, delimiter);
  const { format = "auto", columns } = options;
  const names = fields.map((s) => s.toLowerCase());
  if (columns && Object.keys(columns).length > 0) return { ...planMapped(file, line, fields, names, columns), delimiter };
  const looksLikeData = NUMBER.test(fields[0] ?? "") || /^\d{4}-\d{2}-\d{2}/.test(fields[0] ?? "");
  const binanceLike = fields.length === 12 && /^\d{12,17}$/.test(fields[0] ?? "");
  const shown = clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
  const mismatch = (why: string) => new InputError("FORMAT_MISMATCH", { file, row: line, column: undefined, format },
    `${file} does not look like a ${format} file: ${why} (row ${line}: "${shown}"); pass the right format or "auto"`);

  if (format === "binance" || (format === "auto" && binanceLike)) {
    if (!binanceLike) throw mismatch("Binance kline files have no header and 12 columns, the first an epoch time in ms or µs");
    const field = (name: string): LayoutField => ({ index: BINANCE_COLUMNS.indexOf(name), name });
    return {
      layout: "binance", headerLine: line - 1, header: BINANCE_COLUMNS, delimiter, time: [field("open_time")],
      prices: { open: field("open"), high: field("high"), low: field("low"), close: field("close") }, volume: field("volume"),
    };
  }
  if (looksLikeData) {
    throw new InputError(format === "auto" ? "UNKNOWN_LAYOUT" : "FORMAT_MISMATCH", { file, row: line, column: undefined, format },
      `${file}: row ${line} ("${shown}") holds data, not a header; only Binance kline files (12 columns) may go without one. ` +
      `Add a header line such as time,open,high,low,close,volume`);
  }

  const find = fieldFinder(fields);
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
  const time: LayoutField[] | undefined = pandas ? [{ index: 0, name: "" }]
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
  const { prices, volume, symbol } = findPrices(find, missing);
  return {
    layout, headerLine: line, header: fields, delimiter, time, prices,
    ...(volume ? { volume } : {}), ...(symbol ? { symbol } : {}),
  };
}

/** A generic CSV whose fields the caller named: the mapping first, the usual names for the rest. */
function planMapped(file: string, line: number, fields: readonly string[], names: readonly string[], columns: ColumnMapping): BarPlan & { layout: "canonical" } {
  const pick = (role: BarRole, aliases: readonly string[], required: boolean): LayoutField | undefined => {
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
export function timeExpression(ts: string, d: string): string {
  return `CAST(CASE WHEN ${d} IS NULL THEN epoch_us(TRY_CAST(${ts} AS TIMESTAMPTZ)) / 1000
    WHEN abs(${d}) >= ${EPOCH_US_MIN} THEN ${d} / 1000 WHEN abs(${d}) >= ${EPOCH_MS_MIN} THEN ${d} END AS DOUBLE)`;
}

/**
 * SQL creating the temp table `lines` from the CSV file `path` (a path DuckDB can open): one row
 * per physical line, so that every error can name the line an editor shows. Hence one VARCHAR
 * column `text`, a delimiter that does not occur (\x01), no quoting (a quoted newline would hide a
 * line) and no sniffing. Empty lines come back as NULL rows and keep their place. new_line '\r\n'
 * makes DuckDB take \n, \r\n and a lone \r each as one line end (with '\n', a \r\n in an LF file
 * counted as two lines and shifted every later number). The line number is rowid + 1: run it with
 * `preserve_insertion_order` on (the default) so that the table's rows keep file order
 * (row_number() OVER () gives the same numbers ten times slower, as a single-threaded window).
 */
export function csvLinesTableSql(path: string): string {
  return `CREATE OR REPLACE TEMP TABLE lines AS SELECT text
     FROM read_csv(${sqlString(path)}, header = false, auto_detect = false, columns = {'text': 'VARCHAR'},
       delim = '\x01', quote = '', escape = '', new_line = '\\r\\n', strict_mode = false)`;
}

/** SQL giving the first non-blank line of `lines` as `line` (1-based) and `text`; no row for a blank file. */
export const FIRST_LINE_SQL =
  "SELECT CAST(rowid + 1 AS INTEGER) AS line, text FROM lines WHERE text IS NOT NULL AND trim(text) <> '' ORDER BY rowid LIMIT 1";

/** SQL for the one physical line `line` of `lines`, as `text`. */
export function lineTextSql(line: number): string {
  return `SELECT text FROM lines WHERE rowid = ${Math.trunc(line) - 1}`;
}

/**
 * A SELECT over `lines` (see csvLinesTableSql) giving one row per non-blank data line of a CSV
 * read by `plan`: `line` (1-based file line), `n` (fields on the line), `ts` (the time text, date
 * and time of day joined by a blank), `d` (ts as a number, NULL if it is not one), `t` (time in UTC
 * ms), `o, h, l, c, v` (DOUBLE; v is 0 without a volume column), `sym` (trimmed symbol text, NULL
 * without a symbol column) and, with `raw`, the trimmed texts `raw_t, raw_o, raw_h, raw_l, raw_c,
 * raw_v` ('' where absent). Values that do not parse are NULL; nothing else is checked.
 *
 * Fields are cut with string_split rather than by DuckDB's CSV parser so that the line numbers
 * stay exact; the price is that a quoted field may not contain the delimiter. Quotes are dropped
 * from the whole line first (cheap, and only on lines that have one). TRY_CAST to DOUBLE skips
 * surrounding blanks by itself; the timestamp cast does not, hence trim() there.
 */
export function csvFieldsSql(plan: CsvPlan, options: { raw?: boolean } = {}): string {
  const f = (field: LayoutField) => `f[${field.index + 1}]`;
  const timeText = plan.time.map((field) => `trim(${f(field)})`).join(` || ' ' || `);
  const num = (field: LayoutField | undefined) => (field ? `TRY_CAST(${f(field)} AS DOUBLE)` : "CAST(0 AS DOUBLE)");
  const raw = (field: LayoutField | undefined) => (field ? `coalesce(trim(${f(field)}), '')` : "''");
  const rawColumns = options.raw
    ? `, coalesce(ts, '') AS raw_t, ${raw(plan.prices.open)} AS raw_o, ${raw(plan.prices.high)} AS raw_h, ` +
      `${raw(plan.prices.low)} AS raw_l, ${raw(plan.prices.close)} AS raw_c, ${raw(plan.volume)} AS raw_v`
    : "";
  return `SELECT line, n, ts, d, ${timeExpression("ts", "d")} AS t, o, h, l, c, v, sym${options.raw ? ", raw_t, raw_o, raw_h, raw_l, raw_c, raw_v" : ""}
     FROM (
       SELECT line, len(f) AS n, ts, TRY_CAST(ts AS DOUBLE) AS d,
         ${num(plan.prices.open)} AS o, ${num(plan.prices.high)} AS h, ${num(plan.prices.low)} AS l,
         ${num(plan.prices.close)} AS c, ${num(plan.volume)} AS v, ${plan.symbol ? `trim(${f(plan.symbol)})` : "CAST(NULL AS VARCHAR)"} AS sym${rawColumns}
       FROM (
         SELECT line, f, ${timeText} AS ts
         FROM (
           SELECT CAST(rowid + 1 AS INTEGER) AS line,
             string_split(CASE WHEN contains(text, '"') THEN replace(text, '"', '') ELSE text END, ${sqlString(plan.delimiter)}) AS f
           FROM lines WHERE rowid >= ${plan.headerLine} AND text IS NOT NULL AND trim(text) <> ''
         )
       )
     )`;
}

// ---------------------------------------------------------------------------------------------
// Typed columns (Parquet): the same roles and aliases, found by column name and type

/** A typed column (of a Parquet file) as DuckDB's DESCRIBE reports it. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

/** How a typed column is read: as a number, as text to parse, or (time only) as a timestamp. */
export type ColumnKind = "number" | "text" | "timestamp";

/** A BarPlan for typed columns: also how each used column is read. */
export interface ColumnsPlan extends BarPlan {
  readonly layout: "parquet";
  readonly kinds: Readonly<Partial<Record<BarRole, ColumnKind>>>;
}

/**
 * Finds the bar roles among the typed columns of a Parquet file named `file` (for messages) by the
 * usual names (case-insensitive). Throws InputError MISSING_COLUMN or UNSUPPORTED_COLUMN_TYPE.
 */
export function planColumns(file: string, columns: readonly ColumnInfo[]): ColumnsPlan {
  const header = columns.map((c) => c.name);
  const find = fieldFinder(header);
  const missing = (column: string, aliases: readonly string[]) => new InputError("MISSING_COLUMN", { file, row: undefined, column, layout: "parquet" },
    `${file}: the Parquet file has no "${column}" column${aliases.length > 1 ? ` (accepted names: ${aliases.join(", ")})` : ""}; ` +
    `columns found: ${header.map((s) => `"${s}"`).join(", ")}. Write it with the canonical names time, open, high, low, close, volume`);
  const time = find(TIME_NAMES);
  if (!time) throw missing("time", TIME_NAMES);
  const { prices, volume, symbol } = findPrices(find, missing);
  const kind = (field: LayoutField, role: BarRole): ColumnKind => {
    const type = columns[field.index]!.type.toUpperCase();
    if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(type)) return "number";
    if (type === "VARCHAR") return "text";
    if (role === "time" && /^(TIMESTAMP|DATE)/.test(type)) return "timestamp";
    throw new InputError("UNSUPPORTED_COLUMN_TYPE", { file, row: undefined, column: role, type },
      `${file}: column "${field.name}" (${role}) has type ${type}; ${role === "time" ? "time needs a TIMESTAMP, DATE, epoch-ms number or ISO text"
        : "it needs a number type (or text holding numbers)"}; rewrite the Parquet file with that type`);
  };
  const kinds: Partial<Record<BarRole, ColumnKind>> = {
    time: kind(time, "time"), open: kind(prices.open, "open"), high: kind(prices.high, "high"),
    low: kind(prices.low, "low"), close: kind(prices.close, "close"), ...(volume ? { volume: kind(volume, "volume") } : {}),
  };
  return {
    layout: "parquet", headerLine: 0, header, time: [time], prices, kinds,
    ...(volume ? { volume } : {}), ...(symbol ? { symbol } : {}),
  };
}

/** SQL for the DOUBLE value of the typed column `field` read as `kind` (NULL where text does not parse). */
export function columnNumberSql(field: LayoutField, kind: ColumnKind | undefined): string {
  const col = sqlIdent(field.name);
  return kind === "number" ? `CAST(${col} AS DOUBLE)` : `TRY_CAST(trim(${col}) AS DOUBLE)`;
}

/** SQL for the bar time in UTC ms of the typed column `field` read as `kind` (the epoch rule of timeExpression). */
export function columnTimeSql(field: LayoutField, kind: ColumnKind | undefined): string {
  const col = sqlIdent(field.name);
  return kind === "timestamp" ? `CAST(epoch_us(CAST(${col} AS TIMESTAMP)) / 1000 AS DOUBLE)`
    : kind === "number" ? timeExpression("NULL", `CAST(${col} AS DOUBLE)`)
    : timeExpression(`trim(${col})`, `TRY_CAST(trim(${col}) AS DOUBLE)`);
}
