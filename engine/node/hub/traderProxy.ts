/**
 * The hub's way to the traders: their control APIs (engine/node/live/controlApi.ts) behind the
 * hub's own tokens and roles, so a browser reaches a trader without ever holding its token. The
 * hub holds each trader's token (from its environment, see hubConfig.ts `traders`); reads need
 * any hub user, actions the write role, and every action is audit-logged in the hub with the user
 * (and passed on as X-Actor `hub:<user>`, so the trader's own audit says who too).
 *
 *   GET  /api/accounts                                  [{account, url, reachable, status?, bundle?, error?}]
 *   GET  /api/accounts/<name>/<status|orders|fills|bundle|positions|pnl|risk|bars|run>
 *   POST /api/accounts/<name>/<pause|resume|kill|flatten|params>   write; the body goes to the trader
 *   GET  /api/accounts/<name>/drift?fromMs&toMs         the live-versus-backtest report (accountDrift.ts)
 *
 * A trader that cannot be reached, refuses the hub's token or fails is a 502 naming the account,
 * the request and what failed; a refusal of the trader's own (a parameter out of its range, a bad
 * body) comes back with the trader's status and message.
 */
import type { AuditLog } from "./auditLog.js";
import type { TraderLink } from "./hubConfig.js";
import type { HubUser } from "./hubUsers.js";

/** An answer for the hub's API to send. */
export interface ProxyAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One line of GET /api/accounts. */
export interface AccountSummary {
  readonly account: string;
  readonly url: string;
  readonly reachable: boolean;
  /** The trader's /status when it answered. */
  readonly status?: unknown;
  /** The promoted bundle it runs (its /bundle), absent for a strategy template. */
  readonly bundle?: unknown;
  /** Why not, when it did not. */
  readonly error?: string;
}

export interface TraderProxyOptions {
  readonly traders: readonly TraderLink[];
  readonly audit: AuditLog;
  /** A trader that has not answered by then is unreachable. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** GET /api/accounts/<name>/drift; answers 501 without it. */
  readonly drift?: (proxy: TraderProxy, account: string, query: URLSearchParams) => Promise<ProxyAnswer>;
  readonly now?: () => number;
}

const READS = new Set(["status", "orders", "fills", "bundle", "positions", "pnl", "risk", "bars", "run"]);
const ACTIONS = new Set(["pause", "resume", "kill", "flatten", "params"]);

/** A failure to reach a trader, or its refusal of the hub: answered 502. */
export class TraderUnreachable extends Error {
  constructor(readonly account: string, readonly what: string, message: string) {
    super(message);
  }
}

export class TraderProxy {
  private readonly links: ReadonlyMap<string, TraderLink>;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TraderProxyOptions) {
    this.links = new Map(options.traders.map((t) => [t.account, t]));
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** The configured account names, in the config's order. */
  get accounts(): string[] {
    return [...this.links.keys()];
  }

  /** Every account with its trader's status, asked in parallel; an unreachable one says why. */
  async summaries(): Promise<AccountSummary[]> {
    return Promise.all([...this.links.values()].map(async (link) => {
      try {
        const [asked, bundleAsked] = await Promise.allSettled([this.get(link.account, "/status"), this.call(link.account, "GET", "/bundle")]);
        // the status's failure is the one to tell
        if (asked.status === "rejected") throw asked.reason;
        if (bundleAsked.status === "rejected") throw bundleAsked.reason;
        const [status, bundle] = [asked.value, bundleAsked.value];
        // a template account answers /bundle with a refusal: it runs no bundle
        return { account: link.account, url: link.url, reachable: true, status, ...(bundle.status === 200 && bundle.body ? { bundle: bundle.body } : {}) };
      } catch (error) {
        if (!(error instanceof TraderUnreachable)) throw error;
        return { account: link.account, url: link.url, reachable: false, error: error.message };
      }
    }));
  }

  /** GET a trader's route; its JSON. Throws TraderUnreachable, or TraderRefusal for its 4xx. */
  async get(account: string, path: string, query?: URLSearchParams): Promise<unknown> {
    const answer = await this.call(account, "GET", path, { query });
    if (answer.status >= 400) throw new TraderRefusal(answer);
    return answer.body;
  }

  /**
   * One request to a trader, answered as the trader answered it (status and JSON body), except
   * what the hub must answer itself: an unknown account (404), a missing token, an unreachable
   * trader, its refusal of the hub's token or its failure (TraderUnreachable, 502).
   */
  async call(account: string, method: "GET" | "POST", path: string, options: { query?: URLSearchParams | undefined; body?: unknown; actor?: string } = {}): Promise<ProxyAnswer> {
    const link = this.links.get(account);
    if (!link) return { status: 404, body: { error: `no account ${account}: the hub knows ${this.accounts.join(", ") || "none (add traders to the hub's config)"}` } };
    const what = `${method} ${path}`;
    if (!link.token) throw new TraderUnreachable(account, what, `account ${account}: the hub has no token for its trader; set ${link.tokenEnv} in the hub's environment`);
    const target = `${link.url}${path}${options.query && [...options.query].length > 0 ? `?${options.query}` : ""}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${link.token.reveal()}`,
          ...(options.actor ? { "x-actor": options.actor } : {}),
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
        },
        ...(method === "POST" ? { body: JSON.stringify(options.body ?? {}) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error).name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new TraderUnreachable(account, what, `account ${account}: the trader at ${link.url} cannot be reached (${what}: ${why})`);
    }
    const text = await res.text().catch(() => "");
    let body: unknown;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      body = { text };
    }
    if (res.status === 401) throw new TraderUnreachable(account, what, `account ${account}: the trader at ${link.url} refused the hub's token (${what}); check ${link.tokenEnv}`);
    if (res.status >= 500) {
      const said = (body as { error?: string } | null)?.error;
      throw new TraderUnreachable(account, what, `account ${account}: the trader failed (${what}: ${res.status}${said ? ` ${said}` : ""})`);
    }
    return { status: res.status, body };
  }

  /** Handles /api/accounts and below for an authenticated hub user. */
  async handle(request: { method: string; path: string; query: URLSearchParams; user: HubUser; body?: () => Promise<unknown> }): Promise<ProxyAnswer> {
    const { method, path, query, user } = request;
    try {
      if (path === "/api/accounts" || path === "/api/accounts/") {
        if (method !== "GET") return { status: 405, body: { error: `${method} is not allowed on ${path}` } };
        return { status: 200, body: await this.summaries() };
      }
      const m = /^\/api\/accounts\/([^/]+)\/([a-z]+)$/.exec(path);
      if (!m) return { status: 404, body: { error: `no route ${method} ${path}` } };
      const account = decodeURIComponent(m[1]!);
      const route = m[2]!;
      if (!this.links.has(account)) return { status: 404, body: { error: `no account ${account}: the hub knows ${this.accounts.join(", ") || "none"}` } };
      if (method === "GET" && route === "drift") {
        if (!this.options.drift) return { status: 501, body: { error: "this hub has no live-versus-backtest report" } };
        return await this.options.drift(this, account, query);
      }
      if (method === "GET" && READS.has(route)) return await this.call(account, "GET", `/${route}`, { query });
      if (method === "POST" && ACTIONS.has(route)) return await this.act(account, route, user, request.body ? await request.body() : {});
      return { status: READS.has(route) || ACTIONS.has(route) || route === "drift" ? 405 : 404, body: { error: `no route ${method} ${path}` } };
    } catch (error) {
      if (error instanceof TraderUnreachable) return { status: 502, body: { error: error.message, account: error.account, request: error.what } };
      if (error instanceof TraderRefusal) return error.answer;
      throw error;
    }
  }

  /** An action on a trader: write role, audit-logged in the hub whatever the outcome. */
  private async act(account: string, action: string, user: HubUser, body: unknown): Promise<ProxyAnswer> {
    const details = action === "kill" || action === "params" ? { body } : {};
    const log = (status: number, extra: Record<string, unknown> = {}) =>
      this.options.audit.write({ time: this.now(), event: "account-action", user: user.name, account, action, status, ...details, ...extra });
    if (user.role !== "write") {
      log(403, { refused: "read-only" });
      return { status: 403, body: { error: `${user.name} has read-only access: ${action} needs the write role` } };
    }
    try {
      const answer = await this.call(account, "POST", `/${action}`, { body, actor: `hub:${user.name.replace(/[^A-Za-z0-9_.@-]/g, "_")}`.slice(0, 64) });
      const error = answer.status >= 400 ? (answer.body as { error?: string } | null)?.error : undefined;
      log(answer.status, error ? { error } : {});
      return answer.status >= 400 ? { status: answer.status, body: { ...(answer.body as object), account } } : answer;
    } catch (error) {
      log(502, { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }
}

/** A trader's own refusal (4xx) of a read the hub needed: passed on as it is. */
export class TraderRefusal extends Error {
  constructor(readonly answer: ProxyAnswer) {
    super((answer.body as { error?: string } | null)?.error ?? `the trader answered ${answer.status}`);
  }
}
