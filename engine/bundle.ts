/**
 * Bundles: what "Promote" freezes and a trader runs. A bundle is `{ id, content }`, its content
 * the transpiled strategy module, its parameter values and ranges, risk limits, and the backtest
 * it was judged on (dataset, settings, metrics), with the engine version, author and time. Its id
 * is the lowercase hex SHA-256 of the content's canonical JSON (keys sorted at every depth, no
 * whitespace, numbers as JSON.stringify writes them), so a bundle cannot change without changing
 * its id: whoever holds one can check it (checkBundle) without trusting whoever handed it over.
 *
 * Isomorphic: the editor page makes bundles, the hub and the trader check them; the hash is
 * WebCrypto's (globalThis.crypto.subtle, in browsers and Node 20 alike).
 *
 * @example
 * const bundle = await makeBundle({ strategy: { name, code }, params, paramSchema, risk: {}, backtest, author: "alice", createdMs: Date.now() });
 * await checkBundle(bundle);                         // the same bundle back, or an InputError saying why not
 */
import { z } from "zod";
import { InputError } from "./errors.js";
import { riskConfigSchema, type RiskConfig } from "./risk/riskConfig.js";
import { checkSchema, resolveParams, type ParamSchema } from "./strategy/params.js";
import { ENGINE_VERSION } from "./version.js";

/** The content format this code reads and writes. */
export const BUNDLE_FORMAT = "qw-bundle/1";

type ParamValue = number | string | boolean;

export interface BundleContent {
  readonly format: typeof BUNDLE_FORMAT;
  readonly strategy: {
    readonly name: string;
    /** The transpiled JavaScript module whose default export is the strategy definition. */
    readonly code: string;
    /** The editor's TypeScript or JavaScript, for people to read; never run. */
    readonly source?: string;
  };
  /** Parameter values the backtest ran with (and the trader starts with). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The definition's parameter schema: defaults and ranges (hot updates are checked against it). */
  readonly paramSchema: ParamSchema;
  readonly risk: RiskConfig;
  readonly backtest: {
    /** "sample-1h" (a built-in sample) or a file name, with the sha256 of the file's bytes. */
    readonly dataset: { readonly name: string; readonly sha256: string };
    readonly symbols: readonly string[];
    readonly timeframe: string;
    readonly cash: number;
    readonly commission: number;
    readonly slippageBps: number;
    readonly fillOnClose: boolean;
    /** The run's Metrics as JSON has them (a NaN or an Infinity is null). */
    readonly metrics: Readonly<Record<string, number | null>>;
  };
  readonly engineVersion: string;
  readonly author: string;
  /** UTC ms. */
  readonly createdMs: number;
}

export interface Bundle {
  /** Lowercase hex SHA-256 of canonicalJson(content). */
  readonly id: string;
  readonly content: BundleContent;
}

const HEX64 = /^[0-9a-f]{64}$/;
const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const paramSpec = z.object({
  default: paramValue,
  min: z.number().optional(), max: z.number().optional(), step: z.number().optional(), integer: z.boolean().optional(),
  options: z.array(z.string()).optional(), description: z.string().optional(), hot: z.boolean().optional(),
});

/** The content's shape (the hash, parameter ranges and schema consistency are checked besides). */
export const bundleContentSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT, `must be "${BUNDLE_FORMAT}"`),
  strategy: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, "must be a strategy name (letters, digits, - _ .)"),
    code: z.string().min(1, "the strategy's code is empty").max(1_000_000),
    source: z.string().max(1_000_000).optional(),
  }),
  params: z.record(z.string(), paramValue),
  paramSchema: z.record(z.string(), paramSpec),
  risk: riskConfigSchema,
  backtest: z.strictObject({
    dataset: z.strictObject({ name: z.string().min(1).max(300), sha256: z.string().regex(HEX64, "must be a lowercase hex SHA-256 (64 digits)") }),
    symbols: z.array(z.string().min(1)).min(1, "must list at least one symbol").max(64),
    timeframe: z.string().min(1).max(16),
    cash: z.number().positive(),
    commission: z.number().min(0).max(0.1),
    slippageBps: z.number().min(0).max(1000),
    fillOnClose: z.boolean(),
    metrics: z.record(z.string(), z.number().nullable()).refine((m) => Object.keys(m).length > 0, "must hold the run's metrics"),
  }),
  engineVersion: z.string().min(1).max(100),
  author: z.string().min(1).max(64),
  createdMs: z.number().int().min(0),
});

/**
 * JSON with object keys sorted at every depth and no whitespace: equal values give equal text.
 *
 * @example canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }); // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** Lowercase hex SHA-256 of bytes or of a string's UTF-8. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The id of a content: lowercase hex SHA-256 of its canonical JSON. */
export function bundleId(content: unknown): Promise<string> {
  return sha256Hex(canonicalJson(content));
}

/**
 * The paths where two contents differ ("params.fast", "backtest.metrics.sharpe", "strategy.code"),
 * compared as JSON has them; a key only one side has counts.
 */
export function contentDifferences(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    const bothObjects = x !== null && y !== null && typeof x === "object" && typeof y === "object" && Array.isArray(x) === Array.isArray(y);
    if (!bothObjects) {
      if (canonicalJson(x) !== canonicalJson(y)) out.push(path || "(the whole content)");
      return;
    }
    if (Array.isArray(x)) {
      if (canonicalJson(x) !== canonicalJson(y)) out.push(path);
      return;
    }
    const keys = [...new Set([...Object.keys(x as object), ...Object.keys(y as object)])].sort();
    for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
  };
  walk(JSON.parse(canonicalJson(a) ?? "null"), JSON.parse(canonicalJson(b) ?? "null"), "");
  return out;
}

/** The content's schema problems, each "path: message"; empty when it is well formed. */
function shapeProblems(content: unknown): string[] {
  const parsed = bundleContentSchema.safeParse(content);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => {
    const path = [...i.path, ...(i.code === "unrecognized_keys" ? [i.keys.join(", ")] : [])].map(String).join(".");
    return `${path || "(top level)"}: ${i.code === "unrecognized_keys" ? "unknown key" : i.message}`;
  });
}

/**
 * Checks a content's shape, its parameter schema (defaults inside their ranges) and its values
 * against the schema; throws InputError BAD_BUNDLE naming every problem.
 */
export function checkBundleContent(content: unknown): BundleContent {
  const problems = shapeProblems(content);
  if (problems.length > 0) throw new InputError("BAD_BUNDLE", { problem: problems[0] }, `not a valid bundle: ${problems.join("; ")}`);
  const c = content as BundleContent;
  try {
    checkSchema(c.strategy.name, c.paramSchema);
    resolveParams(c.strategy.name, c.paramSchema, c.params);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError("BAD_BUNDLE", { problem: error.code }, `not a valid bundle: params: ${error.message}`);
  }
  return c;
}

export interface CheckOptions {
  /**
   * A content known to carry the same id (the hub's copy, the one a trader ran before): when the
   * content given does not hash to its id, the error names the fields where it differs from this.
   */
  readonly known?: BundleContent;
}

/**
 * A bundle checked: `{ id, content }` with a well-formed content (checkBundleContent) that hashes
 * to `id`. Resolves with the bundle; rejects with InputError BAD_BUNDLE (malformed) or
 * BUNDLE_TAMPERED (the content does not hash to the id: changed after it was made), whose message
 * says what differs when `options.known` tells.
 */
export async function checkBundle(bundle: unknown, options: CheckOptions = {}): Promise<Bundle> {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) {
    throw new InputError("BAD_BUNDLE", {}, "not a bundle: expected an object { id, content }");
  }
  const { id, content, ...rest } = bundle as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new InputError("BAD_BUNDLE", {}, `not a bundle: unknown key${extra.length > 1 ? "s" : ""} ${extra.join(", ")} beside id and content`);
  if (typeof id !== "string" || !HEX64.test(id)) throw new InputError("BAD_BUNDLE", {}, "not a bundle: id must be a lowercase hex SHA-256 (64 digits)");
  const checked = checkBundleContent(content);
  const actual = await bundleId(content);
  if (actual !== id) {
    const differs = options.known ? contentDifferences(options.known, content) : [];
    const what = differs.length > 0
      ? `; it differs from the bundle made with that id in ${differs.join(", ")}`
      : "; its content (code, parameters, risk limits, backtest or metrics) was changed after it was made, or its id was";
    throw new InputError("BUNDLE_TAMPERED", { id, actual }, `bundle ${id} does not match its id: its content hashes to ${actual}${what}. It is refused.`);
  }
  return { id, content: checked };
}

export interface BundleInput extends Omit<BundleContent, "format" | "engineVersion"> {
  /** Default ENGINE_VERSION. */
  readonly engineVersion?: string;
}

/**
 * Makes a bundle: the content as JSON will carry it (a NaN or Infinity metric becomes null, an
 * undefined key is dropped), checked, and its id. Throws InputError BAD_BUNDLE when it is not valid.
 */
export async function makeBundle(input: BundleInput): Promise<Bundle> {
  const content = JSON.parse(canonicalJson({ ...input, format: BUNDLE_FORMAT, engineVersion: input.engineVersion ?? ENGINE_VERSION })) as BundleContent;
  checkBundleContent(content);
  return { id: await bundleId(content), content };
}

/** What a list of bundles shows of each. */
export function bundleSummary(bundle: Bundle): { id: string; name: string; author: string; createdMs: number } {
  return { id: bundle.id, name: bundle.content.strategy.name, author: bundle.content.author, createdMs: bundle.content.createdMs };
}
