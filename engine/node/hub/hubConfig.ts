/**
 * The hub's settings: a JSON config file (users with token hashes, limits, folders) and the
 * environment (QW_HUB_TOKENS, plain tokens: "alice:write:TOKEN,bob:read:TOKEN", for a dev
 * machine or a secret store), merged and validated with zod. Relative folders in the file are
 * taken from the file's own folder.
 *
 * @example hub.json
 * { "dataDir": "hub-data", "notebooksDir": "src/notebooks",
 *   "users": [{ "name": "alice", "role": "write", "colour": "#d9480f", "tokenSha256": "9f86d0…" }],
 *   "limits": { "maxPayloadBytes": 2097152 },
 *   "policy": { "requireApprovals": 0, "accounts": { "main": { "requireApprovals": 1 } } },
 *   "traders": [{ "account": "main", "url": "http://127.0.0.1:8801", "tokenEnv": "QW_MAIN_CONTROL_TOKEN" }] }
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { Secret } from "../live/secrets.js";
import { TOKEN_PATTERN } from "./hubProtocol.js";
import { colourFor, hashToken, type HubUserEntry } from "./hubUsers.js";

/** Limits on connections and messages; every one has a default (see DEFAULT_LIMITS). */
export interface HubLimits {
  /** Largest WebSocket message accepted; a larger one closes that connection (1009). */
  readonly maxPayloadBytes: number;
  /** Sockets open but not yet authenticated; more are dropped at once. */
  readonly maxPendingSockets: number;
  /** A socket that has not authenticated (upgrade or API request) by then is dropped. */
  readonly upgradeTimeoutMs: number;
  /** Upgrade attempts per second per remote address (token bucket), and the burst allowed. */
  readonly connectionsPerSecond: number;
  readonly connectionBurst: number;
  /** Authenticated WebSocket connections at once. */
  readonly maxConnections: number;
  /** Largest HTTP request body. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  maxPayloadBytes: 2 * 1024 * 1024,
  maxPendingSockets: 64,
  upgradeTimeoutMs: 10_000,
  connectionsPerSecond: 20,
  connectionBurst: 60,
  maxConnections: 512,
  maxBodyBytes: 64 * 1024,
};

const positive = z.number().int().positive();
const limitsSchema = z.strictObject({
  maxPayloadBytes: positive.max(256 * 1024 * 1024), maxPendingSockets: positive, upgradeTimeoutMs: positive,
  connectionsPerSecond: z.number().positive(), connectionBurst: positive, maxConnections: positive, maxBodyBytes: positive,
}).partial();

const userSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9 ._@-]{1,64}$/, "1–64 letters, digits, spaces or ._@-"),
  role: z.enum(["read", "write"]),
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, "a colour like #2563eb").optional(),
  tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "the hex SHA-256 of the token (64 hex digits), never the token itself"),
});

const approvals = z.number().int().min(0, "must be 0 or more").max(5, "at most 5");
const policySchema = z.strictObject({
  requireApprovals: approvals.optional(),
  accounts: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an account name"), z.strictObject({ requireApprovals: approvals })).optional(),
});

const fileSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  dataDir: z.string().min(1).optional(),
  notebooksDir: z.string().min(1).optional(),
  allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/]+$/, "an origin like http://127.0.0.1 (a port is optional)")).optional(),
  notebookDebounceMs: z.number().int().min(0).max(600_000).optional(),
  users: z.array(userSchema).default([]),
  limits: limitsSchema.optional(),
  policy: policySchema.optional(),
  /** The traders the hub reaches for the live monitor (their control APIs), one per account. */
  traders: z.array(z.strictObject({
    account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an account name (1–64 letters, digits, _ or -)"),
    url: z.string().regex(/^https?:\/\/[^/\s]+\/?$/, "the trader's control API, like http://127.0.0.1:8801"),
    /** The variable holding the trader's control token (the hub's environment; browsers never see it). */
    tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"),
  })).optional(),
  /** Data files a promoted bundle's backtest may name (found by their sha256); default <dataDir>/datasets. */
  datasetsDir: z.string().min(1).optional(),
});

export type HubConfigFile = z.infer<typeof fileSchema>;

/**
 * Who must approve a promoted bundle before a trader may run it: approvals by write users other
 * than its author, for every account (requireApprovals) or for one (accounts.NAME, which wins).
 */
export interface BundlePolicy {
  readonly requireApprovals?: number;
  readonly accounts?: Readonly<Record<string, { readonly requireApprovals: number }>>;
}

/** A trader the hub reaches: its account, control API and token (read from the hub's environment). */
export interface TraderLink {
  readonly account: string;
  readonly url: string;
  readonly tokenEnv: string;
  /** Undefined when the variable is not set: the hub then says so for that account. */
  readonly token: Secret | undefined;
}

/** Everything the hub needs, resolved. */
export interface HubSettings {
  readonly port: number;
  readonly dataDir: string;
  readonly notebooksDir: string;
  readonly allowedOrigins: readonly string[];
  readonly notebookDebounceMs: number;
  readonly users: readonly HubUserEntry[];
  readonly limits: HubLimits;
  /** The traders of the live monitor; none when absent. */
  readonly traders?: readonly TraderLink[];
  /** Approvals a bundle needs; none when absent. */
  readonly policy?: BundlePolicy;
  /** Where promotions find data files by sha256; default <dataDir>/datasets. */
  readonly datasetsDir?: string;
  /** The project whose src/reports/specs/ POST /api/reports writes to; default this checkout. */
  readonly reportsRoot?: string;
}

/** The config's traders with their tokens from `env`; an account listed twice is an InputError. */
function traderLinks(entries: NonNullable<HubConfigFile["traders"]>, env: Readonly<Record<string, string | undefined>>): TraderLink[] {
  const seen = new Set<string>();
  return entries.map((t) => {
    if (seen.has(t.account)) throw new InputError("BAD_HUB_CONFIG", { account: t.account }, `traders: the account ${t.account} is listed twice`);
    seen.add(t.account);
    const value = env[t.tokenEnv];
    return { account: t.account, url: t.url.replace(/\/$/, ""), tokenEnv: t.tokenEnv, token: value ? new Secret(value, `env ${t.tokenEnv}`) : undefined };
  });
}

/** Parses QW_HUB_TOKENS ("name:role:token[:#colour]", comma-separated) into users. */
export function usersFromEnv(value: string | undefined): HubUserEntry[] {
  if (!value || value.trim() === "") return [];
  return value.split(",").map((part, i) => {
    const [name, role, token, colour, ...rest] = part.trim().split(":");
    const where = `QW_HUB_TOKENS entry ${i + 1}`;
    if (!name || !role || !token || rest.length > 0) throw new InputError("BAD_HUB_TOKENS", { entry: i + 1 }, `${where}: expected name:role:token[:#colour]`);
    if (role !== "read" && role !== "write") throw new InputError("BAD_HUB_TOKENS", { entry: i + 1 }, `${where}: role must be read or write, got ${JSON.stringify(role)}`);
    if (!TOKEN_PATTERN.test(token)) throw new InputError("BAD_HUB_TOKENS", { entry: i + 1 }, `${where}: a token is 16–256 of A-Z a-z 0-9 . _ ~ -`);
    if (colour !== undefined && !/^#[0-9a-fA-F]{6}$/.test(colour)) throw new InputError("BAD_HUB_TOKENS", { entry: i + 1 }, `${where}: colour must be like #2563eb`);
    return { name, role, colour: colour ?? colourFor(name), tokenSha256: hashToken(token) };
  });
}

/** Reads and checks a config file; problems are InputErrors naming the field. */
export function readConfigFile(path: string): HubConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError("BAD_HUB_CONFIG", { path }, `${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new InputError("BAD_HUB_CONFIG", { path }, `${path}: ${issues}`);
  }
  return parsed.data;
}

/**
 * The hub's settings from a config file (optional), the environment and command-line overrides
 * (which win). Throws an InputError when no user is defined: a hub nobody can use is a mistake.
 */
export function resolveSettings(options: {
  readonly configFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly port?: number;
  readonly dataDir?: string;
  readonly notebooksDir?: string;
  readonly cwd?: string;
}): HubSettings {
  const cwd = options.cwd ?? process.cwd();
  const file = options.configFile ? readConfigFile(resolve(cwd, options.configFile)) : undefined;
  const base = options.configFile ? dirname(resolve(cwd, options.configFile)) : cwd;
  const users = [
    ...(file?.users ?? []).map((u) => ({ ...u, colour: u.colour ?? colourFor(u.name) })),
    ...usersFromEnv(options.env?.QW_HUB_TOKENS),
  ];
  if (users.length === 0) {
    throw new InputError("NO_HUB_USERS", {}, "no users: list them in the config file (--config hub.json, with token hashes) or set QW_HUB_TOKENS=name:role:token,…");
  }
  return {
    port: options.port ?? file?.port ?? 0,
    dataDir: options.dataDir ? resolve(cwd, options.dataDir) : resolve(base, file?.dataDir ?? "hub-data"),
    notebooksDir: options.notebooksDir ? resolve(cwd, options.notebooksDir) : resolve(base, file?.notebooksDir ?? "src/notebooks"),
    allowedOrigins: file?.allowedOrigins ?? ["http://127.0.0.1", "http://localhost"],
    notebookDebounceMs: file?.notebookDebounceMs ?? 1000,
    users,
    limits: { ...DEFAULT_LIMITS, ...(file?.limits ?? {}) },
    policy: file?.policy ?? {},
    traders: traderLinks(file?.traders ?? [], options.env ?? {}),
    ...(file?.datasetsDir ? { datasetsDir: resolve(base, file.datasetsDir) } : {}),
  };
}
