/**
 * The per-account configuration of a trader process: one JSON file per account in a folder
 * (`accounts/NAME.json`), validated with zod. Every error names the file and the JSON path of the
 * offending value (`accounts/main.json: risk.maxOrderNotional: …`). Relative paths in the file
 * (keystore, order-drop folder, store) are taken relative to the file's folder.
 *
 * Paper mode is the default and never loads keys. Live mode needs `"liveConfirm": true` in the
 * file AND credentials that load (see loadAccount), so neither a typo nor a missing key can make
 * a paper account trade real money.
 *
 * A minimal file:
 *
 *   { "name": "main", "exchange": { "id": "binance" },
 *     "markets": { "symbols": ["BTC/USDT"], "timeframe": "1m" },
 *     "strategy": { "name": "sma-crossover", "params": { "fast": 10, "slow": 30 } } }
 *
 * Instead of a template, the strategy may be a promoted bundle (engine/bundle.ts, loaded by
 * bundleLoader.ts): `{ "bundle": "<id>", "hub": "http://127.0.0.1:1234" }` (the hub's token in
 * QW_<NAME>_HUB_TOKEN, or the variable `tokenEnv` names) or `{ "bundleFile": "bundle.json" }`. Its
 * parameters and risk limits come from the bundle; the file's `risk` keys override the bundle's
 * one by one (an operator may tighten a limit). Paper first: a live account refuses a bundle that
 * has not run on a paper account of the same accounts folder, unless `"paperFirst": false`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { riskConfigSchema, riskRules, type RiskConfig } from "../../risk/riskConfig.js";
import { resolveParams } from "../../strategy/params.js";
import { timeframeMs } from "../../time.js";
import { strategies } from "../../../strategies/index.js";
import { scheduleEntrySchema, type ScheduleEntry } from "./schedule.js";
import { loadCredentials, type CredentialSource, type Credentials, type EnvOptions } from "./secrets.js";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, "must be an environment variable name (letters, digits, _)");
const url = z.string().regex(/^(https?|wss?):\/\/[^\s]+$/, "must be an http(s):// or ws(s):// URL");
const symbol = z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/, "must be a ccxt symbol such as \"BTC/USDT\"");
const positive = z.number().positive();
const millis = z.number().int().min(0);

/** The file as written (before defaults). Exported for `z.toJSONSchema` and editors. */
export const accountConfigSchema = z.strictObject({
  /** Account name; must equal the file name without `.json`. */
  name: z.string().regex(NAME, "must be 1–64 letters, digits, _ or -"),
  exchange: z.strictObject({
    /** ccxt exchange id, e.g. "binance". */
    id: z.string().regex(/^[a-z0-9]+$/, "must be a ccxt exchange id such as \"binance\""),
    /** Base URLs that replace the exchange's own (a local simulator): every REST base, and the websocket one. */
    urls: z.strictObject({ rest: url.optional(), ws: url.optional() }).optional(),
    /** Extra ccxt constructor options, e.g. { "fetchMarkets": { "types": ["spot"] } }. */
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  /** "paper" (default): simulated fills on live data; "live": real orders (needs liveConfirm and credentials). */
  mode: z.enum(["paper", "live"]).default("paper"),
  /** The explicit switch that live mode requires. */
  liveConfirm: z.boolean().default(false),
  markets: z.strictObject({
    symbols: z.array(symbol).min(1, "must list at least one symbol"),
    timeframe: z.string().refine((tf) => timeframeMs(tf) !== undefined, "must be a timeframe such as \"1m\", \"1h\" or \"1d\""),
  }),
  strategy: z.strictObject({
    /** A strategy template of strategies/ (e.g. "sma-crossover"). */
    name: z.string().min(1).optional(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
    /** A promoted bundle's id, fetched from `hub`. */
    bundle: z.string().regex(/^[0-9a-f]{64}$/, "must be a bundle id (64 lowercase hex digits)").optional(),
    /** The hub's http:// URL. */
    hub: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, "must be the hub's address, such as \"http://127.0.0.1:1234\"").optional(),
    /** Variable holding the hub token; default QW_<NAME>_HUB_TOKEN. */
    tokenEnv: envName.optional(),
    /** A bundle's JSON file instead, relative to this file. */
    bundleFile: z.string().min(1).optional(),
    /** Live mode: false runs a bundle that never ran in paper mode here. Default true. */
    paperFirst: z.boolean().optional(),
  }),
  paper: z.strictObject({
    /** Starting cash of the paper account, in the quote currency. */
    cash: positive.default(10_000),
  }).prefault({}),
  risk: riskConfigSchema.default({}),
  control: z.strictObject({
    /** Port of the control API on 127.0.0.1; 0 picks a free one. */
    port: z.number().int().min(0).max(65_535).default(0),
    /** Variable holding the API's bearer token; default QW_<NAME>_CONTROL_TOKEN. */
    tokenEnv: envName.optional(),
  }).prefault({}),
  /** Where the keys come from; default the variables QW_<NAME>_API_KEY and QW_<NAME>_API_SECRET. */
  credentials: z.union([
    z.strictObject({ env: z.strictObject({ apiKey: envName, secret: envName, password: envName.optional(), uid: envName.optional() }) }),
    z.strictObject({ keystore: z.strictObject({ file: z.string().min(1), entry: z.string().min(1), passphraseEnv: envName.default("QW_KEYSTORE_PASSPHRASE") }) }),
  ]).optional(),
  throttle: z.strictObject({
    ordersPerSecond: positive.default(5),
    cancelsPerSecond: positive.default(5),
    /** Order changes for the same symbol closer together than this are merged. */
    debounceMs: millis.default(250),
  }).prefault({}),
  /** A feed silent for longer than this is stale; default three bars of the timeframe. */
  staleFeedMs: millis.positive().optional(),
  schedules: z.array(scheduleEntrySchema).default([]),
  orderDrop: z.strictObject({
    /** Folder watched for order CSV files (processed/ and rejected/ are made inside it). */
    folder: z.string().min(1),
    pollMs: millis.min(100).default(1000),
  }).optional(),
  store: z.strictObject({
    /** The account's DuckDB file; default NAME.duckdb next to the config file. */
    file: z.string().min(1),
  }).optional(),
});

/** Where an account's promoted bundle comes from. */
export type BundleSource =
  | { readonly kind: "hub"; readonly id: string; readonly hub: string; readonly tokenEnv: string; readonly paperFirst: boolean }
  | { readonly kind: "file"; readonly file: string; readonly paperFirst: boolean };

/** A validated account config with every default filled in and every path absolute. */
export interface AccountConfig {
  /** The file it was read from. */
  readonly file: string;
  readonly name: string;
  readonly exchange: { readonly id: string; readonly urls?: { readonly rest?: string; readonly ws?: string }; readonly options?: Readonly<Record<string, unknown>> };
  readonly mode: "paper" | "live";
  readonly liveConfirm: boolean;
  readonly markets: { readonly symbols: readonly string[]; readonly timeframe: string };
  /**
   * Parameters are resolved against the strategy's schema (defaults filled, ranges checked). For
   * a bundle account, name "" and no params until the bundle is loaded (bundleLoader.ts).
   */
  readonly strategy: { readonly name: string; readonly params: Readonly<Record<string, number | string | boolean>> };
  /** The promoted bundle this account runs instead of a template. */
  readonly bundle?: BundleSource;
  readonly paper: { readonly cash: number };
  readonly risk: RiskConfig;
  readonly control: { readonly host: "127.0.0.1"; readonly port: number; readonly tokenEnv: string };
  readonly credentials: CredentialSource;
  readonly throttle: { readonly ordersPerSecond: number; readonly cancelsPerSecond: number; readonly debounceMs: number };
  readonly staleFeedMs: number;
  readonly schedules: readonly ScheduleEntry[];
  readonly orderDrop?: { readonly folder: string; readonly pollMs: number };
  readonly storeFile: string;
}

/** The prefix of an account's default variable names: QW_ + the name in capitals, "-" as "_". */
export const envPrefix = (name: string): string => `QW_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** The config file of account `name` in `folder`. */
export const accountConfigPath = (folder: string, name: string): string => join(folder, `${name}.json`);

/** The account names in a folder (its `*.json` files), sorted. */
export function listAccounts(folder: string): string[] {
  let files: string[];
  try {
    files = readdirSync(folder);
  } catch {
    throw new InputError("ACCOUNTS_FOLDER", { folder }, `the accounts folder ${folder} does not exist or cannot be read`);
  }
  return files.filter((f) => f.endsWith(".json") && !f.startsWith(".")).map((f) => f.slice(0, -5)).sort();
}

/** Reads and validates `file` (see parseAccountConfig). */
export function loadAccountConfig(file: string): AccountConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    throw new InputError("ACCOUNT_CONFIG", { file, path: "" }, `${file}: ${missing ? "no such account config file" : "cannot be read"}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError("ACCOUNT_CONFIG", { file, path: "" }, `${file}: not valid JSON (${jsonErrorWhere(text, (e as Error).message)})`);
  }
  return parseAccountConfig(json, file);
}

/**
 * Validates a parsed config as read from `file` (used for messages, the name check and to resolve
 * relative paths). Throws InputError ACCOUNT_CONFIG with context { file, path } and a message
 * `FILE: PATH: what is wrong`, for the first problem found.
 */
export function parseAccountConfig(json: unknown, file: string): AccountConfig {
  const fail = (path: string, message: string): never => {
    throw new InputError("ACCOUNT_CONFIG", { file, path }, `${file}: ${path || "(top level)"}: ${message}`);
  };
  const parsed = accountConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      return fail(jsonPath([...issue.path, issue.keys[0]!]), `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(", ")}` : ""}; check its spelling`);
    }
    return fail(jsonPath(issue.path), issue.message);
  }
  const c = parsed.data;
  const folder = dirname(resolve(file));
  const expected = basename(file).replace(/\.json$/, "");
  if (c.name !== expected) fail("name", `is "${c.name}" but the file is ${basename(file)}; the name must equal the file name`);
  if (c.mode === "live" && !c.liveConfirm) {
    fail("liveConfirm", `mode is "live" but liveConfirm is not true; add "liveConfirm": true to trade with real money, or use "mode": "paper"`);
  }
  const seen = new Set<string>();
  c.markets.symbols.forEach((s, i) => {
    if (seen.has(s)) fail(`markets.symbols[${i}]`, `"${s}" is listed twice`);
    seen.add(s);
  });
  const s = c.strategy;
  const kinds = [s.name !== undefined && "name", s.bundle !== undefined && "bundle", s.bundleFile !== undefined && "bundleFile"].filter(Boolean);
  if (kinds.length !== 1) fail("strategy", kinds.length === 0 ? "needs a name (a template), a bundle (with hub) or a bundleFile" : `give only one of ${kinds.join(", ")}`);
  if (s.name === undefined) {
    if (s.params !== undefined) fail("strategy.params", "a bundle's parameters come from the bundle (change them with a hot update, or promote another bundle)");
    if (s.bundle !== undefined && s.hub === undefined) fail("strategy.hub", "a bundle id needs the hub to fetch it from, such as \"http://127.0.0.1:1234\"");
  }
  if (s.bundle === undefined) {
    if (s.hub !== undefined) fail("strategy.hub", "only goes with a bundle id");
    if (s.tokenEnv !== undefined) fail("strategy.tokenEnv", "only goes with a bundle id");
  }
  if (s.name !== undefined && s.paperFirst !== undefined) fail("strategy.paperFirst", "only applies to a bundle");
  let params: Record<string, number | string | boolean> = {};
  if (s.name !== undefined) {
    const strategy = strategies[s.name];
    if (!strategy) fail("strategy.name", `there is no strategy "${s.name}"; strategies: ${Object.keys(strategies).join(", ")}`);
    try {
      params = { ...resolveParams(strategy!.name, strategy!.params, s.params ?? {}) } as Record<string, number | string | boolean>;
    } catch (e) {
      const param = e instanceof InputError ? e.context.param : undefined;
      fail(param === undefined ? "strategy.params" : `strategy.params.${String(param)}`, (e as Error).message);
    }
  }
  try {
    riskRules(c.risk); // the rules that only the builder checks (a key that needs a companion)
  } catch (e) {
    const key = e instanceof InputError ? e.context.key : undefined;
    fail(key ? `risk.${String(key)}` : "risk", (e as Error).message.replace(/^risk config: /, ""));
  }
  c.schedules.forEach((entry, i) => {
    entry.symbols?.forEach((s, j) => {
      if (!seen.has(s)) fail(`schedules[${i}].symbols[${j}]`, `"${s}" is not one of markets.symbols (${[...seen].join(", ")})`);
    });
    if (entry.symbols && entry.action !== "flatten") fail(`schedules[${i}].symbols`, `only applies to the action "flatten"`);
  });
  const prefix = envPrefix(c.name);
  const bundle: BundleSource | undefined = s.bundle !== undefined
    ? { kind: "hub", id: s.bundle, hub: s.hub!.replace(/\/$/, ""), tokenEnv: s.tokenEnv ?? `${prefix}_HUB_TOKEN`, paperFirst: s.paperFirst ?? true }
    : s.bundleFile !== undefined ? { kind: "file", file: resolve(folder, s.bundleFile), paperFirst: s.paperFirst ?? true } : undefined;
  const credentials: CredentialSource = !c.credentials
    ? { env: { apiKey: `${prefix}_API_KEY`, secret: `${prefix}_API_SECRET` } }
    : "keystore" in c.credentials
      ? { keystore: { ...c.credentials.keystore, file: resolve(folder, c.credentials.keystore.file) } }
      : c.credentials;
  return {
    file, name: c.name, exchange: c.exchange, mode: c.mode, liveConfirm: c.liveConfirm,
    markets: c.markets, strategy: { name: s.name ?? "", params }, ...(bundle ? { bundle } : {}), paper: c.paper, risk: c.risk,
    control: { host: "127.0.0.1", port: c.control.port, tokenEnv: c.control.tokenEnv ?? `${prefix}_CONTROL_TOKEN` },
    credentials, throttle: c.throttle,
    staleFeedMs: c.staleFeedMs ?? 3 * timeframeMs(c.markets.timeframe)!,
    schedules: c.schedules,
    ...(c.orderDrop ? { orderDrop: { folder: resolve(folder, c.orderDrop.folder), pollMs: c.orderDrop.pollMs } } : {}),
    storeFile: resolve(folder, c.store?.file ?? `${c.name}.duckdb`),
  };
}

/** A loaded account: its config, and its credentials when it trades live (paper never loads keys). */
export interface Account {
  readonly config: AccountConfig;
  readonly credentials: Credentials | undefined;
}

/**
 * Loads account `name` from `folder` and, in live mode, its credentials: a live account whose keys
 * are missing fails here (InputError MISSING_CREDENTIALS naming the variable or keystore entry),
 * before anything connects.
 *
 * @example
 * const { config, credentials } = await loadAccount("accounts", "main", { envFile: ".env" });
 */
export async function loadAccount(folder: string, name: string, env: EnvOptions = {}): Promise<Account> {
  if (!NAME.test(name)) throw new InputError("ACCOUNT_CONFIG", { name }, `account name "${name}" must be 1–64 letters, digits, _ or -`);
  const config = loadAccountConfig(accountConfigPath(folder, name));
  if (config.mode === "paper") return { config, credentials: undefined };
  try {
    return { config, credentials: await loadCredentials(config.credentials, env) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(e.code, { ...e.context, file: config.file },
      `${config.file}: mode is "live" but the credentials did not load: ${e.message}`);
  }
}

/** A zod path as `a.b[2].c`. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** "line L, column C: message" for a JSON.parse error that gives a position. */
function jsonErrorWhere(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, "")}`;
}
