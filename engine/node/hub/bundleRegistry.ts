/**
 * The hub's registry of promoted bundles (engine/bundle.ts): one file per bundle,
 * `<dir>/<id>.json`, written once and never replaced (hard-linked into place, so even two
 * promotions of the same content at once cannot overwrite each other), checked against its id
 * whenever it is read. Approvals are the only thing that changes, so they live beside it
 * (`<id>.approvals.json`, rewritten atomically).
 *
 * A promotion is accepted only when the hub's own backtest of the bundle's code and parameters
 * (bundleRerun.ts) gives the metrics the bundle records, and only from its author. A policy may
 * ask for approvals by other write users before a trader may run it. Promotions, refusals and
 * approvals are audit-logged.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { bundleId, checkBundle, checkBundleContent, type Bundle, type BundleContent } from "../../bundle.js";
import { InputError } from "../../errors.js";
import { ENGINE_VERSION } from "../../version.js";
import { fsyncDir, writeFileAtomic } from "./atomicFile.js";
import type { AuditLog } from "./auditLog.js";
import { metricDifferences, rerunBundle, type RerunOutcome } from "./bundleRerun.js";
import type { BundlePolicy } from "./hubConfig.js";
import type { HubUser } from "./hubUsers.js";

/** A refusal with the HTTP status that says what kind it is. */
export class BundleError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Approval {
  readonly user: string;
  /** UTC ms. */
  readonly time: number;
}

/** "approved": a trader may run it (under the policy asked about); else it waits for approvals. */
export type BundleStatus = "approved" | "awaiting-approval";

/** A bundle as the registry lists it. */
export interface BundleEntry {
  readonly id: string;
  readonly name: string;
  readonly author: string;
  readonly createdMs: number;
  readonly approvals: number;
  readonly status: BundleStatus;
}

export interface BundleRegistryOptions {
  readonly dir: string;
  readonly audit: AuditLog;
  readonly policy?: BundlePolicy;
  /** Data files a bundle's backtest may name, found by sha256. */
  readonly datasetsDir: string;
  /** Longest a promotion's backtest may run. Default 120 s. */
  readonly rerunTimeoutMs?: number;
  /** The re-run; default bundleRerun's child process (tests may count calls). */
  readonly rerun?: (content: BundleContent) => Promise<RerunOutcome>;
  readonly now?: () => number;
}

const ID = /^[0-9a-f]{64}$/;

export class BundleRegistry {
  private readonly cache = new Map<string, Bundle>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly rerun: (content: BundleContent) => Promise<RerunOutcome>;

  constructor(private readonly options: BundleRegistryOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.now = options.now ?? Date.now;
    this.rerun = options.rerun ?? ((content) => rerunBundle(content, { datasetsDir: options.datasetsDir, ...(options.rerunTimeoutMs ? { timeoutMs: options.rerunTimeoutMs } : {}) }));
  }

  private file(id: string): string {
    return join(this.options.dir, `${id}.json`);
  }

  private approvalsFile(id: string): string {
    return join(this.options.dir, `${id}.approvals.json`);
  }

  /** The bundle `id`, checked against its id; undefined when there is none. Throws BundleError 500 for a damaged file. */
  async get(id: string): Promise<Bundle | undefined> {
    if (!ID.test(id)) return undefined;
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (!existsSync(this.file(id))) return undefined;
    try {
      const bundle = await checkBundle(JSON.parse(readFileSync(this.file(id), "utf8")));
      if (bundle.id !== id) throw new Error(`it holds bundle ${bundle.id}`);
      this.cache.set(id, bundle);
      return bundle;
    } catch (error) {
      throw new BundleError(500, `the stored bundle ${id} is damaged and is not served: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Approvals needed for `account` (its own policy, else the hub's), or the hub's when no account is named. */
  required(account?: string): number {
    const policy = this.options.policy ?? {};
    return (account !== undefined ? policy.accounts?.[account]?.requireApprovals : undefined) ?? policy.requireApprovals ?? 0;
  }

  approvals(id: string): Approval[] {
    if (!existsSync(this.approvalsFile(id))) return [];
    return JSON.parse(readFileSync(this.approvalsFile(id), "utf8")) as Approval[];
  }

  status(id: string, account?: string): BundleStatus {
    return this.approvals(id).length >= this.required(account) ? "approved" : "awaiting-approval";
  }

  /** Every bundle, oldest first, with its approvals and its status under the hub's policy. */
  async list(): Promise<BundleEntry[]> {
    const ids = readdirSync(this.options.dir).map((f) => /^([0-9a-f]{64})\.json$/.exec(f)?.[1]).filter((x): x is string => !!x);
    const entries: BundleEntry[] = [];
    for (const id of ids) {
      let bundle: Bundle | undefined;
      try {
        bundle = await this.get(id);
      } catch {
        continue; // a damaged file is reported when it is asked for, not listed
      }
      if (!bundle) continue;
      const c = bundle.content;
      entries.push({ id, name: c.strategy.name, author: c.author, createdMs: c.createdMs, approvals: this.approvals(id).length, status: this.status(id) });
    }
    return entries.sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
  }

  /**
   * Promotes `content` for `user`: checked, its backtest run again here and compared with the
   * metrics it records, stored. Resolves `{ id, created }` (created false: the same content was
   * promoted before, nothing was run or written). Rejects with BundleError 422 saying why it is refused.
   */
  async promote(content: unknown, user: HubUser): Promise<{ id: string; created: boolean }> {
    const refuse = (reason: string, extra: Record<string, unknown> = {}): never => {
      this.options.audit.write({ time: this.now(), event: "bundle-refused", user: user.name, reason, ...extra });
      throw new BundleError(422, `promotion refused: ${reason}`);
    };
    let checked: BundleContent;
    try {
      checked = checkBundleContent(content);
    } catch (error) {
      return refuse(error instanceof InputError ? error.message : String(error));
    }
    const id = await bundleId(checked);
    const about = { bundle: id, name: checked.strategy.name };
    if (checked.author !== user.name) {
      return refuse(`the bundle's author is "${checked.author}" but you are "${user.name}": a bundle is promoted by the person who wrote it`, about);
    }
    if (checked.engineVersion !== ENGINE_VERSION) {
      return refuse(`the bundle was made with engine ${checked.engineVersion} and this hub runs ${ENGINE_VERSION}: backtest it again with this engine`, about);
    }
    if (await this.get(id)) return { id, created: false };
    // one backtest at a time: each is a process with a whole engine in it
    const outcome = await this.serial(() => this.rerun(checked));
    if (!outcome.ok) return refuse(`the hub could not run the bundle's backtest again: ${outcome.error}`, about);
    const differences = metricDifferences(checked.backtest.metrics, outcome.metrics);
    if (differences.length > 0) {
      return refuse(`its metrics are not those of a backtest of this code with these parameters on ${checked.backtest.dataset.name} (run again on the hub): ${differences.join("; ")}`,
        { ...about, differences });
    }
    const created = this.writeOnce(id, `${JSON.stringify({ id, content: checked })}\n`);
    if (created) {
      this.options.audit.write({ time: this.now(), event: "bundle-promote", user: user.name, ...about, dataset: checked.backtest.dataset.name,
        symbols: checked.backtest.symbols, engineVersion: checked.engineVersion, metrics: { totalReturn: checked.backtest.metrics.totalReturn, sharpe: checked.backtest.metrics.sharpe } });
    }
    return { id, created };
  }

  /**
   * Records `user`'s approval of bundle `id` (once per user). BundleError 404 for an unknown
   * bundle, 403 when `user` is its author.
   */
  async approve(id: string, user: HubUser): Promise<{ id: string; approvals: number }> {
    const bundle = await this.get(id);
    if (!bundle) throw new BundleError(404, `no bundle ${id}`);
    if (bundle.content.author === user.name) {
      this.options.audit.write({ time: this.now(), event: "bundle-refused", user: user.name, bundle: id, reason: "self-approval" });
      throw new BundleError(403, `${user.name} is the author of bundle ${id}: an approval must come from someone else`);
    }
    const approvals = this.approvals(id);
    if (!approvals.some((a) => a.user === user.name)) {
      const next = [...approvals, { user: user.name, time: this.now() }];
      writeFileAtomic(this.approvalsFile(id), `${JSON.stringify(next)}\n`);
      this.options.audit.write({ time: this.now(), event: "bundle-approve", user: user.name, bundle: id, name: bundle.content.strategy.name, approvals: next.length });
      return { id, approvals: next.length };
    }
    return { id, approvals: approvals.length };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Writes `text` as bundle `id` unless the file exists; true when this call wrote it. */
  private writeOnce(id: string, text: string): boolean {
    const path = this.file(id);
    const tmp = join(this.options.dir, `.${id}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const fd = openSync(tmp, "wx", 0o644);
    try {
      const bytes = Buffer.from(text, "utf8");
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path); // fails rather than replace: a bundle is never overwritten
      fsyncDir(this.options.dir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}
