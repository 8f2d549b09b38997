/**
 * The hub's proof that a promoted bundle was judged on the backtest it claims: the bundle's own
 * code and parameters run again here, on its dataset, with its settings, and its recorded metrics
 * must come out. A built-in sample is generated again exactly as the site's data loaders generate
 * it (engine/data/synthetic.ts); any other dataset only when a file with the bundle's sha256 is in
 * the hub's datasets folder.
 *
 * The run happens in a child process (`node --import tsx bundleRerun.ts`, the content on stdin,
 * the outcome as one JSON line on stdout): the code is whoever promoted it's, and a loop that
 * never ends or a crash must cost that promotion, not the hub. A time limit kills it.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runBacktest } from "../../backtest.js";
import type { BarSeries } from "../../bars.js";
import { canonicalJson, checkBundleContent, type BundleContent } from "../../bundle.js";
import { SYNTHETIC_DEFAULTS, syntheticMarket } from "../../data/synthetic.js";
import { SYNTHETIC_SAMPLES } from "../../data/syntheticSamples.js";
import { InputError } from "../../errors.js";
import { backtestOptions } from "../../report/reportRun.js";
import { readBars } from "../readBars.js";
import { sha256Hex } from "../reports/reportHashes.js";
import { strategyFromCode } from "../reports/specStrategy.js";

export type Metrics = Readonly<Record<string, number | null>>;

/** What a re-run gives: the metrics as JSON has them, or why there are none. */
export type RerunOutcome = { readonly ok: true; readonly metrics: Metrics } | { readonly ok: false; readonly error: string };

export interface RerunOptions {
  /** Where data files other than the built-in samples are looked for, by sha256. */
  readonly datasetsDir: string;
  /** Longest a re-run may take before it is killed. Default 120 s. */
  readonly timeoutMs?: number;
}

/** Metrics that go through Math.pow, which Chromium's V8 and Node's may round an ulp apart. */
const POW_METRICS = new Set(["cagr", "calmar"]);
const POW_TOLERANCE = 1e-12;

/**
 * How a re-run's metrics differ from the recorded ones, one line per metric ("sharpe: recorded
 * 1.25, re-run 1.5"); empty when they agree. Exact, but CAGR and Calmar to 1e-12 relative.
 */
export function metricDifferences(recorded: Metrics, rerun: Metrics): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(recorded), ...Object.keys(rerun)])].sort()) {
    const a = recorded[key];
    const b = rerun[key];
    if (a === b) continue;
    if (POW_METRICS.has(key) && typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= POW_TOLERANCE * Math.max(Math.abs(a), Math.abs(b))) continue;
    const show = (x: number | null | undefined) => (x === undefined ? "absent" : String(x));
    out.push(`${key}: recorded ${show(a)}, re-run ${show(b)}`);
  }
  return out;
}

/** The bars of the bundle's backtest (its symbols, in its order). InputError when they cannot be had. */
async function bundleBars(content: BundleContent, datasetsDir: string): Promise<BarSeries[]> {
  const { dataset, symbols, timeframe } = content.backtest;
  const sample = SYNTHETIC_SAMPLES.find((s) => s.name === dataset.name.replace(/\.(parquet|csv)$/, ""));
  if (sample) {
    const sampleTimeframe = sample.options.timeframe ?? SYNTHETIC_DEFAULTS.timeframe;
    if (sampleTimeframe !== timeframe) {
      throw new InputError("BUNDLE_DATA", { dataset: dataset.name }, `the sample ${sample.name} is ${sampleTimeframe} bars, not ${timeframe}`);
    }
    const all = syntheticMarket(sample.options);
    return symbols.map((symbol) => {
      const found = all.find((s) => s.symbol === symbol);
      if (!found) throw new InputError("BUNDLE_DATA", { symbol }, `the sample ${sample.name} has no symbol "${symbol}"; its symbols are ${all.map((s) => s.symbol).join(", ")}`);
      return found;
    });
  }
  let files: string[] = [];
  try {
    files = (readdirSync(datasetsDir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
      .filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => join(e.parentPath, e.name)).sort();
  } catch {
    // no datasets folder: only the samples can be re-run
  }
  const file = files.find((f) => sha256Hex(readFileSync(f)) === dataset.sha256);
  if (!file) {
    throw new InputError("BUNDLE_DATA", { dataset: dataset.name },
      `the dataset "${dataset.name}" (sha256 ${dataset.sha256}) is not a built-in sample and no file with that sha256 is in the hub's datasets folder; put the file there to promote a bundle judged on it`);
  }
  const bars: BarSeries[] = [];
  for (const symbol of symbols) bars.push(await readBars(file, { symbol }));
  return bars;
}

/**
 * Runs the bundle's backtest in this process and returns its metrics as JSON has them. Throws
 * InputError when the code does not load or is not the strategy the bundle names (another name,
 * another parameter schema), when its data cannot be had, or when the run stops with an error.
 */
export async function backtestBundle(content: BundleContent, options: Pick<RerunOptions, "datasetsDir">): Promise<Metrics> {
  checkBundleContent(content);
  const strategy = await strategyFromCode(content.strategy.code);
  if (strategy.name !== content.strategy.name) {
    throw new InputError("BUNDLE_CODE", { name: strategy.name }, `the bundle's code defines the strategy "${strategy.name}", not "${content.strategy.name}"`);
  }
  if (canonicalJson(strategy.params) !== canonicalJson(content.paramSchema)) {
    throw new InputError("BUNDLE_CODE", {}, "the bundle's paramSchema is not the parameter schema its code declares");
  }
  const b = content.backtest;
  const result = runBacktest(backtestOptions({
    bars: await bundleBars(content, options.datasetsDir), strategy, params: content.params,
    cash: b.cash, commission: b.commission, slippageBps: b.slippageBps, fillOnClose: b.fillOnClose,
    ...(Object.keys(content.risk).length > 0 ? { risk: content.risk } : {}),
  }));
  if (result.error) throw new InputError("BUNDLE_RUN_STOPPED", { code: result.error.code }, `the backtest stops with an error (${result.error.code}: ${result.error.message})`);
  return JSON.parse(JSON.stringify(result.metrics)) as Metrics;
}

const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const SELF = fileURLToPath(import.meta.url);

/**
 * Runs backtestBundle in a child process with a time limit. Never rejects: a failure is
 * `{ ok: false, error }` with a message for the person promoting.
 */
export function rerunBundle(content: BundleContent, options: RerunOptions): Promise<RerunOutcome> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // the child gets no hub secrets: the code it runs is a user's
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("QW_")));
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", SELF], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let settled = false;
    const finish = (outcome: RerunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(outcome);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ ok: false, error: `the backtest did not finish within ${Math.round(timeoutMs / 1000)} s (an endless loop in the strategy?)` });
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { err += d; });
    child.on("error", (e) => finish({ ok: false, error: `the backtest could not be started: ${e.message}` }));
    child.on("close", (code, signal) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        const parsed = JSON.parse(line) as RerunOutcome;
        if (typeof parsed === "object" && parsed !== null && "ok" in parsed) return finish(parsed);
      } catch {
        // no answer: say how it ended
      }
      finish({ ok: false, error: `the backtest ended without an answer (${signal ?? `exit ${code}`}): ${err.trim().split("\n").slice(-3).join(" ").slice(0, 500)}` });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify({ content, datasetsDir: options.datasetsDir }));
  });
}

/** The child: the job on stdin, the outcome as one JSON line on stdout. */
async function child(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  let outcome: RerunOutcome;
  try {
    const job = JSON.parse(input) as { content: BundleContent; datasetsDir: string };
    outcome = { ok: true, metrics: await backtestBundle(job.content, { datasetsDir: job.datasetsDir }) };
  } catch (error) {
    outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`, () => process.exit(0));
}

if (process.argv[1] === SELF) void child();
