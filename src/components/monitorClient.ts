/**
 * The traders as the pages reach them: through the hub (engine/node/hub/traderProxy.ts), with the
 * page's hub token — never a trader's own token, which only the hub holds. Every failure is an
 * Error whose message a page can show as it is (the hub's or the trader's words, naming the account).
 *
 * @example
 * const traders = accountsClient({ hubUrl: "ws://127.0.0.1:1234", token });
 * await traders.accounts();                                 // [{account, url, reachable, status}]
 * await traders.act("main", "kill", { reason: "news" });
 * await traders.pushParams("main", { allocation: 0.5 });   // refused values: an Error saying why
 */
import type { DriftReport } from "../engine/live/driftReport.js";
import { hubHttpUrl } from "./hubClient.js";

/** A position as the trader's status gives it. */
export interface TraderPosition {
  readonly symbol: string;
  readonly quantity: number;
  readonly averagePrice: number;
  readonly lastPrice: number;
  readonly unrealizedPnl: number;
  readonly realizedPnl: number;
}

/** A symbol's feed as the trader sees it. */
export interface FeedHealth {
  readonly symbol: string;
  readonly status: string;
  readonly lastBarMs?: number | null;
  readonly reconnects?: number;
  readonly lastError?: string | null;
}

/** The trader's GET /status (engine/node/live/trader.ts TraderStatus, as JSON: NaN is null). */
export interface TraderStatus {
  readonly account: string;
  readonly mode: "paper" | "live";
  readonly state: string;
  readonly risk: string;
  readonly killed: boolean;
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly equity: number | null;
  readonly cash: number | null;
  readonly positions: readonly TraderPosition[];
  readonly openOrders: number;
  readonly feed: readonly FeedHealth[];
  readonly lastBarMs: number | null;
}

export interface AccountSummary {
  readonly account: string;
  readonly url: string;
  readonly reachable: boolean;
  readonly status?: TraderStatus;
  /** The promoted bundle it runs; absent for a strategy template. */
  readonly bundle?: RunningBundle;
  readonly error?: string;
}

/** A journaled order (accountStore.ts StoredOrder). */
export interface TraderOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: string;
  readonly quantity: number;
  readonly limitPrice?: number | null;
  readonly status: string;
  readonly filledQuantity: number;
  readonly averagePrice?: number | null;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly source: string;
  readonly tag?: string | null;
  readonly reason?: string | null;
}

/** A stored fill (accountStore.ts FillRecord). */
export interface TraderFill {
  readonly tradeId: string;
  readonly clientOrderId?: string | null;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  readonly timeMs: number;
}

/** The trader's GET /bundle: the promoted bundle it runs (none for a built-in strategy). */
export interface RunningBundle {
  readonly id: string;
  readonly name: string;
  readonly previous?: readonly string[];
}

export type TraderAction = "pause" | "resume" | "kill" | "flatten" | "params";

export interface AccountsClient {
  readonly baseUrl: string;
  me(): Promise<{ name: string; role: "read" | "write" }>;
  accounts(): Promise<AccountSummary[]>;
  orders(account: string, limit?: number): Promise<TraderOrder[]>;
  fills(account: string, limit?: number): Promise<TraderFill[]>;
  act(account: string, action: TraderAction, body?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** New parameter values for the running strategy, checked by the trader against their ranges; the values now in force. */
  pushParams(account: string, params: Readonly<Record<string, number | string | boolean>>): Promise<Readonly<Record<string, unknown>>>;
  /** The live-versus-backtest report (engine/live/driftReport.ts) of the account's current run. */
  drift(account: string, range?: { fromMs?: number; toMs?: number }): Promise<DriftAnswer>;
}

/** GET /api/accounts/<name>/drift. */
export interface DriftAnswer {
  readonly account: string;
  readonly strategy: string;
  readonly bundle?: string;
  readonly timeframe: string;
  readonly report: DriftReport;
}

export function accountsClient(settings: { readonly hubUrl: string; readonly token: string }): AccountsClient {
  const baseUrl = hubHttpUrl(settings.hubUrl);
  async function call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    if (!settings.token) throw new Error("no hub token: open the page once with ?token=YOUR_TOKEN, or enter it under Hub");
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { authorization: `Bearer ${settings.token}`, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    } catch {
      throw new Error(`the hub at ${baseUrl} cannot be reached`);
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
    return body as T;
  }
  const at = (account: string, route: string) => `/api/accounts/${encodeURIComponent(account)}/${route}`;
  return {
    baseUrl,
    me: () => call("/api/me"),
    accounts: () => call("/api/accounts"),
    orders: (account, limit = 20) => call(`${at(account, "orders")}?limit=${limit}`),
    fills: (account, limit = 20) => call(`${at(account, "fills")}?limit=${limit}`),
    act: (account, action, body = {}) => call(at(account, action), { body }),
    async pushParams(account, params) {
      if (typeof account !== "string" || account === "") throw new Error("pushParams(account, params): name the account, e.g. pushParams(\"main\", { fast: 12 })");
      if (typeof params !== "object" || params === null || Object.keys(params).length === 0) throw new Error("pushParams(account, params): give at least one parameter value, e.g. { fast: 12 }");
      try {
        return (await call<{ params: Record<string, unknown> }>(at(account, "params"), { body: { params } })).params;
      } catch (error) {
        throw new Error(`${account} refused the parameters: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    drift(account, range = {}) {
      const q = new URLSearchParams();
      if (range.fromMs !== undefined) q.set("fromMs", String(range.fromMs));
      if (range.toMs !== undefined) q.set("toMs", String(range.toMs));
      return call(`${at(account, "drift")}${q.size ? `?${q}` : ""}`);
    },
  };
}
