/**
 * Data the engine works on: the shared DuckDB SQL (1.4 in the browser worker, 1.5 in Node) for
 * resampling, validation and alignment, the bar-file layout rules both readers share (csvLayout),
 * and the seeded synthetic markets.
 */
export { resampleSql, RESAMPLE_TIMEFRAMES } from "./resampleSql.js";
export type { ResampleSqlOptions, ResampleTimeframe } from "./resampleSql.js";
export { validationSql, validationReport, validationCountsSql, VALIDATION_CODES } from "./validationSql.js";
export type { Severity, ValidationCode, ValidationProblem, ValidationReport, ValidationSqlOptions } from "./validationSql.js";
export { alignSql } from "./alignSql.js";
export type { AlignFill, AlignSqlOptions } from "./alignSql.js";
export { syntheticMarket, describeSynthetic, syntheticSymbols, SYNTHETIC_GENERATOR } from "./synthetic.js";
export type { SyntheticOptions } from "./synthetic.js";
export {
  planCsv, planColumns, pickDelimiter, splitFields, headerNote, emptyFileError, timeExpression, csvLinesTableSql, csvFieldsSql,
  columnNumberSql, columnTimeSql, lineTextSql, sqlString, sqlIdent, FIRST_LINE_SQL, LAYOUTS_HELP, TIME_NAMES, ALIASES, EPOCH_MS_MIN, EPOCH_US_MIN,
} from "./csvLayout.js";
export type { BarPlan, BarRole, ColumnInfo, ColumnKind, ColumnMapping, ColumnsPlan, CsvLayout, CsvPlan, LayoutField, PlanCsvOptions } from "./csvLayout.js";
