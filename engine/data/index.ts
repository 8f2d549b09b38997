/**
 * Data the engine works on: the shared DuckDB SQL (1.4 in the browser worker, 1.5 in Node) for
 * resampling, validation and alignment, and the seeded synthetic markets.
 */
export { resampleSql, RESAMPLE_TIMEFRAMES } from "./resampleSql.js";
export type { ResampleSqlOptions, ResampleTimeframe } from "./resampleSql.js";
export { validationSql, validationReport, validationCountsSql, VALIDATION_CODES } from "./validationSql.js";
export type { Severity, ValidationCode, ValidationProblem, ValidationReport, ValidationSqlOptions } from "./validationSql.js";
export { alignSql } from "./alignSql.js";
export type { AlignFill, AlignSqlOptions } from "./alignSql.js";
export { syntheticMarket, describeSynthetic, syntheticSymbols, SYNTHETIC_GENERATOR } from "./synthetic.js";
export type { SyntheticOptions } from "./synthetic.js";
