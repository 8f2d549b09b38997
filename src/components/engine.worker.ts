/**
 * The engine worker: DuckDB-wasm (and, later, the backtest engine) off the page's thread, exposed
 * with comlink. Open it with `openEngine()` from ./engineClient.js, never directly.
 *
 * Everything it loads comes from the site itself (Framework copies the files named by the
 * `import.meta.resolve` literals below into `_node/`), so it works with the network off:
 * - Only DuckDB's "eh" bundle (wasm exceptions, every current browser) is referenced: each bundle
 *   is a ~35 MB wasm that Framework copies into the site, and mvp would only serve browsers
 *   from before 2022. init() says so clearly if the browser lacks wasm exceptions.
 * - DuckDB-wasm cannot load its parquet extension offline (extensions come from
 *   extensions.duckdb.org), and autoloading would hang or fail. So autoload is off, and Parquet is
 *   decoded by parquet-wasm (a 4.9 MB wasm, served by the site) into an Arrow IPC stream that
 *   DuckDB ingests with insertArrowFromIPCStream. CSV needs no extension: DuckDB's own reader.
 */
import * as duckdb from "@duckdb/duckdb-wasm";
import { tableToIPC, type Table } from "apache-arrow";
import * as Comlink from "comlink";
import initParquet, { readParquet } from "parquet-wasm/esm";
import { barSeries, type BarSeries } from "../engine/bars.js";
import { inferTimeframe } from "../engine/time.js";
import { resampleSql, type ResampleTimeframe } from "../engine/data/resampleSql.js";
import { validationCountsSql, validationReport, validationSql, type ValidationProblem, type ValidationReport } from "../engine/data/validationSql.js";
import { FIRST_LINE_SQL, csvLinesTableSql, emptyFileError, headerNote, planCsv, type ColumnMapping } from "../engine/data/csvLayout.js";
import { barsTableSql, csvParsedSql, parquetParsedSql, problemsSql, sqlIdent, sqlString } from "./barsSql.js";

/** What init() reports. */
export interface EngineInfo {
  /** DuckDB's version, e.g. "v1.4.3". */
  readonly duckdb: string;
  /** The DuckDB-wasm bundle in use ("eh"). */
  readonly bundle: string;
}

/** A loaded table. */
export interface TableInfo {
  readonly name: string;
  readonly rows: number;
  /** "csv" or "parquet" for loaded files; "sql" for tables made by resample(). */
  readonly format: "csv" | "parquet" | "sql";
  readonly symbols: readonly string[];
  /** Rows that did not parse (each is also in validate()'s report). */
  readonly badRows: number;
}

/**
 * validate()'s answer: engine/data/validationSql.ts's report (ok unless there is an error; lists
 * by severity, first rows first, at most `limit` each; complete counts) for a table of `rows` rows.
 * Rows that did not parse at load time are errors (FIELD_COUNT, EMPTY_FIELD, BAD_NUMBER,
 * BAD_TIMESTAMP) and are not checked further.
 */
export interface DataReport extends ValidationReport {
  readonly table: string;
  readonly rows: number;
}

const DUCKDB_EH = {
  mainModule: import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm"),
  mainWorker: import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js"),
};
const PARQUET_WASM = import.meta.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");

let db: duckdb.AsyncDuckDB | undefined;
let conn: duckdb.AsyncDuckDBConnection | undefined;
let starting: Promise<EngineInfo> | undefined;
/** Load-time parse problems live in a table of this name, beside the bars. */
const problemsTable = (name: string) => `__problems_${name}`;
const formats = new Map<string, TableInfo["format"]>();

async function start(): Promise<EngineInfo> {
  const features = await duckdb.getPlatformFeatures();
  if (!features.wasmExceptions) {
    throw new Error("this browser lacks WebAssembly exception handling, which DuckDB's eh build needs; use a current Chrome, Firefox or Safari");
  }
  // Framework re-bundles DuckDB's worker script as an ES module: start it as a module worker.
  const worker = new Worker(DUCKDB_EH.mainWorker, { type: "module" });
  const instance = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), worker);
  await instance.instantiate(DUCKDB_EH.mainModule);
  const connection = await instance.connect();
  await connection.query("SET autoinstall_known_extensions = false");
  await connection.query("SET autoload_known_extensions = false");
  await connection.query("SET preserve_insertion_order = true");
  await initParquet({ module_or_path: PARQUET_WASM });
  db = instance;
  conn = connection;
  return { duckdb: await instance.getVersion(), bundle: "eh" };
}

function ready(): { db: duckdb.AsyncDuckDB; conn: duckdb.AsyncDuckDBConnection } {
  if (!db || !conn) throw new Error("the engine is not started; call init() first");
  return { db, conn };
}

function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || name.startsWith("__")) {
    throw new Error(`"${name}" is not a usable table name; use letters, digits and _ (not first), e.g. "btc_1h"`);
  }
}

/** Runs SQL, turning DuckDB's message into one that says which step failed. */
async function run(sql: string, what: string): Promise<Table> {
  try {
    return await ready().conn.query(sql);
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split("\n").filter(Boolean).slice(0, 3).join(" / ");
    throw new Error(`${what}: ${message}`);
  }
}

async function tableNames(): Promise<string[]> {
  const t = await run("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1", "listing tables");
  return t.toArray().map((r) => String(r.table_name)).filter((n) => !n.startsWith("__"));
}

async function requireTable(name: string): Promise<void> {
  checkName(name);
  const names = await tableNames();
  if (!names.includes(name)) {
    throw new Error(`unknown table "${name}"; loaded tables: ${names.length ? names.join(", ") : "none yet (load a file first)"}`);
  }
}

const isParquet = (bytes: Uint8Array) =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31; // "PAR1"

/** The symbol a file stands for when it has no symbol column: its name without extension (and Framework's content hash). */
const symbolOf = (file: string) =>
  file.replace(/^.*[\\/]/, "").replace(/\?.*$/, "").replace(/\.(gz|zst)$/i, "").replace(/\.[^.]*$/, "").replace(/\.[0-9a-f]{8}$/, "");

/** Options of loadUrl() and loadFile(). */
export interface LoadOptions {
  /** "parquet" or "csv"; by default taken from the file's first bytes and extension. */
  readonly format?: "parquet" | "csv";
  /**
   * A generic CSV: which header names hold which field, e.g. `{ time: "Date", close: "Last" }`
   * (case-insensitive), as readBars's `columns` option. Mapped roles take these columns; the
   * others are found by their usual names.
   */
  readonly columns?: ColumnMapping;
}

async function ingest(name: string, file: string, bytes: Uint8Array, format: "parquet" | "csv", columns?: ColumnMapping): Promise<TableInfo> {
  checkName(name);
  const { db: instance, conn: c } = ready();
  if (bytes.length === 0) throw emptyFileError(file);
  if (format === "csv" && isParquet(bytes)) format = "parquet";
  let problems: string;
  if (format === "parquet") {
    if (!isParquet(bytes)) throw new Error(`${file} is not a Parquet file (it does not start with "PAR1"); load it as CSV`);
    const raw = `${name}__raw`;
    try {
      const ipc = readParquet(bytes).intoIPCStream();
      await run(`DROP TABLE IF EXISTS ${sqlIdent(raw)}`, "loading");
      await c.insertArrowFromIPCStream(ipc, { name: raw, create: true });
    } catch (e) {
      throw new Error(`${file} could not be read as Parquet: ${e instanceof Error ? e.message : String(e)}`);
    }
    const described = (await run(`DESCRIBE ${sqlIdent(raw)}`, `reading ${file}`)).toArray()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    await run(parquetParsedSql(file, sqlIdent(raw), described, symbolOf(file)), `reading ${file}`);
    await run(`DROP TABLE ${sqlIdent(raw)}`, "loading");
    problems = problemsSql(file, 0, "");
  } else {
    // One row per physical line, so every message can name the line an editor shows (as readBars
    // does; see csvLinesTableSql).
    const path = `${name}__upload.csv`;
    await instance.registerFileBuffer(path, bytes);
    try {
      await run(csvLinesTableSql(path), `${file} could not be read`);
    } finally {
      await instance.dropFile(path);
    }
    const first = (await run(FIRST_LINE_SQL, "reading")).toArray()[0];
    if (!first) throw emptyFileError(file);
    const plan = planCsv(file, Number(first.line), String(first.text), columns ? { columns } : {});
    await run(csvParsedSql(plan, symbolOf(file)), `reading ${file}`);
    problems = problemsSql(file, plan.header.length, headerNote(plan));
  }
  await run(`CREATE OR REPLACE TABLE ${sqlIdent(problemsTable(name))} AS ${problems}`, `checking ${file}`);
  await run(barsTableSql(name), `loading ${file}`);
  await run("DROP TABLE parsed", "loading");
  if (format === "csv") await run("DROP TABLE lines", "loading");
  formats.set(name, format);
  return describe(name);
}

async function firstProblem(name: string): Promise<{ bad: number; message: string } | undefined> {
  const exists = await run(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ${sqlString(problemsTable(name))}`, "checking");
  if (Number(exists.toArray()[0]!.n) === 0) return undefined; // a table made with query(): nothing was parsed
  const t = (await run(`SELECT count(DISTINCT "row") AS bad, min_by(message, "row") AS message FROM ${sqlIdent(problemsTable(name))}`, "checking"))
    .toArray()[0]!;
  return Number(t.bad) > 0 ? { bad: Number(t.bad), message: String(t.message) } : undefined;
}

async function describe(name: string): Promise<TableInfo> {
  const t = (await run(`SELECT count(*) AS n, list(DISTINCT symbol ORDER BY symbol) AS symbols FROM ${sqlIdent(name)}`, "counting")).toArray()[0]!;
  const symbols = t.symbols ? Array.from(t.symbols.toArray() as ArrayLike<unknown>, String) : [];
  return { name, rows: Number(t.n), format: formats.get(name) ?? "sql", symbols, badRows: (await firstProblem(name))?.bad ?? 0 };
}

async function hasRowColumn(name: string): Promise<boolean> {
  const t = await run(`SELECT count(*) AS n FROM information_schema.columns WHERE table_name = ${sqlString(name)} AND column_name = 'row'`, "reading");
  return Number(t.toArray()[0]!.n) > 0;
}

/**
 * Reads a result of DOUBLE columns into Float64Arrays. Zero copy when Arrow allows it (one batch,
 * no nulls: the values buffers are used as they are); otherwise one tight copy per column into a
 * single ArrayBuffer, nulls as NaN. Returns the buffers to transfer.
 */
function doubleColumns(table: Table, names: readonly string[]): { columns: Float64Array[]; buffers: ArrayBuffer[] } {
  const n = table.numRows;
  const vectors = names.map((name) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`internal: the result has no column "${name}"`);
    return v;
  });
  const direct = vectors.map((v) => {
    const data = v.data;
    if (data.length !== 1 || data[0]!.nullCount !== 0) return undefined;
    const values = data[0]!.values as unknown;
    return values instanceof Float64Array && values.length >= n ? values.subarray(0, n) : undefined;
  });
  if (direct.every((c) => c !== undefined)) {
    const columns = direct as Float64Array[];
    return { columns, buffers: [...new Set(columns.map((c) => c.buffer as ArrayBuffer))] };
  }
  const packed = new ArrayBuffer(8 * n * names.length);
  const columns = vectors.map((v, k) => {
    const dst = new Float64Array(packed, 8 * n * k, n);
    let at = 0;
    for (const data of v.data) {
      const values = data.values as unknown;
      if (data.nullCount === 0 && values instanceof Float64Array) {
        dst.set(values.subarray(0, data.length), at);
      } else {
        for (let i = 0; i < data.length; i++) {
          const x = data.getValid(i) ? Number((data.values as ArrayLike<number>)[i]) : Number.NaN;
          dst[at + i] = x;
        }
      }
      at += data.length;
    }
    return dst;
  });
  return { columns, buffers: [packed] };
}

/** The engine worker's API (what `openEngine()` gives the page, with the same names). */
const api = {
  /** Starts DuckDB (eh bundle) and parquet-wasm; safe to call more than once. */
  init(): Promise<EngineInfo> {
    starting ??= start().catch((e: unknown) => {
      starting = undefined;
      throw e;
    });
    return starting;
  },

  /**
   * Fetches a file (an absolute URL, e.g. from FileAttachment(...).url()) and loads it as table
   * `name`; format by `format`, else by the file's first bytes and extension.
   */
  async loadUrl(name: string, url: string, options: LoadOptions = {}): Promise<TableInfo> {
    const response = await fetch(url).catch((e: unknown) => {
      throw new Error(`could not fetch ${url}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const file = url.replace(/\?.*$/, "").replace(/^.*\//, "");
    return ingest(name, file, bytes, options.format ?? (isParquet(bytes) || /\.(parquet|pq)$/i.test(file) ? "parquet" : "csv"), options.columns);
  },

  /** Loads a file the user picked or dropped (CSV or Parquet, by `options.format`, else its first bytes and extension). */
  async loadFile(name: string, file: File, options: LoadOptions = {}): Promise<TableInfo> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return ingest(name, file.name, bytes, options.format ?? (isParquet(bytes) || /\.(parquet|pq)$/i.test(file.name) ? "parquet" : "csv"), options.columns);
  },

  /** Rows, symbols and bad-row count of a table. */
  async table(name: string): Promise<TableInfo> {
    await requireTable(name);
    return describe(name);
  },

  /**
   * Every problem of table `name`: rows that did not parse at load time, then validationSql's
   * checks of the rows that did. Lists hold at most `limit` problems per severity, by row.
   */
  async validate(name: string, limit = 200): Promise<DataReport> {
    await requireTable(name);
    const hasRow = await hasRowColumn(name);
    if (!(await firstProblem(name)) ) await run(`CREATE TABLE IF NOT EXISTS ${sqlIdent(problemsTable(name))} ("row" INTEGER, "column" VARCHAR, code VARCHAR, value VARCHAR, message VARCHAR)`, "validating");
    const parsed = sqlIdent(problemsTable(name));
    await run(`CREATE OR REPLACE TEMP TABLE validation AS
      SELECT CAST("row" AS BIGINT) AS "row", "column", code, 'error' AS severity, value, message, '' AS symbol, CAST(NULL AS DOUBLE) AS time
      FROM ${parsed}
      UNION ALL
      SELECT "row", "column", code, severity, value, message, symbol, time
      FROM (${validationSql(sqlIdent(name), { hasRowColumn: hasRow })}) AS checks
      WHERE "row" IS NULL OR "row" NOT IN (SELECT "row" FROM ${parsed})`, `validating ${name}`);
    const counts: Record<string, number> = {};
    for (const r of (await run(validationCountsSql("validation"), `validating ${name}`)).toArray()) counts[String(r.code)] = Number(r.n);
    const listed = (await run(`SELECT * FROM validation QUALIFY row_number() OVER (PARTITION BY severity ORDER BY "row", code) <= ${Math.max(0, Math.floor(limit))}
      ORDER BY "row", code`, `validating ${name}`)).toArray().map((r): ValidationProblem => ({
      row: r.row === null ? null : Number(r.row), column: r.column ?? null, code: String(r.code), severity: r.severity,
      value: r.value ?? null, message: String(r.message), symbol: String(r.symbol), time: r.time ?? null,
    }));
    await run("DROP TABLE validation", "validating");
    const rows = Number((await run(`SELECT count(*) AS n FROM ${sqlIdent(name)}`, "counting")).toArray()[0]!.n);
    return { table: name, rows, ...validationReport(listed, { maxListed: limit, counts }) };
  },

  /** Resamples table `name` to `timeframe` bars into a new table `as` (resampleSql); returns it. */
  async resample(name: string, timeframe: ResampleTimeframe, as: string): Promise<TableInfo> {
    await requireTable(name);
    checkName(as);
    const problem = await firstProblem(name);
    if (problem) throw new Error(`${name} has ${problem.bad} row(s) that did not load; the first: ${problem.message}`);
    const sql = resampleSql({ source: sqlIdent(name), timeframe });
    await run(`CREATE OR REPLACE TABLE ${sqlIdent(as)} AS ${sql}`, `resampling ${name} to ${timeframe}`);
    await run(`CREATE OR REPLACE TABLE ${sqlIdent(problemsTable(as))} ("row" INTEGER, "column" VARCHAR, code VARCHAR, value VARCHAR, message VARCHAR)`, "resampling");
    formats.set(as, "sql");
    return describe(as);
  },

  /**
   * The bars of `symbol` (optional when the table holds one symbol) as a validated BarSeries whose
   * Float64Array columns are transferred to the caller, not copied.
   */
  async bars(name: string, symbol?: string): Promise<BarSeries> {
    await requireTable(name);
    const info = await describe(name);
    const problem = await firstProblem(name);
    if (problem) throw new Error(`${name} has ${problem.bad} row(s) that did not load; the first: ${problem.message}`);
    if (symbol === undefined && info.symbols.length > 1) {
      throw new Error(`${name} holds several symbols (${info.symbols.slice(0, 20).join(", ")}); pass one to bars()`);
    }
    const pick = symbol ?? info.symbols[0] ?? "";
    if (symbol !== undefined && !info.symbols.includes(symbol)) {
      throw new Error(`${name} has no bars for symbol "${symbol}"; its symbols: ${info.symbols.join(", ")}`);
    }
    const hasRow = await hasRowColumn(name);
    const result = await run(
      `SELECT ${hasRow ? "CAST(row AS DOUBLE) AS row, " : ""}CAST(time AS DOUBLE) AS time, CAST(open AS DOUBLE) AS open,
         CAST(high AS DOUBLE) AS high, CAST(low AS DOUBLE) AS low, CAST(close AS DOUBLE) AS close, CAST(volume AS DOUBLE) AS volume
       FROM ${sqlIdent(name)} WHERE symbol = ${sqlString(pick)} ORDER BY ${hasRow ? "row" : "time"}`, `reading bars of ${name}`);
    const names = hasRow ? ["row", "time", "open", "high", "low", "close", "volume"] : ["time", "open", "high", "low", "close", "volume"];
    const { columns, buffers } = doubleColumns(result, names);
    const [rows, time, open, high, low, close, volume] = hasRow ? columns : [undefined, ...columns];
    const series = barSeries({
      symbol: pick, timeframe: inferTimeframe(time!), time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume!,
      source: rows ? { file: name, rows } : {},
    });
    // A plain object (not the frozen result of barSeries with getters): structured clone keeps the
    // views, and the buffers move to the page instead of being copied.
    const plain: BarSeries = { ...series };
    return Comlink.transfer(plain, buffers);
  },

  /** Runs SQL and returns the result as Arrow IPC stream bytes (transferred). Meant for small results. */
  async query(sql: string): Promise<Uint8Array> {
    const table = await run(sql, "the query failed");
    const bytes = tableToIPC(table, "stream");
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },

  /** Names of the loaded tables. */
  tables(): Promise<string[]> {
    return tableNames();
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
