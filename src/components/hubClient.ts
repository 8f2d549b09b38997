/**
 * The hub's HTTP API (engine/node/hub/hubApi.ts) as the pages use it: who the token is, the
 * strategy documents, their named versions and their content at a version. Same host and port as
 * the WebSocket URL, with the token as `Authorization: Bearer`. Every failure is an Error whose
 * message a page can show as it is.
 *
 * @example
 * const hub = hubClient({ hubUrl: "ws://127.0.0.1:1234", token });
 * await hub.me();                               // {name: "alice", role: "write", colour: "#2563eb"}
 * await hub.versions("trend-1");                // [{version: 1, name: "first", user, time, …}]
 * await hub.strategy("trend-1", 1);             // {source, params, notes} as version 1 held them
 */

export interface HubUser {
  readonly name: string;
  readonly role: "read" | "write";
  readonly colour: string;
}

export interface HubVersion {
  readonly version: number;
  readonly name: string;
  readonly user: string;
  readonly time: number;
}

export interface StrategyContent {
  readonly source: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly notes: string;
}

export interface HubClient {
  /** http://host:port of the hub. */
  readonly baseUrl: string;
  me(): Promise<HubUser>;
  /** The ids of the strategy documents the hub has. */
  strategies(): Promise<string[]>;
  versions(id: string): Promise<HubVersion[]>;
  /** Makes a named version of the document as it is now. */
  createVersion(id: string, name: string): Promise<HubVersion>;
  /** The document's content now ("current") or at a named version. */
  strategy(id: string, version: number | "current"): Promise<StrategyContent>;
}

/** The hub's HTTP address for its WebSocket address (ws → http, wss → https). */
export function hubHttpUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

export function hubClient(settings: { readonly hubUrl: string; readonly token: string }): HubClient {
  const baseUrl = hubHttpUrl(settings.hubUrl);
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${settings.token}`, ...(init.body ? { "content-type": "application/json" } : {}) },
      });
    } catch {
      throw new Error(`the hub at ${baseUrl} cannot be reached`);
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new Error(`the hub says: ${body.error ?? `${res.status} ${res.statusText}`}`);
    return body as T;
  }
  const doc = (id: string) => `/api/docs/strategy/${encodeURIComponent(id)}`;
  return {
    baseUrl,
    me: () => call<HubUser>("/api/me"),
    async strategies() {
      const { docs } = await call<{ docs: { name: string }[] }>("/api/docs");
      return docs.map((d) => d.name).filter((n) => n.startsWith("strategy/")).map((n) => n.slice("strategy/".length)).sort();
    },
    async versions(id) {
      return (await call<{ versions: HubVersion[] }>(`${doc(id)}/versions`)).versions;
    },
    createVersion: (id, name) => call<HubVersion>(`${doc(id)}/versions`, { method: "POST", body: JSON.stringify({ name }) }),
    async strategy(id, version) {
      if (version === "current") return (await call<{ content: StrategyContent }>(doc(id))).content;
      return (await call<{ comparison: { from: StrategyContent } }>(`${doc(id)}/compare?from=${version}&to=current`)).comparison.from;
    },
  };
}
