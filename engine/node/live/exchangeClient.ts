/**
 * The trader's ccxt client: one ccxt.pro instance (REST and WebSocket) per account. Paper mode
 * builds it without credentials, so a paper run cannot make a signed request; live mode hands
 * the keys to ccxt and nowhere else. `urls` point it at another host (the local simulator).
 */
import ccxt, { type Exchange } from "ccxt";
import type { AccountConfig } from "./accountConfig.js";
import { revealCredentials, type Credentials } from "./secrets.js";

/** Rewrites every http(s) base URL of a ccxt `urls.api` map to `base`, keeping the paths. */
export function pointApiAt(api: Readonly<Record<string, unknown>>, base: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v === "string" ? v.replace(/^https?:\/\/[^/]+/, base) : v]));
}

/** Rewrites every ws(s) URL of a ccxt `urls.api.ws` map (nested by market type) to `base`, keeping the paths. */
function pointWsAt(ws: unknown, base: string): unknown {
  if (typeof ws === "string") return ws.replace(/^wss?:\/\/[^/]+/, base);
  if (typeof ws === "object" && ws !== null) return Object.fromEntries(Object.entries(ws).map(([k, v]) => [k, pointWsAt(v, base)]));
  return ws;
}

export type ProExchange = Exchange & {
  watchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<import("ccxt").OHLCV[]>;
  watchMyTrades(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<import("ccxt").Trade[]>;
  watchOrders(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<import("ccxt").Order[]>;
  loadHttpProxyAgent(): Promise<unknown>;
  close(): Promise<void>;
};

/** Builds and prepares (markets loaded) the account's exchange client. */
export async function openExchange(config: AccountConfig, credentials: Credentials | undefined): Promise<ProExchange> {
  const pro = (ccxt as unknown as { pro: Record<string, new (o: Record<string, unknown>) => ProExchange> }).pro;
  const Cls = pro[config.exchange.id];
  if (!Cls) throw new Error(`${config.file}: exchange "${config.exchange.id}" has no ccxt.pro class`);
  const proto = new Cls({});
  const api = { ...(proto.urls as { api: Record<string, unknown> }).api };
  const { rest, ws } = config.exchange.urls ?? {};
  const urls = {
    ...proto.urls,
    api: { ...(rest ? pointApiAt(api, rest) : api), ...(ws ? { ws: pointWsAt(api.ws, ws) } : {}) },
  };
  // paper: never a key, whatever the environment holds
  const keys = config.mode === "live" && credentials ? revealCredentials(credentials) : {};
  const exchange = new Cls({
    ...keys,
    enableRateLimit: true,
    urls,
    options: { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false, fetchMargins: false, ...(config.exchange.options ?? {}) },
  });
  // ccxt.pro refuses ws:// (not wss://) until its agent is loaded (STACK.md P16)
  if (ws?.startsWith("ws://")) await exchange.loadHttpProxyAgent();
  await exchange.loadMarkets();
  for (const symbol of config.markets.symbols) {
    if (!exchange.markets?.[symbol]) throw new Error(`${config.file}: the exchange has no market "${symbol}"`);
  }
  return exchange;
}

/** Decimal places of a tick or step size (0.01 → 2), for exact price averages and lot rounding. */
export function decimalsOf(step: number | undefined): number | undefined {
  if (step === undefined || !(step > 0)) return undefined;
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return undefined;
}
