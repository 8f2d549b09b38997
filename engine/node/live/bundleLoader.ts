/**
 * An account that runs a promoted bundle (engine/bundle.ts) instead of a template: fetching it
 * (from the hub with the account's hub token, or from a file), refusing it unless its content
 * hashes to its id and, on the hub, its approvals are in, importing its code, and keeping what a
 * restart and a rollback need in the account's store.
 *
 * Rules (the account config's doc says them to operators too):
 * - The code is written to a private temporary module (a 0700 folder, the file 0600, removed once
 *   imported), so no other local user can swap it between the check and the import, then checked
 *   with defineStrategy and against the bundle's name and parameter schema.
 * - Parameters start from the bundle's; hot updates made while the same bundle ran last are kept
 *   across a restart. Risk limits are the bundle's, each overridden by a `risk` key of the account file.
 * - Paper first: a live account refuses a bundle that has not started on a paper account of the
 *   same accounts folder (recorded in `<accounts>/.paper-runs/<id>.json` and in that account's
 *   store) unless the config says `"paperFirst": false`.
 * - Every bundle run is kept in the store (a copy and the history); POST /bundle/rollback restarts
 *   on the one run before the current, and the account then stays on it, across restarts, until
 *   its file names another bundle. Starts, stops and rollbacks are reported to the hub's audit log.
 * - A hub that cannot be reached is not needed to restart on a bundle the store has a copy of.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { canonicalJson, checkBundle, type Bundle } from "../../bundle.js";
import { InputError } from "../../errors.js";
import type { RiskConfig } from "../../risk/riskConfig.js";
import { defineStrategy, isStrategy, type AnyStrategy } from "../../strategy/defineStrategy.js";
import { resolveParams } from "../../strategy/params.js";
import { ENGINE_VERSION } from "../../version.js";
import { writeFileAtomic } from "../hub/atomicFile.js";
import type { AccountConfig, BundleSource } from "./accountConfig.js";
import type { AccountStore } from "./accountStore.js";
import type { Logger } from "./logger.js";
import { envSecret, type EnvOptions, type Secret } from "./secrets.js";

type Params = Record<string, number | string | boolean>;

/** A bundle ready to run. */
export interface LoadedBundle {
  readonly bundle: Bundle;
  readonly strategy: AnyStrategy;
  /** What to start with: the bundle's values, with the hot updates of its last run kept. */
  readonly params: Params;
}

/** What GET /bundle answers. */
export interface BundleInfo {
  readonly id: string;
  readonly name: string;
  /** Bundles this account ran before, most recent first. */
  readonly previous: readonly string[];
}

interface HistoryEntry {
  readonly id: string;
  readonly name: string;
  readonly startedMs: number;
  readonly actor: string;
  readonly mode: "paper" | "live";
}

/** The store's record (state "bundles"): every start, and the rollback the account stays on. */
interface BundleHistory {
  readonly history: readonly HistoryEntry[];
  /** Set by a rollback: run `to` while the config names `from`. */
  readonly pinned?: { readonly from: string; readonly to: string };
}

const HISTORY_KEY = "bundles";
const copyKey = (id: string) => `bundle:${id}`;
const paperKey = (id: string) => `paper-run:${id}`;

/**
 * Imports a checked bundle's code from a private temporary module and checks the strategy it
 * defines: defineStrategy's rules, the bundle's name and its parameter schema. InputError
 * BUNDLE_CODE otherwise.
 */
export async function importBundleStrategy(bundle: Bundle): Promise<AnyStrategy> {
  const dir = mkdtempSync(join(tmpdir(), "qw-bundle-"));
  const file = join(dir, `${bundle.id}.mjs`);
  let module: { default?: unknown };
  try {
    writeFileSync(file, bundle.content.strategy.code, { mode: 0o600, flag: "wx" });
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new InputError("BUNDLE_CODE", { id: bundle.id }, `bundle ${bundle.id}: its code does not load: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let strategy: AnyStrategy;
  try {
    strategy = isStrategy(module.default) ? module.default : defineStrategy(module.default as Parameters<typeof defineStrategy>[0]);
  } catch (error) {
    throw new InputError("BUNDLE_CODE", { id: bundle.id }, `bundle ${bundle.id}: its code does not define a strategy: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (strategy.name !== bundle.content.strategy.name) {
    throw new InputError("BUNDLE_CODE", { id: bundle.id }, `bundle ${bundle.id}: its code defines "${strategy.name}", not the "${bundle.content.strategy.name}" it names`);
  }
  if (canonicalJson(strategy.params) !== canonicalJson(bundle.content.paramSchema)) {
    throw new InputError("BUNDLE_CODE", { id: bundle.id }, `bundle ${bundle.id}: its code's parameter schema is not the one it records`);
  }
  return strategy;
}

/** The risk limits an account runs a bundle with: the bundle's, each overridden by a key of the account file. */
export function bundleRisk(bundle: Bundle, accountRisk: RiskConfig): RiskConfig {
  return { ...bundle.content.risk, ...accountRisk };
}

export interface AccountBundlesOptions {
  /** Where the hub token may be read besides the environment (the trader's --env-file). */
  readonly env?: EnvOptions;
  readonly log: Logger;
  readonly now?: () => number;
  /** Called with the hub token once read, so that logs can redact it. */
  readonly onSecret?: (secret: Secret) => void;
}

/** The bundle side of one account: what it runs, what it ran, rollback, reports to the hub. */
export class AccountBundles {
  /** Set by open() before anyone sees the object. */
  private loaded!: LoadedBundle;
  /** The id the account file names (a rollback may run another). */
  private configured = "";
  private readonly now: () => number;

  private constructor(
    private readonly config: AccountConfig & { readonly bundle: BundleSource },
    private readonly store: AccountStore,
    private readonly options: AccountBundlesOptions,
    private readonly token: Secret | undefined,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Fetches, checks and imports the account's bundle (or the one a rollback pinned). Throws
   * InputError, before anything connects to the exchange, when it is refused: tampered, unknown,
   * awaiting approvals, not run in paper mode first (live), its code broken, the hub unreachable
   * with no copy in the store, the hub token missing.
   */
  static async open(config: AccountConfig, store: AccountStore, options: AccountBundlesOptions): Promise<AccountBundles> {
    const source = config.bundle;
    if (!source) throw new Error(`${config.file}: not a bundle account`);
    const cfg = config as AccountConfig & { readonly bundle: BundleSource };
    let token: Secret | undefined;
    if (source.kind === "hub") {
      token = envSecret(source.tokenEnv, options.env ?? {});
      if (!token) throw new InputError("MISSING_HUB_TOKEN", { variable: source.tokenEnv }, `${config.file}: set ${source.tokenEnv} to the hub token the account fetches its bundle with`);
      options.onSecret?.(token);
    }
    const history = ((await store.state(HISTORY_KEY)) as BundleHistory | undefined) ?? { history: [] };
    const self = new AccountBundles(cfg, store, options, token);
    let bundle = source.kind === "hub" ? await self.fromHub(source.id) : await self.fromFile(source.file);
    self.configured = bundle.id;
    if (history.pinned?.from === bundle.id && history.pinned.to !== bundle.id) {
      options.log.warn("a rollback pinned the previous bundle: running it until the account file names another bundle", { configured: bundle.id, running: history.pinned.to });
      bundle = await self.stored(history.pinned.to);
    }
    if (config.mode === "live" && source.paperFirst && !(await self.ranInPaper(bundle.id))) {
      throw new InputError("PAPER_FIRST", { id: bundle.id },
        `${config.file}: bundle ${bundle.id} has not run in paper mode on this machine: run it on a paper account of ${dirname(config.file)} first, or set "paperFirst": false in the strategy`);
    }
    if (bundle.content.engineVersion !== ENGINE_VERSION) {
      options.log.warn("the bundle was made with another engine version", { bundle: bundle.id, made: bundle.content.engineVersion, running: ENGINE_VERSION });
    }
    self.loaded = await self.load(bundle, history);
    return self;
  }

  get current(): LoadedBundle {
    return this.loaded;
  }

  /** The account config to run the current bundle with: its strategy name and parameters, its risk limits under the file's. */
  runConfig(params: Params = this.loaded.params): AccountConfig {
    return { ...this.config, strategy: { name: this.loaded.strategy.name, params }, risk: bundleRisk(this.loaded.bundle, this.config.risk) };
  }

  async info(): Promise<BundleInfo> {
    const { history } = await this.history();
    const id = this.loaded.bundle.id;
    const previous: string[] = [];
    for (const h of [...history].reverse()) if (h.id !== id && !previous.includes(h.id)) previous.push(h.id);
    return { id, name: this.loaded.bundle.content.strategy.name, previous };
  }

  /**
   * Records that the current bundle started (history, the store's copy, a paper run's record),
   * audits it and tells the hub.
   */
  async started(actor: string): Promise<void> {
    const { bundle } = this.loaded;
    const t = this.now();
    const h = await this.history();
    await this.store.setState(copyKey(bundle.id), bundle, t);
    await this.store.setState(HISTORY_KEY, { ...h, history: [...h.history, { id: bundle.id, name: bundle.content.strategy.name, startedMs: t, actor, mode: this.config.mode }] }, t);
    if (this.config.mode === "paper") {
      await this.store.setState(paperKey(bundle.id), { account: this.config.name, startedMs: t }, t);
      const ledger = this.paperLedger(bundle.id);
      if (!existsSync(ledger)) writeFileAtomic(ledger, `${JSON.stringify({ id: bundle.id, account: this.config.name, startedMs: t })}\n`);
    }
    await this.store.audit({ timeMs: t, actor, action: "bundle_start", details: { bundle: bundle.id, name: bundle.content.strategy.name, mode: this.config.mode } });
    await this.report("start", {});
  }

  /**
   * Loads the bundle run before the current one from the store's copy (checked again) and makes
   * it current; the account stays on it until its file names another bundle. Audited. InputError
   * NO_PREVIOUS_BUNDLE when there is none. The caller restarts the trader, then calls started().
   */
  async rollback(actor: string): Promise<{ from: string; to: LoadedBundle }> {
    const from = this.loaded.bundle.id;
    const target = (await this.info()).previous[0];
    if (!target) throw new InputError("NO_PREVIOUS_BUNDLE", { id: from }, `bundle ${from} is the only bundle this account has run: there is nothing to roll back to`);
    const h = await this.history();
    const bundle = await this.stored(target);
    const next = await this.load(bundle, h);
    const t = this.now();
    const { pinned: _, ...rest } = h;
    await this.store.setState(HISTORY_KEY, target === this.configured ? rest : { ...rest, pinned: { from: this.configured, to: target } }, t);
    await this.store.audit({ timeMs: t, actor, action: "bundle_rollback", details: { from, to: target } });
    this.loaded = next;
    await this.report("rollback", { from });
    return { from, to: next };
  }

  /** Tells the hub (a hub bundle only) what happened; a hub that does not answer is logged, never fatal. */
  async report(event: "start" | "stop" | "rollback", details: { readonly from?: string }): Promise<void> {
    const source = this.config.bundle;
    if (source.kind !== "hub" || !this.token) return;
    const id = this.loaded.bundle.id;
    try {
      const res = await fetch(`${source.hub}/api/bundles/${id}/events`, {
        method: "POST", signal: AbortSignal.timeout(5000),
        headers: { authorization: `Bearer ${this.token.reveal()}`, "content-type": "application/json" },
        body: JSON.stringify({ event, account: this.config.name, mode: this.config.mode, ...details }),
      });
      if (!res.ok) this.options.log.warn("the hub did not record a bundle event", { event, status: res.status });
    } catch (error) {
      this.options.log.warn("the hub could not be told of a bundle event", { event, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async history(): Promise<BundleHistory> {
    return ((await this.store.state(HISTORY_KEY)) as BundleHistory | undefined) ?? { history: [] };
  }

  private paperLedger(id: string): string {
    return join(dirname(this.config.file), ".paper-runs", `${id}.json`);
  }

  private async ranInPaper(id: string): Promise<boolean> {
    return existsSync(this.paperLedger(id)) || (await this.store.state(paperKey(id))) !== undefined;
  }

  /** The copy of `id` the store kept, checked again. */
  private async stored(id: string): Promise<Bundle> {
    const copy = await this.store.state(copyKey(id));
    if (copy === undefined || copy === null) throw new InputError("BUNDLE_NOT_KEPT", { id }, `${this.config.file}: bundle ${id} is not in the account's store`);
    return checkBundle(copy);
  }

  private async knownCopy(id: unknown): Promise<Bundle["content"] | undefined> {
    if (typeof id !== "string" || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    const copy = (await this.store.state(copyKey(id))) as Bundle | undefined | null;
    return copy?.content;
  }

  private async fromFile(file: string): Promise<Bundle> {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new InputError("BUNDLE_FILE", { file }, `${this.config.file}: strategy.bundleFile ${file} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const known = await this.knownCopy((json as { id?: unknown } | null)?.id);
    try {
      return await checkBundle(json, known ? { known } : {});
    } catch (error) {
      if (error instanceof InputError) throw new InputError(error.code, { file }, `${file}: ${error.message}`);
      throw error;
    }
  }

  private async fromHub(id: string): Promise<Bundle> {
    const source = this.config.bundle as Extract<BundleSource, { kind: "hub" }>;
    const url = `${source.hub}/api/bundles/${id}?account=${encodeURIComponent(this.config.name)}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.token!.reveal()}` }, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      const copy = await this.knownCopy(id);
      if (copy) {
        this.options.log.warn("the hub cannot be reached: running the copy of the bundle kept in the account's store", { bundle: id, error: error instanceof Error ? error.message : String(error) });
        return checkBundle({ id, content: copy });
      }
      throw new InputError("HUB_UNREACHABLE", { hub: source.hub }, `${this.config.file}: the hub at ${source.hub} cannot be reached to fetch bundle ${id}, and the account's store has no copy of it`);
    }
    const body = (await res.json().catch(() => ({}))) as { id?: unknown; content?: unknown; error?: string; status?: string; required?: number; approvals?: number };
    if (!res.ok) {
      throw new InputError(res.status === 404 ? "BUNDLE_NOT_FOUND" : "HUB_REFUSED", { status: res.status },
        `${this.config.file}: the hub refused bundle ${id} (${res.status}): ${body.error ?? res.statusText}`);
    }
    const known = await this.knownCopy(id);
    const bundle = await checkBundle({ id: body.id, content: body.content }, known ? { known } : {});
    if (bundle.id !== id) throw new InputError("BUNDLE_TAMPERED", { id }, `${this.config.file}: asked the hub for bundle ${id}, got ${bundle.id}`);
    if (body.status !== "approved") {
      throw new InputError("BUNDLE_NOT_APPROVED", { id },
        `${this.config.file}: bundle ${id} needs ${body.required ?? "?"} approval(s) by someone other than its author (${bundle.content.author}) before account ${this.config.name} may run it, and has ${body.approvals ?? 0}: approve it on the hub first`);
    }
    return bundle;
  }

  /** The bundle imported, with the parameters to start from. */
  private async load(bundle: Bundle, h: BundleHistory): Promise<LoadedBundle> {
    const strategy = await importBundleStrategy(bundle);
    const own = resolveParams(strategy.name, strategy.params, bundle.content.params) as Params;
    const last = h.history.at(-1);
    if (last?.id !== bundle.id) return { bundle, strategy, params: own };
    // the same bundle again (a restart): the operator's last hot update while it ran stays
    const update = (await this.store.paramsHistory()).filter((c) => c.accepted !== false && c.strategy === strategy.name && c.timeMs >= last.startedMs).at(-1);
    if (!update) return { bundle, strategy, params: own };
    try {
      const params = resolveParams(strategy.name, strategy.params, { ...own, ...update.params }) as Params;
      this.options.log.info("parameters of the last hot update kept", { params, since: new Date(update.timeMs).toISOString(), by: update.actor });
      return { bundle, strategy, params };
    } catch {
      return { bundle, strategy, params: own };
    }
  }
}
