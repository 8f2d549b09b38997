/**
 * SQL that turns a CSV or Parquet file, already visible to DuckDB, into a canonical bars table
 * `row, symbol, time, open, high, low, close, volume` (time = bar open time in UTC ms, DOUBLE;
 * row = the 1-based line of the file for CSV, the 1-based record number for Parquet), plus the SQL
 * that lists the rows that did not parse. Isomorphic: the engine worker runs it in DuckDB-wasm and
 * the tests run it in Node.
 *
 * It follows engine/node/readBars.ts (same layouts, header aliases, ms/µs rule and line numbers),
 * but never throws on a bad row: bad values become NULL and are reported by `problemsSql`, so the
 * page can show every bad row, not only the first.
 */

// Header names (lowercased, trimmed) accepted for each role, as in readBars.
const TIME_NAMES = ["time", "timestamp", "datetime", "date", "open_time", "opentime"];
const ALIASES = {
  open: ["open"], high: ["high"], low: ["low"], close: ["close"],
  volume: ["volume", "vol"], symbol: ["symbol", "ticker"],
} as const;
const BINANCE_COLUMNS = [
  "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
  "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
];
// Epoch numbers below 1e11 are refused (seconds, YYYYMMDD); from 1e14 up they are µs (readBars).
const MS_MIN = 1e11;
const US_MIN = 1e14;

export const LAYOUTS_HELP =
  "understood: `time,open,high,low,close,volume` (optional `symbol`), Yahoo `Date,Open,High,Low,Close,Adj Close,Volume`, " +
  "backtrader `Date[,Time],Open,High,Low,Close,Volume,OpenInterest`, a pandas dump `,Open,...` and Binance klines (no header, 12 columns)";

/** Where each bar column comes from in a CSV: 0-based field indexes. */
export interface CsvPlan {
  /** Line of the header (0 for header-less Binance files: data starts on line 1). */
  readonly headerLine: number;
  readonly header: readonly string[];
  readonly delimiter: string;
  /** One field, or a date and a time-of-day field (backtrader intraday). */
  readonly time: readonly number[];
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number;
  readonly symbol?: number;
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

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads the layout from the first non-empty line (`text`, at 1-based `line`) of a CSV named `file`.
 * Throws an Error saying what is missing when the header names no time or price column.
 *
 * @example
 * planCsv("btc.csv", 1, "time,open,high,low,close,volume"); // {time: [0], open: 1, ...}
 */
export function planCsv(file: string, line: number, text: string): CsvPlan {
  const clean = text.replace(/^\uFEFF/, "");
  const delimiter = pickDelimiter(clean);
  const fields = clean.replaceAll('"', "").split(delimiter).map((s) => s.trim());
  const names = fields.map((s) => s.toLowerCase());
  if (fields.length === 12 && /^\d{12,17}$/.test(fields[0] ?? "")) {
    return { headerLine: line - 1, header: BINANCE_COLUMNS, delimiter, time: [0], open: 1, high: 2, low: 3, close: 4, volume: 5 };
  }
  const shown = clean.length > 120 ? `${clean.slice(0, 120)}...` : clean;
  if (NUMBER.test(fields[0] ?? "") || /^\d{4}-\d{2}-\d{2}/.test(fields[0] ?? "")) {
    throw new Error(`${file}: row ${line} ("${shown}") holds data, not a header; add a header line such as time,open,high,low,close,volume`);
  }
  const find = (aliases: readonly string[]) => {
    const i = names.findIndex((name) => aliases.includes(name));
    return i < 0 ? undefined : i;
  };
  const missing = (role: string, aliases: readonly string[]) =>
    new Error(`${file}: the header at row ${line} has no "${role}" column (accepted: ${aliases.join(", ")}); ` +
      `columns found: ${fields.map((s) => `"${s}"`).join(", ")}. Layouts ${LAYOUTS_HELP}`);
  const date = find(["date"]);
  const timeOfDay = find(["time"]);
  const single = find(TIME_NAMES);
  const time = names[0] === "" ? [0] : date !== undefined && timeOfDay !== undefined ? [date, timeOfDay] : single !== undefined ? [single] : undefined;
  if (!time) throw missing("time", TIME_NAMES);
  const price = (role: "open" | "high" | "low" | "close") => {
    const i = find(ALIASES[role]);
    if (i === undefined) throw missing(role, ALIASES[role]);
    return i;
  };
  const volume = find(ALIASES.volume);
  const symbol = find(ALIASES.symbol);
  return {
    headerLine: line, header: fields, delimiter, time,
    open: price("open"), high: price("high"), low: price("low"), close: price("close"),
    ...(volume !== undefined ? { volume } : {}), ...(symbol !== undefined ? { symbol } : {}),
  };
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** SQL for UTC ms from text `ts` and its numeric reading `d`: epoch ms or µs by size, else an ISO date(-time). */
function timeExpression(ts: string, d: string): string {
  return `CAST(CASE WHEN ${d} IS NULL THEN epoch_us(TRY_CAST(${ts} AS TIMESTAMPTZ)) / 1000
    WHEN abs(${d}) >= ${US_MIN} THEN ${d} / 1000 WHEN abs(${d}) >= ${MS_MIN} THEN ${d} END AS DOUBLE)`;
}

/**
 * SQL creating the temp table `parsed` (line, n, raw_*, t, o, h, l, c, v, sym) from the temp table
 * `lines` (one VARCHAR `text` per physical line, in file order, rowid = line - 1).
 */
export function csvParsedSql(plan: CsvPlan, defaultSymbol: string): string {
  const f = (i: number) => `coalesce(trim(f[${i + 1}]), '')`;
  const raw = (i: number | undefined) => (i === undefined ? "''" : f(i));
  const num = (r: string, present: boolean) => (present ? `TRY_CAST(nullif(${r}, '') AS DOUBLE)` : "CAST(0 AS DOUBLE)");
  return `CREATE OR REPLACE TEMP TABLE parsed AS
SELECT line, n, raw_t, raw_o, raw_h, raw_l, raw_c, raw_v, ${timeExpression("nullif(raw_t, '')", "TRY_CAST(nullif(raw_t, '') AS DOUBLE)")} AS t,
  ${num("raw_o", true)} AS o, ${num("raw_h", true)} AS h, ${num("raw_l", true)} AS l, ${num("raw_c", true)} AS c,
  ${num("raw_v", plan.volume !== undefined)} AS v, ${plan.symbol === undefined ? sqlString(defaultSymbol) : `nullif(${f(plan.symbol)}, '')`} AS sym
FROM (
  SELECT line, f, len(f) AS n, ${plan.time.map(f).join(" || ' ' || ")} AS raw_t,
    ${raw(plan.open)} AS raw_o, ${raw(plan.high)} AS raw_h, ${raw(plan.low)} AS raw_l, ${raw(plan.close)} AS raw_c, ${raw(plan.volume)} AS raw_v
  FROM (
    SELECT CAST(rowid + 1 AS INTEGER) AS line,
      string_split(CASE WHEN contains(text, '"') THEN replace(text, '"', '') ELSE text END, ${sqlString(plan.delimiter)}) AS f
    FROM lines WHERE rowid >= ${plan.headerLine} AND text IS NOT NULL AND trim(text) <> ''
  )
)`;
}

/** A Parquet column as DESCRIBE reports it. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

/**
 * SQL creating the temp table `parsed` from `source` (a table of a Parquet file's records, in file
 * order). Throws an Error naming the missing column or the unusable type.
 */
export function parquetParsedSql(file: string, source: string, columns: readonly ColumnInfo[], defaultSymbol: string): string {
  const names = columns.map((c) => c.name.toLowerCase());
  const find = (aliases: readonly string[]) => {
    const i = names.findIndex((name) => aliases.includes(name));
    return i < 0 ? undefined : columns[i]!;
  };
  const missing = (role: string, aliases: readonly string[]) =>
    new Error(`${file}: the Parquet file has no "${role}" column (accepted: ${aliases.join(", ")}); columns found: ` +
      `${columns.map((c) => `"${c.name}"`).join(", ")}. Write it with the names time, open, high, low, close, volume`);
  const time = find(TIME_NAMES);
  if (!time) throw missing("time", TIME_NAMES);
  const need = (role: "open" | "high" | "low" | "close") => {
    const c = find(ALIASES[role]);
    if (!c) throw missing(role, ALIASES[role]);
    return c;
  };
  const [open, high, low, close] = [need("open"), need("high"), need("low"), need("close")];
  const volume = find(ALIASES.volume);
  const symbol = find(ALIASES.symbol);
  const isNumber = (c: ColumnInfo) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/i.test(c.type);
  const rawOf = (c: ColumnInfo | undefined) => (c ? `coalesce(CAST(${sqlIdent(c.name)} AS VARCHAR), '')` : "''");
  const num = (c: ColumnInfo | undefined, role: string) => {
    if (!c) return "CAST(0 AS DOUBLE)";
    if (isNumber(c)) return `CAST(${sqlIdent(c.name)} AS DOUBLE)`;
    if (/^VARCHAR/i.test(c.type)) return `TRY_CAST(nullif(trim(${sqlIdent(c.name)}), '') AS DOUBLE)`;
    throw new Error(`${file}: column "${c.name}" (${role}) has type ${c.type}; it needs a number type; rewrite the Parquet file with one`);
  };
  const col = sqlIdent(time.name);
  const t = /^(TIMESTAMP|DATE)/i.test(time.type) ? `CAST(epoch_us(CAST(${col} AS TIMESTAMP)) / 1000 AS DOUBLE)`
    : isNumber(time) ? timeExpression("NULL", `CAST(${col} AS DOUBLE)`)
    : /^VARCHAR/i.test(time.type) ? timeExpression(`trim(${col})`, `TRY_CAST(trim(${col}) AS DOUBLE)`)
    : (() => { throw new Error(`${file}: column "${time.name}" (time) has type ${time.type}; time needs a TIMESTAMP, DATE, epoch-ms number or ISO text`); })();
  return `CREATE OR REPLACE TEMP TABLE parsed AS
SELECT CAST(rowid + 1 AS INTEGER) AS line, 0 AS n, ${rawOf(time)} AS raw_t, ${rawOf(open)} AS raw_o, ${rawOf(high)} AS raw_h,
  ${rawOf(low)} AS raw_l, ${rawOf(close)} AS raw_c, ${rawOf(volume)} AS raw_v, ${t} AS t,
  ${num(open, "open")} AS o, ${num(high, "high")} AS h, ${num(low, "low")} AS l, ${num(close, "close")} AS c, ${num(volume, "volume")} AS v,
  ${symbol ? `nullif(trim(CAST(${sqlIdent(symbol.name)} AS VARCHAR)), '')` : sqlString(defaultSymbol)} AS sym
FROM ${source}`;
}

/**
 * SQL listing the rows of `parsed` that did not parse (wrong field count, empty or unreadable
 * values) as `row, column, code, value, message` (codes FIELD_COUNT, EMPTY_FIELD, BAD_TIMESTAMP,
 * BAD_NUMBER; all errors), ordered by row. engine/data/validationSql.ts checks the rows that parsed. `fields` is the expected field
 * count (0 for Parquet: no count check); `headerNote` completes the field-count message.
 */
export function problemsSql(file: string, fields: number, headerNote: string): string {
  const at = (role: string) => `' at row ' || line || ' of ' || ${sqlString(file)}`;
  const check = (role: string, raw: string, value: string, what: string) =>
    `SELECT line AS row, '${role}' AS "column", CASE WHEN ${raw} = '' THEN 'EMPTY_FIELD' ELSE '${role === "time" ? "BAD_TIMESTAMP" : "BAD_NUMBER"}' END AS code,
       ${raw} AS value,
       CASE WHEN ${raw} = '' THEN '${role} is empty' || ${at(role)} || '; fill in the value or drop the row'
         ELSE '${role} is "' || ${raw} || '"' || ${at(role)} || ', which is ${what}' END AS message
     FROM parsed WHERE ${fields > 0 ? `n = ${fields} AND ` : ""}${value} IS NULL`;
  const parts = [
    ...(fields > 0 ? [`SELECT line AS row, NULL AS "column", 'FIELD_COUNT' AS code, CAST(n AS VARCHAR) AS value,
       'row ' || line || ' of ' || ${sqlString(file)} || ' has ' || n || ' fields but ' || ${sqlString(headerNote)} AS message
     FROM parsed WHERE n <> ${fields}`] : []),
    check("time", "raw_t", "t",
      "not a date; write times as YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC unless a zone is given) or epoch milliseconds"),
    ...(["open", "high", "low", "close", "volume"] as const).map((role, k) =>
      check(role, `raw_${role[0]}`, ["o", "h", "l", "c", "v"][k]!, "not a number; write plain decimal numbers or drop the row")),
  ];
  return `SELECT * FROM (${parts.join("\nUNION ALL\n")}) ORDER BY row, "column"`;
}

/** SQL creating the canonical bars table `target` from `parsed`. */
export function barsTableSql(target: string): string {
  return `CREATE OR REPLACE TABLE ${sqlIdent(target)} AS
SELECT line AS row, coalesce(sym, '') AS symbol, t AS time, o AS open, h AS high, l AS low, c AS close, v AS volume
FROM parsed ORDER BY line`;
}
