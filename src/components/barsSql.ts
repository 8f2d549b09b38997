/**
 * SQL that turns a CSV or Parquet file, already visible to DuckDB, into a canonical bars table
 * `row, symbol, time, open, high, low, close, volume` (time = bar open time in UTC ms, DOUBLE;
 * row = the 1-based line of the file for CSV, the 1-based record number for Parquet), plus the SQL
 * that lists the rows that did not parse. Isomorphic: the engine worker runs it in DuckDB-wasm and
 * the tests run it in Node.
 *
 * The CSV layout rules (layouts, header aliases, column mapping, ms/µs rule, line numbers) are
 * engine/data/csvLayout.ts's, shared with engine/node/readBars.ts. Unlike readBars this never
 * throws on a bad row: bad values become NULL and are reported by `problemsSql`, so the page can
 * show every bad row, not only the first.
 */

import {
  columnNumberSql, columnTimeSql, csvFieldsSql, planColumns, sqlIdent, sqlString, type ColumnInfo, type CsvPlan, type LayoutField,
} from "../engine/data/csvLayout.js";

export { sqlIdent, sqlString };
export type { ColumnInfo };

/**
 * SQL creating the temp table `parsed` (line, n, raw_*, t, o, h, l, c, v, sym) from the temp table
 * `lines` (csvLinesTableSql: one VARCHAR `text` per physical line, in file order, rowid = line - 1),
 * cut into fields by engine/data/csvLayout.ts's csvFieldsSql, as readBars does.
 */
export function csvParsedSql(plan: CsvPlan, defaultSymbol: string): string {
  return `CREATE OR REPLACE TEMP TABLE parsed AS
SELECT line, n, raw_t, raw_o, raw_h, raw_l, raw_c, raw_v, t, o, h, l, c, v,
  ${plan.symbol === undefined ? sqlString(defaultSymbol) : "nullif(sym, '')"} AS sym
FROM (${csvFieldsSql(plan, { raw: true })})`;
}

/**
 * SQL creating the temp table `parsed` from `source` (a table of a Parquet file's records, in file
 * order), the columns found by csvLayout's planColumns as readBars does. Throws its InputError
 * naming the missing column or the unusable type.
 */
export function parquetParsedSql(file: string, source: string, columns: readonly ColumnInfo[], defaultSymbol: string): string {
  const plan = planColumns(file, columns);
  const { kinds, volume, symbol } = plan;
  const { open, high, low, close } = plan.prices;
  const time = plan.time[0]!;
  const rawOf = (c: LayoutField | undefined) => (c ? `coalesce(CAST(${sqlIdent(c.name)} AS VARCHAR), '')` : "''");
  return `CREATE OR REPLACE TEMP TABLE parsed AS
SELECT CAST(rowid + 1 AS INTEGER) AS line, 0 AS n, ${rawOf(time)} AS raw_t, ${rawOf(open)} AS raw_o, ${rawOf(high)} AS raw_h,
  ${rawOf(low)} AS raw_l, ${rawOf(close)} AS raw_c, ${rawOf(volume)} AS raw_v, ${columnTimeSql(time, kinds.time)} AS t,
  ${columnNumberSql(open, kinds.open)} AS o, ${columnNumberSql(high, kinds.high)} AS h, ${columnNumberSql(low, kinds.low)} AS l,
  ${columnNumberSql(close, kinds.close)} AS c, ${volume ? columnNumberSql(volume, kinds.volume) : "CAST(0 AS DOUBLE)"} AS v,
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
