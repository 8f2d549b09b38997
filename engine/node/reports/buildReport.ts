/**
 * A report from its spec: the data loaded and hashed, the strategy loaded and hashed, the engine
 * run with the tear sheet's computations, everything pinned. What the build-time data loader
 * src/reports/[run].json.ts writes, and what the tests check the page against.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError, InputError } from "../../errors.js";
import type { Metrics } from "../../metrics/computeMetrics.js";
import { resolveParams, type ParamSchema } from "../../strategy/params.js";
import { tearSheet, type TearSheet } from "../../report/tearSheet.js";
import { engineVersion, paramsSha256 } from "./reportHashes.js";
import { PROJECT_ROOT, REPORT_ID, specsDir } from "./reportPaths.js";
import { parseReportSpec, specId, specSha256, type ReportSpec } from "./reportSpec.js";
import { loadSpecData } from "./specData.js";
import { loadSpecStrategy } from "./specStrategy.js";

/** What a report is pinned to: recompute any of these and compare. */
export interface ReportPins {
  /** sha256 of the spec's canonical JSON; the id is its first 12 digits. */
  readonly specSha256: string;
  /** sha256 of the data file's bytes, or for a built-in sample of its bars (barsSha256). */
  readonly dataSha256: string;
  readonly dataHashOf: "file bytes" | "bars";
  /** sha256 of the bars run, whatever file they came from (see barsSha256). */
  readonly barsSha256: string;
  /** sha256 of the strategy's source file (a built-in) or of the bundle's code. */
  readonly codeSha256: string;
  /** The file codeSha256 covers, relative to the project root, or "bundle". */
  readonly codeSource: string;
  /** package.json version + hash of the engine's sources (engineVersion). */
  readonly engineVersion: string;
  /** sha256 of the canonical JSON of the resolved parameter values. */
  readonly paramsHash: string;
}

export interface Report {
  readonly id: string;
  readonly spec: ReportSpec;
  readonly pins: ReportPins;
  readonly data: {
    readonly kind: "sample" | "file";
    readonly dataset: string;
    readonly description: string;
    readonly series: readonly { readonly symbol: string; readonly timeframe: string; readonly bars: number; readonly firstMs: number; readonly lastMs: number }[];
  };
  readonly strategy: { readonly name: string; readonly description: string; readonly kind: "built-in" | "bundle"; readonly schema: ParamSchema };
  readonly settings: { readonly cash: number; readonly commission: number; readonly slippageBps: number; readonly fillOnClose: boolean; readonly risk?: Readonly<Record<string, unknown>> };
  readonly sheet: TearSheet;
}

/** A report that could not be built: what went wrong, for the page to say. */
export interface ReportFailure {
  readonly id: string;
  readonly spec?: ReportSpec;
  readonly error: { readonly code: string; readonly message: string };
}

export interface BuildReportOptions {
  /** The project root. Default the one this file is in. */
  readonly root?: string;
  /** Only the run and its summary figures, no robustness checks (the reports index). Default false. */
  readonly summaryOnly?: boolean;
}

/**
 * Reads src/reports/specs/<id>.json and checks it: valid, and its content still hashes to its id.
 * Throws InputError otherwise.
 */
export function readSpec(id: string, root: string = PROJECT_ROOT): ReportSpec {
  if (!REPORT_ID.test(id)) throw new InputError("BAD_REPORT_ID", { id }, `"${id}" is not a report id (12 lowercase hex digits)`);
  const file = join(specsDir(root), `${id}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError("NO_SPEC", { id }, `there is no report spec src/reports/specs/${id}.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError("BAD_REPORT_SPEC", { id }, `src/reports/specs/${id}.json is not JSON: ${(error as Error).message}`);
  }
  const spec = parseReportSpec(json, `src/reports/specs/${id}.json`);
  const actual = specId(spec);
  if (actual !== id) {
    throw new InputError("SPEC_ID_MISMATCH", { id, actual },
      `src/reports/specs/${id}.json was edited after it was published: its content hashes to ${actual}, not ${id}; publish it again (npm run report) instead of editing it`);
  }
  return spec;
}

/**
 * Builds the report of spec `id` (src/reports/specs/<id>.json). Bad input (a spec, data or
 * strategy problem) becomes a ReportFailure with the engine's message; anything else is a bug and
 * throws.
 *
 * @example
 * const report = await buildReport("3f2a9c1b7e4d");
 * if (!("error" in report)) report.sheet.run.metrics.sharpe;
 */
export async function buildReport(id: string, options: BuildReportOptions = {}): Promise<Report | ReportFailure> {
  let spec: ReportSpec;
  try {
    spec = readSpec(id, options.root ?? PROJECT_ROOT);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { id, error: { code: error.code, message: error.message } };
  }
  return reportOfSpec(spec, options);
}

/** The report of a spec already checked (parseReportSpec); its id is specId(spec). Failures as buildReport. */
export async function reportOfSpec(spec: ReportSpec, options: BuildReportOptions = {}): Promise<Report | ReportFailure> {
  const root = options.root ?? PROJECT_ROOT;
  const id = specId(spec);
  try {
    const data = await loadSpecData(spec, root);
    const strategy = await loadSpecStrategy(spec, root);
    const given = { ...strategy.bundleParams, ...(spec.params ?? {}) };
    const params = resolveParams(strategy.strategy.name, strategy.strategy.params, given) as Readonly<Record<string, unknown>>;
    const costs = spec.costs ?? {};
    const settings = { cash: costs.cash ?? 100_000, commission: costs.commission ?? 0, slippageBps: costs.slippageBps ?? 0, fillOnClose: costs.fillOnClose ?? false, ...(spec.risk ? { risk: spec.risk } : {}) };
    const r = spec.robustness ?? {};
    const sheet = tearSheet({ bars: data.bars, strategy: strategy.strategy, params, ...settings }, {
      summaryOnly: options.summaryOnly ?? false,
      ...(r.rollingWindow ? { rollingWindow: r.rollingWindow } : {}),
      ...(r.costLadderBps ? { costLadderBps: r.costLadderBps } : {}),
      monteCarlo: { ...(r.monteCarloRuns ? { runs: r.monteCarloRuns } : {}), ...(r.seed !== undefined ? { seed: r.seed } : {}) },
      ...(r.walkForward ? {
        walkForward: {
          windows: { mode: r.walkForward.mode ?? "rolling", inSample: r.walkForward.inSample, outOfSample: r.walkForward.outOfSample },
          ...(r.walkForward.metric ? { metric: r.walkForward.metric as keyof Metrics } : {}),
        },
      } : {}),
    });
    return {
      id, spec,
      pins: {
        specSha256: specSha256(spec),
        dataSha256: data.dataSha256, dataHashOf: data.kind === "file" ? "file bytes" : "bars", barsSha256: data.barsSha256,
        codeSha256: strategy.codeSha256, codeSource: strategy.source, engineVersion: engineVersion(root), paramsHash: paramsSha256(params),
      },
      data: {
        kind: data.kind, dataset: data.dataset, description: data.description,
        series: data.bars.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, bars: s.length, firstMs: s.time[0] ?? NaN, lastMs: s.time[s.length - 1] ?? NaN })),
      },
      strategy: { name: strategy.strategy.name, description: strategy.strategy.description ?? "", kind: strategy.kind, schema: strategy.strategy.params as ParamSchema },
      settings,
      sheet,
    };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { id, spec, error: { code: error.code, message: error.message } };
  }
}
