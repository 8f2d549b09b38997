/**
 * A report spec (src/reports/specs/<id>.json): what a report page is built from — the data, the
 * strategy (built-in, or a bundle of code), its parameters, costs and risk rules. Small, committed,
 * and named by the hash of its content, so a spec never changes under its name.
 */
import { z } from "zod";
import { InputError } from "../../errors.js";
import { riskRules } from "../../risk/riskConfig.js";
import { canonicalJson } from "./canonicalJson.js";
import { sha256Hex } from "./reportHashes.js";

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const params = z.record(z.string(), paramValue);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex (64 digits)");

/** A strategy as code: a self-contained JavaScript module whose default export is a strategy definition. */
export const bundleSchema = z.strictObject({
  code: z.string().min(1, "the bundle's code is empty"),
  /** The parameter values frozen with the code; the spec's params override them. */
  params: params.optional(),
});

export const reportSpecSchema = z.strictObject({
  title: z.string().trim().min(1, "a report needs a title").max(200),
  description: z.string().max(4000).optional(),
  /** A built-in sample ("sample-1d"), or a file under src/data/ or ../shared/data/, relative to the project root. */
  dataset: z.string().min(1),
  /** Required for a file: the sha256 of its bytes, checked at every build. */
  dataSha256: sha256.optional(),
  /** The symbols run together on one timeline. */
  symbols: z.array(z.string().min(1)).min(1).max(64),
  /** A built-in strategy's name, or a bundle. */
  strategy: z.union([z.string().min(1), bundleSchema]),
  params: params.optional(),
  costs: z.strictObject({
    cash: z.number().positive().finite().optional(),
    /** Rate of the traded value (0.001 = 0.1 %). */
    commission: z.number().min(0).max(0.1).optional(),
    slippageBps: z.number().min(0).max(1000).optional(),
    fillOnClose: z.boolean().optional(),
  }).optional(),
  /** Pre-trade risk rules, as the backtest CLI's --risk file (engine/risk/riskConfig.ts). */
  risk: z.record(z.string(), z.unknown()).optional(),
  /** Overrides of the robustness checks' defaults. */
  robustness: z.strictObject({
    rollingWindow: z.number().int().min(2).optional(),
    costLadderBps: z.array(z.number().min(0).max(1000)).min(2).max(20).optional(),
    monteCarloRuns: z.number().int().min(10).max(20_000).optional(),
    seed: z.number().int().min(0).optional(),
    walkForward: z.strictObject({
      mode: z.enum(["rolling", "anchored"]).optional(),
      /** Bars (500) or a duration ("365d"). */
      inSample: z.union([z.number().int().positive(), z.string()]),
      outOfSample: z.union([z.number().int().positive(), z.string()]),
      metric: z.string().optional(),
    }).optional(),
  }).optional(),
});

export type ReportSpec = z.infer<typeof reportSpecSchema>;
export type Bundle = z.infer<typeof bundleSchema>;

/** A built-in sample's name, with or without the extension the site serves it under. */
export const sampleName = (dataset: string): string => dataset.replace(/\.(parquet|csv)$/, "");

/**
 * Checks a spec (already parsed from JSON); throws InputError naming the file and the JSON path of
 * the first problem. Risk rules are checked by the engine's own parser.
 *
 * @example
 * const spec = parseReportSpec(JSON.parse(text), "src/reports/specs/3f2a9c1b7e4d.json");
 */
export function parseReportSpec(value: unknown, where = "report spec"): ReportSpec {
  const parsed = reportSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
    throw new InputError("BAD_REPORT_SPEC", { where, path }, `${where}: ${path}: ${issue.message}`);
  }
  if (parsed.data.risk) {
    try {
      riskRules(parsed.data.risk);
    } catch (error) {
      throw new InputError("BAD_REPORT_SPEC", { where, path: "risk" }, `${where}: risk: ${(error as Error).message}`);
    }
  }
  return parsed.data;
}

/**
 * A spec's id: the first 12 hex digits of the sha256 of its canonical JSON (keys sorted), so the
 * same content always gets the same id and any edit gets another.
 *
 * @example
 * specId(spec); // "3f2a9c1b7e4d"
 */
export const specId = (spec: ReportSpec): string => specSha256(spec).slice(0, 12);

/** The sha256 of a spec's canonical JSON (its id is the first 12 digits). */
export const specSha256 = (spec: ReportSpec): string => sha256Hex(canonicalJson(spec));
