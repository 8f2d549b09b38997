/**
 * `npm run data -- synth ...`: writes a seeded synthetic market to a Parquet or CSV file.
 * The data CLI dispatches its `synth` subcommand here.
 */
import { InputError } from "../engine/errors.js";
import { SYNTHETIC_DEFAULTS, SYNTHETIC_TIMEFRAMES, type SyntheticOptions, type SyntheticTimeframe } from "../engine/data/synthetic.js";
import { writeSyntheticCsv, writeSyntheticParquet } from "./synthetic.js";

export const SYNTH_USAGE = `Usage: npm run data -- synth --seed N --bars N --out FILE.parquet|FILE.csv [options]

Writes a seeded synthetic market (symbols SYN-A, SYN-B, ...; not real prices) as one table
symbol,time,open,high,low,close,volume. The same options always give the same file.

  --seed N           random seed, a whole number >= 0 (required)
  --bars N           bars per symbol (required)
  --out FILE         output file; .parquet or .csv (required)
  --symbols N|A,B    number of symbols or their names (default ${SYNTHETIC_DEFAULTS.symbols})
  --timeframe TF     ${SYNTHETIC_TIMEFRAMES.join(", ")} (default ${SYNTHETIC_DEFAULTS.timeframe})
  --start DATE       first bar, ISO-8601 UTC (2024-01-01 or 2024-01-01T09:00Z) or epoch ms (default 2024-01-01)
  --correlation X    target correlation of every pair of symbols (default ${SYNTHETIC_DEFAULTS.correlation})
  --decimals N       decimal places of prices (default ${SYNTHETIC_DEFAULTS.decimals})
  --no-seasonality   no hour-of-day volatility profile
  --quiet            print nothing when the file is written

Example: npm run data -- synth --seed 42 --symbols 4 --timeframe 1h --bars 20000 --out bars.parquet`;

type Io = { out: (line: string) => void; err: (line: string) => void };
const CONSOLE: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

/**
 * Runs the synth command with `argv` (the arguments after `synth`). Returns the exit code:
 * 0 written, 2 bad arguments (the message says which and how to fix it), 1 the write failed.
 *
 * @example
 * process.exitCode = await runSynth(["--seed", "42", "--bars", "1000", "--out", "x.parquet"]);
 */
export async function runSynth(argv: readonly string[], io: Io = CONSOLE): Promise<number> {
  let parsed: { options: SyntheticOptions; out: string; quiet: boolean } | "help";
  try {
    parsed = parseSynthArgs(argv);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`synth: ${e.message}\n\n${SYNTH_USAGE}`);
    return 2;
  }
  if (parsed === "help") {
    io.out(SYNTH_USAGE);
    return 0;
  }
  const { options, out, quiet } = parsed;
  try {
    const t0 = performance.now();
    const write = /\.csv$/i.test(out) ? writeSyntheticCsv : writeSyntheticParquet;
    const { description } = await write(out, options);
    if (!quiet) io.out(`${out}: ${description.text} (${Math.round(performance.now() - t0)} ms)`);
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`synth: ${e.message}`);
      return 2;
    }
    io.err(`synth: could not write ${out}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

const FLAGS = ["--seed", "--bars", "--out", "--symbols", "--timeframe", "--start", "--correlation", "--decimals"] as const;

/** Parses synth arguments (`--flag value` or `--flag=value`); throws InputError BAD_ARGUMENT. */
export function parseSynthArgs(argv: readonly string[]): { options: SyntheticOptions; out: string; quiet: boolean } | "help" {
  const values = new Map<string, string>();
  let seasonality = true;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--no-seasonality") { seasonality = false; continue; }
    // the data CLI's global option: say nothing when all went well
    if (arg === "--quiet") { quiet = true; continue; }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(FLAGS as readonly string[]).includes(flag)) fail(arg, `unknown argument "${arg}"`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") fail(flag, `${flag} needs a value`);
    values.set(flag, value);
  }
  for (const flag of ["--seed", "--bars", "--out"]) {
    if (!values.has(flag)) fail(flag, `${flag} is required`);
  }
  const out = values.get("--out")!;
  if (!/\.(parquet|csv)$/i.test(out)) fail("--out", `--out ${out} must end in .parquet or .csv`);
  const options: SyntheticOptions = {
    seed: integer(values, "--seed")!,
    bars: integer(values, "--bars")!,
    seasonality,
  };
  const symbols = values.get("--symbols");
  if (symbols !== undefined) options.symbols = /^\d+$/.test(symbols) ? Number(symbols) : symbols.split(",").map((s) => s.trim());
  const timeframe = values.get("--timeframe");
  if (timeframe !== undefined) {
    if (!(SYNTHETIC_TIMEFRAMES as readonly string[]).includes(timeframe)) fail("--timeframe", `--timeframe ${timeframe} is not one of ${SYNTHETIC_TIMEFRAMES.join(", ")}`);
    options.timeframe = timeframe as SyntheticTimeframe;
  }
  const start = values.get("--start");
  if (start !== undefined) {
    const ms = /^\d+$/.test(start) ? Number(start) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(start) || !start.includes("T") ? start : `${start}Z`);
    if (!Number.isFinite(ms)) fail("--start", `--start ${start} is not a date; write it like 2024-01-01 or 2024-01-01T09:00Z`);
    options.start = ms;
  }
  const correlation = values.get("--correlation");
  if (correlation !== undefined) {
    const x = Number(correlation);
    if (!Number.isFinite(x)) fail("--correlation", `--correlation ${correlation} is not a number; pass e.g. 0.5`);
    options.correlation = x;
  }
  const decimals = integer(values, "--decimals");
  if (decimals !== undefined) options.decimals = decimals;
  return { options, out, quiet };
}

function integer(values: Map<string, string>, flag: string): number | undefined {
  const text = values.get(flag);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) fail(flag, `${flag} ${text} is not a whole number >= 0`);
  return Number(text);
}

function fail(argument: string, message: string): never {
  throw new InputError("BAD_ARGUMENT", { argument }, message);
}
