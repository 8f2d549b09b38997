/**
 * `npm run data -- <command> ...` (tsx data-loaders/cli.ts): import, validate, inspect and resample
 * bar files; synth and fetch are dispatched to ./synthCommand.js and ./fetchCommand.js.
 * Exit codes: 0 done, 1 failed (bad arguments, unreadable file, refused data), 2 validate found errors.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { priceDecimals, type BarSeries } from "../engine/bars.js";
import { RESAMPLE_TIMEFRAMES, type ResampleTimeframe } from "../engine/data/resampleSql.js";
import type { ValidationReport } from "../engine/data/validationSql.js";
import { EngineError } from "../engine/errors.js";
import type { BarFileFormat, ColumnMapping } from "../engine/node/readBars.js";
import { withDuckDB } from "../engine/node/withDuckDB.js";
import { formatTime } from "../engine/time.js";
import { appendBars, writeCanonical } from "./duckdbBars.js";
import { formatProblem, importBars, validateBarsFile, type ImportBarsOptions } from "./importBars.js";
import { resampleBars } from "./resample.js";

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const USAGE = `usage: npm run data -- <command> [options]
  import <in> <out.parquet|out.csv>   read CSV/Parquet, validate, write canonical bars
                                      (symbol, time = UTC ms BIGINT, open, high, low, close, volume)
  validate <in>                       print every problem; exit 2 when there are errors
  inspect <in>                        symbols, rows, first/last time, timeframe, gaps, zero-volume bars, price decimals
  resample <in> <out> --timeframe TF  TF one of ${RESAMPLE_TIMEFRAMES.join(", ")}
  synth ...                           synthetic sample markets (see its --help)
  fetch ...                           ccxt OHLCV download (see its --help)
options: --symbol S  --format auto|canonical|yahoo|backtrader|pandas|binance|parquet  --timeframe TF
         --map time=Date,close=Last,...  (a generic CSV: which header holds which field)
         --repair (drop bad rows, sort, dedupe instead of refusing)  --max-gap MS  --json  --quiet`;

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(["symbol", "format", "timeframe", "max-gap", "max-listed", "map"]);
const BOOLEAN_FLAGS = new Set(["repair", "json", "quiet", "help"]);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h") { flags.set("help", true); continue; }
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else if (BOOLEAN_FLAGS.has(name)) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, flags };
}

class UsageError extends Error {}

/** Prints a line to stderr every second while `work` runs (unless quiet): long imports show life. */
async function withProgress<T>(io: CliIO, quiet: boolean, label: string, work: () => Promise<T>): Promise<T> {
  if (quiet) return work();
  const start = Date.now();
  const timer = setInterval(() => io.err(`${label}... ${Math.round((Date.now() - start) / 1000)} s`), 1000);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function importOptions(p: Parsed): ImportBarsOptions {
  const o: ImportBarsOptions = {};
  const symbol = p.flags.get("symbol");
  if (typeof symbol === "string") o.symbol = symbol;
  const format = p.flags.get("format");
  if (typeof format === "string") o.format = format as BarFileFormat;
  const gap = p.flags.get("max-gap");
  if (typeof gap === "string") {
    const ms = Number(gap);
    if (!(ms > 0)) throw new UsageError(`--max-gap needs a number of milliseconds above 0, not "${gap}"`);
    o.maxGapMs = ms;
  }
  const listed = p.flags.get("max-listed");
  if (typeof listed === "string") o.maxListed = Number(listed);
  if (p.flags.get("repair") === true) o.repair = true;
  const map = p.flags.get("map");
  if (typeof map === "string") o.columns = columnMapping(map);
  return o;
}

const ROLES = ["time", "open", "high", "low", "close", "volume", "symbol"] as const;

/** `time=Date,close=Last` → { time: "Date", close: "Last" }. */
function columnMapping(text: string): ColumnMapping {
  const mapping: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const [role, name] = pair.split("=").map((x) => x.trim());
    if (!role || !name || !(ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`--map takes field=header pairs separated by commas (fields: ${ROLES.join(", ")}); got "${pair}"`);
    }
    mapping[role] = name;
  }
  return mapping;
}

function need(p: Parsed, n: number, what: string): string[] {
  if (p.positional.length !== n + 1) throw new UsageError(`${p.positional[0]} needs ${what}`);
  return p.positional.slice(1);
}

function printReport(io: CliIO, file: string, report: ValidationReport, max = 20): void {
  const { totals } = report;
  io.out(`${file}: ${totals.errors} error(s), ${totals.warnings} warning(s), ${totals.notices} notice(s)`);
  for (const [code, n] of Object.entries(report.counts).sort()) io.out(`  ${code}: ${n}`);
  for (const [name, list] of [["errors", report.errors], ["warnings", report.warnings]] as const) {
    if (list.length === 0) continue;
    io.out(`${name}:`);
    for (const p of list.slice(0, max)) io.out(`  ${formatProblem(file, p)}`);
    const total = name === "errors" ? totals.errors : totals.warnings;
    if (total > max) io.out(`  ... ${total - max} more`);
  }
}

interface SeriesInfo {
  symbol: string; rows: number; timeframe: string; first: string | null; last: string | null; priceDecimals: number | null;
}

function describeSeries(s: BarSeries): SeriesInfo {
  return {
    symbol: s.symbol, rows: s.length, timeframe: s.timeframe,
    first: s.length ? formatTime(s.time[0]!) : null, last: s.length ? formatTime(s.time[s.length - 1]!) : null,
    priceDecimals: priceDecimals(s) ?? null,
  };
}

/**
 * Runs one CLI command in-process and resolves to its exit code (never calls process.exit).
 *
 * @example
 * const code = await runCli(["validate", "bars.csv", "--quiet"]);
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const command = argv[0];
  if (command === "synth" || command === "fetch") return dispatch(command, argv.slice(1), io);
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (!command || p.flags.has("help") || command === "help") {
    (command ? io.out : io.err)(USAGE);
    return command ? 0 : 1;
  }
  const quiet = p.flags.get("quiet") === true;
  const json = p.flags.get("json") === true;
  try {
    switch (command) {
      case "import": {
        const [input, output] = need(p, 2, "an input file and an output file (.parquet or .csv)");
        const options = { ...importOptions(p), writeTo: output! };
        const tf = p.flags.get("timeframe");
        if (typeof tf === "string") options.timeframe = tf;
        const result = await withProgress(io, quiet, `importing ${input}`, () => importBars(input!, options));
        if (json) {
          io.out(JSON.stringify({ file: input, output, series: result.series.map(describeSeries), totals: result.report.totals, counts: result.report.counts, repair: result.repair }));
        } else if (!quiet) {
          const rows = result.series.reduce((n, s) => n + s.length, 0);
          io.out(`${input} -> ${output}: ${rows} bars, ${result.series.length} symbol(s) (${result.series.map((s) => s.symbol).join(", ")})`);
          if (result.repair) {
            io.out(`repair: dropped ${result.repair.droppedRows} bad row(s) and ${result.repair.droppedDuplicates} duplicate(s)${result.repair.sorted ? "; sorted by time" : ""}`);
            for (const d of result.repair.dropped.slice(0, 20)) io.out(`  dropped row ${d.row}: ${d.codes.join(", ")}`);
          }
          printReport(io, input!, { ...result.report, errors: [] }, 10);
        }
        return 0;
      }
      case "validate": {
        const [input] = need(p, 1, "a file");
        const { report } = await withProgress(io, quiet, `validating ${input}`, () => validateBarsFile(input!, importOptions(p)));
        if (json) io.out(JSON.stringify(report));
        else printReport(io, input!, report);
        return report.ok ? 0 : 2;
      }
      case "inspect": {
        const [input] = need(p, 1, "a file");
        const result = await withProgress(io, quiet, `reading ${input}`, () => importBars(input!, { ...importOptions(p), repair: true }));
        const gaps = result.report.warnings.filter((w) => w.code === "GAP");
        const info = {
          file: input,
          symbols: result.series.map((s) => ({
            ...describeSeries(s),
            gaps: gaps.filter((g) => g.symbol === s.symbol).length,
            zeroVolume: s.volume.reduce((n, v) => n + (v === 0 ? 1 : 0), 0),
          })),
          gaps: gaps.slice(0, 20).map((g) => ({ symbol: g.symbol, from: formatTime(g.from!), to: formatTime(g.to!), missing: g.missing })),
          errors: result.report.totals.errors, warnings: result.report.totals.warnings, notices: result.report.totals.notices,
          counts: result.report.counts,
          ...(result.repair && (result.repair.droppedRows || result.repair.droppedDuplicates) ? { repair: result.repair } : {}),
        };
        if (json) {
          io.out(JSON.stringify(info));
        } else {
          io.out(`${input}`);
          for (const s of info.symbols) {
            io.out(`  ${String(s.symbol)}: ${String(s.rows)} bars ${String(s.first)} .. ${String(s.last)}, timeframe ${String(s.timeframe) || "?"}, ` +
              `${s.gaps} gap(s), ${s.zeroVolume} zero-volume bar(s), price decimals ${String(s.priceDecimals ?? "> 8")}`);
          }
          for (const g of info.gaps) io.out(`  gap ${g.symbol}: ${g.from} .. ${g.to} (${String(g.missing)} missing)`);
          if (info.errors > 0) io.out(`  ${info.errors} error(s) in the file (run validate); their rows are left out above`);
        }
        return 0;
      }
      case "resample": {
        const [input, output] = need(p, 2, "an input file and an output file");
        const tf = p.flags.get("timeframe");
        if (typeof tf !== "string" || !(RESAMPLE_TIMEFRAMES as readonly string[]).includes(tf)) {
          throw new UsageError(`resample needs --timeframe, one of ${RESAMPLE_TIMEFRAMES.join(", ")}`);
        }
        const { series } = await withProgress(io, quiet, `reading ${input}`, () => importBars(input!, importOptions(p)));
        const resampled = await withProgress(io, quiet, `resampling to ${tf}`, () => resampleBars(series, tf as ResampleTimeframe));
        await withDuckDB(async (db) => {
          await appendBars(db, "out_bars", resampled);
          await writeCanonical(db, "out_bars", output!);
        });
        const before = series.reduce((n, s) => n + s.length, 0);
        const after = resampled.reduce((n, s) => n + s.length, 0);
        if (json) io.out(JSON.stringify({ file: input, output, timeframe: tf, rowsIn: before, rowsOut: after }));
        else if (!quiet) io.out(`${input} -> ${output}: ${before} bars -> ${after} ${tf} bars`);
        return 0;
      }
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 1;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${USAGE}`);
      return 1;
    }
    if (e instanceof EngineError) {
      io.err(`${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

type Command = (argv: string[]) => Promise<number>;

/** synth and fetch live in modules written separately; until they exist the CLI says so. */
async function dispatch(command: "synth" | "fetch", argv: string[], io: CliIO): Promise<number> {
  let run: Command | undefined;
  try {
    // variables, not literals: the modules may not exist yet, and neither tsc nor the bundler should insist
    const specifier = command === "synth" ? "./synthCommand.js" : "./fetchCommand.js";
    const mod = (await import(specifier)) as Record<string, unknown>;
    const fn = mod[command === "synth" ? "runSynth" : "runFetch"];
    if (typeof fn === "function") run = fn as Command;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && !/Cannot find module|Failed to load|does not provide/.test(String(e))) throw e;
  }
  if (!run) {
    io.err(`${command}: not available yet (data-loaders/${command}Command.ts is missing)`);
    return 1;
  }
  return run(argv);
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
