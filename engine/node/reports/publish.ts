/**
 * "Publish this run": a run as the Backtest page describes it, plus a title, becomes a report spec
 * in src/reports/specs/, and the next `npm run build` makes its page. The hub serves this over
 * HTTP; `npm run report` calls it from the command line.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { SYNTHETIC_SAMPLES } from "../../data/syntheticSamples.js";
import { InputError } from "../../errors.js";
import { resolveParams } from "../../strategy/params.js";
import { reportOfSpec } from "./buildReport.js";
import { sha256Hex } from "./reportHashes.js";
import { PROJECT_ROOT, reportPage, specsDir } from "./reportPaths.js";
import { parseReportSpec, sampleName, specId, type ReportSpec } from "./reportSpec.js";
import { dataFile, datasetPath } from "./specData.js";
import { loadSpecStrategy } from "./specStrategy.js";

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

/** A run to publish: the Backtest page's request (dataset named as the project keeps it) and a title. */
export const publishRequestSchema = z.strictObject({
  title: z.string().trim().min(1, "a report needs a title").max(200),
  description: z.string().max(4000).optional(),
  /** A built-in sample ("sample-1h" or "sample-1h.parquet"), or a file under src/data/ or ../shared/data/ (relative to the project root). */
  dataset: z.string().min(1),
  /** The file's sha256, when the caller knows it: publishing fails if the file on disk differs. */
  dataSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  symbols: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]),
  /** A built-in strategy's name; with `source`, the name the code declares (informative). */
  strategy: z.string().min(1),
  /** The strategy's code (the page's "Custom (code)"): published as a bundle. */
  source: z.string().min(1).optional(),
  params: z.record(z.string(), paramValue).optional(),
  cash: z.number().positive().finite().optional(),
  commission: z.number().min(0).max(0.1).optional(),
  slippageBps: z.number().min(0).max(1000).optional(),
  fillOnClose: z.boolean().optional(),
  riskRules: z.record(z.string(), z.unknown()).optional(),
});

export type PublishRequest = z.input<typeof publishRequestSchema>;

export interface Published {
  readonly id: string;
  /** The report page's path in the site, e.g. "/reports/3f2a9c1b7e4d" (built by the next `npm run build`). */
  readonly page: string;
  /** The spec written, relative to the project root. */
  readonly file: string;
  /** False when the same spec was published before (same content, same id): nothing was written. */
  readonly created: boolean;
  readonly spec: ReportSpec;
}

function requestError(error: z.ZodError): InputError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys" && issue.keys.includes("range")) {
    return new InputError("BAD_PUBLISH_REQUEST", { path: "range" }, "publish: a report covers its whole dataset; publish the run without a range");
  }
  return new InputError("BAD_PUBLISH_REQUEST", { path }, `publish: ${path || "the request"}: ${issue.message}`);
}

/** The spec a request describes (not yet checked against its data and strategy). */
async function specOf(request: z.output<typeof publishRequestSchema>, root: string): Promise<ReportSpec> {
  const sample = SYNTHETIC_SAMPLES.find((s) => s.name === sampleName(request.dataset));
  let data: Pick<ReportSpec, "dataset" | "dataSha256">;
  if (sample) data = { dataset: sample.name };
  else {
    const file = dataFile(root, request.dataset);
    const actual = sha256Hex(readFileSync(file));
    if (request.dataSha256 && request.dataSha256 !== actual) {
      throw new InputError("DATA_CHANGED", { dataset: request.dataset }, `publish: the file ${request.dataset} on disk has sha256 ${actual}, not the ${request.dataSha256} the run used`);
    }
    data = { dataset: datasetPath(root, file), dataSha256: actual };
  }
  const draft: ReportSpec = {
    title: request.title, ...(request.description ? { description: request.description } : {}), ...data,
    symbols: typeof request.symbols === "string" ? [request.symbols] : [...request.symbols],
    strategy: request.source !== undefined ? { code: request.source } : request.strategy,
  };
  // parameter values typed and checked against the strategy's schema (a command line gives strings)
  const given = request.params ?? {};
  let params: Record<string, string | number | boolean> = {};
  if (Object.keys(given).length > 0) {
    const { strategy } = await loadSpecStrategy(draft, root);
    const resolved = resolveParams(strategy.name, strategy.params, given) as Record<string, string | number | boolean>;
    params = Object.fromEntries(Object.keys(given).map((k) => [k, resolved[k]!]));
  }
  const costs = {
    ...(request.cash !== undefined ? { cash: request.cash } : {}), ...(request.commission !== undefined ? { commission: request.commission } : {}),
    ...(request.slippageBps !== undefined ? { slippageBps: request.slippageBps } : {}), ...(request.fillOnClose !== undefined ? { fillOnClose: request.fillOnClose } : {}),
  };
  return {
    ...draft,
    ...(typeof draft.strategy === "object" ? (Object.keys(params).length ? { strategy: { code: draft.strategy.code, params } } : {}) : Object.keys(params).length ? { params } : {}),
    ...(Object.keys(costs).length ? { costs } : {}),
    ...(request.riskRules && Object.keys(request.riskRules).length ? { risk: request.riskRules } : {}),
  };
}

/**
 * Checks a run request, runs it once (so a spec that cannot build is never written), and writes
 * its spec to src/reports/specs/<id>.json atomically (a temporary file renamed into place), id =
 * the first 12 hex of the spec's sha256. Publishing the same run twice writes nothing new. Throws
 * InputError saying what is wrong: the request, the data (unknown sample or symbol, a file outside
 * src/data/ or ../shared/data/, or changed), the strategy or its parameters, the risk rules.
 *
 * @example
 * const { page } = await publishRun({ title: "SMA 10/30 on SYN-A", dataset: "sample-1d", symbols: "SYN-A", strategy: "sma-crossover", params: { fast: 10, slow: 30 }, commission: 0.001 });
 * // page: "/reports/3f2a9c1b7e4d"
 */
export async function publishRun(request: unknown, options: { readonly root?: string } = {}): Promise<Published> {
  const root = options.root ?? PROJECT_ROOT;
  const parsed = publishRequestSchema.safeParse(request);
  if (!parsed.success) throw requestError(parsed.error);
  const spec = parseReportSpec(await specOf(parsed.data, root), "publish");
  const report = await reportOfSpec(spec, { root, summaryOnly: true });
  if ("error" in report) throw new InputError(report.error.code, {}, `publish: ${report.error.message}`);
  const stopped = report.sheet.run.error;
  if (stopped) throw new InputError("RUN_STOPPED", { code: stopped.code }, `publish: the run stops with an error (${stopped.code}: ${stopped.message}); a report needs a run that completes`);
  const id = specId(spec);
  const dir = specsDir(root);
  const file = join(dir, `${id}.json`);
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  let created = false;
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `.${id}.json.${process.pid}.tmp`);
    try {
      writeFileSync(temp, text);
      renameSync(temp, file);
    } finally {
      rmSync(temp, { force: true });
    }
    created = true;
  }
  return { id, page: reportPage(id), file: `src/reports/specs/${id}.json`, created, spec };
}
