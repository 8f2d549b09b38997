/**
 * The trader's control API on 127.0.0.1: HTTP for status and actions, a WebSocket (/events) that
 * pushes the status on every change, and Prometheus metrics (/metrics).
 *
 * Every request needs the bearer token (`Authorization: Bearer …`; a browser's WebSocket, which
 * cannot set headers, offers the subprotocols "qw.events" and "bearer.<token>", and the server
 * picks "qw.events" so the token is not echoed). A request without it gets 401 before anything
 * else is looked at, so nothing about the routes leaks. Every action is audit-logged with who
 * (X-Actor) and when. Requests are strict: an unknown query parameter, a body over 64 KiB, a body
 * that is not JSON or has a key the route does not take, a bad X-Actor — 400, and nothing changes.
 * A bundle account also answers GET /bundle ({id, name, previous}) and POST /bundle/rollback
 * (the strategy restarted on the bundle it ran before).
 * Every answer is scrubbed of the secrets it is given (token, exchange keys), errors included.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { z } from "zod";
import { InputError } from "../../errors.js";
import type { AuditRecord } from "./accountStore.js";
import type { BundleInfo } from "./bundleLoader.js";
import type { Logger } from "./logger.js";
import { prometheusText } from "./metrics.js";
import { redact, type Secret } from "./secrets.js";
import type { Trader } from "./trader.js";

/** Largest request body accepted, bytes. */
export const MAX_BODY = 64 * 1024;
/** An oversized body up to this size is read and dropped before the 400; a larger one gets the 400 and a closed connection. */
const DRAIN_LIMIT = 1024 * 1024;
// ":" lets a gateway say whose request it passes on ("hub:alice")
const ACTOR = /^[A-Za-z0-9_.@:-]{1,64}$/;
/** The WebSocket subprotocol the server selects (the other offered one carries the token). */
export const EVENTS_PROTOCOL = "qw.events";

/** What the API drives: the trader of the moment, the strategy's lifecycle, the audit log. */
export interface TraderHost {
  trader(): Trader;
  startStrategy(actor: string): Promise<void>;
  stopStrategy(actor: string): Promise<void>;
  restartStrategy(actor: string): Promise<void>;
  /** The latest `limit` audit entries, oldest first. */
  auditLog(limit: number): Promise<AuditRecord[]>;
  /** Calls `listener` with the status after every change, whichever trader is current. */
  subscribe(listener: (status: unknown) => void): void;
  /** The promoted bundle the account runs; absent or undefined for a template strategy. */
  bundle?(): Promise<BundleInfo | undefined>;
  /** Restarts the strategy on the bundle run before the current one (bundleLoader.ts); audited. */
  rollbackBundle?(actor: string): Promise<BundleInfo>;
}

export interface ControlApiOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The bearer token, 16+ characters. */
  readonly token: string;
  readonly log: Logger;
  /** Values scrubbed from every answer besides the token (the exchange keys). */
  readonly secrets?: Iterable<Secret | string>;
  readonly now?: () => number;
}

export interface ControlApi {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const limitParam = z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(10_000, "must be at most 10000");
const listQuery = z.strictObject({ limit: limitParam.optional() });
const noQuery = z.strictObject({});
const noBody = z.strictObject({});
const killBody = z.strictObject({ reason: z.string().min(1).max(500) });
const paramsBody = z.strictObject({ params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])) });
const msParam = z.coerce.number().int("must be a whole number of ms");
const barsQuery = z.strictObject({ symbol: z.string().min(1).max(64), fromMs: msParam.optional(), toMs: msParam.optional() });

interface Request<Q, B> {
  readonly query: Q;
  readonly body: B;
  readonly actor: string;
  readonly trader: Trader;
}

interface Route {
  readonly query: z.ZodType;
  /** Undefined: a GET, which takes no body. */
  readonly body?: z.ZodType;
  /** The answer's body, and its content type when it is not JSON. */
  readonly handle: (r: Request<any, any>) => Promise<unknown> | unknown;
  readonly type?: string;
}

/**
 * Starts the API. Resolves once it listens.
 *
 * @example
 * const api = await startControlApi(host, { port: 0, token: token.reveal(), log, secrets: credentialSecrets(credentials) });
 * // curl -H "Authorization: Bearer $TOKEN" -H "X-Actor: alice" -X POST http://127.0.0.1:PORT/pause
 */
export async function startControlApi(host: TraderHost, options: ControlApiOptions): Promise<ControlApi> {
  const { token, log } = options;
  if (token.length < 16) throw new InputError("WEAK_TOKEN", {}, "the control API token must be at least 16 characters");
  const now = options.now ?? Date.now;
  const secrets = [token, ...(options.secrets ?? [])];
  const expected = Buffer.from(token);
  const authorized = (value: string | undefined): boolean => {
    if (!value) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

  const json = (body: unknown) => JSON.stringify(body, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
  const send = (res: ServerResponse, status: number, body: unknown, type = "application/json", close = false) => {
    const text = redact(type === "application/json" ? json(body) : String(body), secrets);
    res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...(close ? { connection: "close" } : {}) });
    res.end(text);
  };

  const routes: Record<string, Route> = {
    "GET /status": { query: noQuery, handle: ({ trader }) => trader.status() },
    "GET /positions": { query: noQuery, handle: ({ trader }) => trader.status().positions },
    "GET /risk": { query: noQuery, handle: ({ trader }) => ({ state: trader.status().risk, killed: trader.status().killed }) },
    "GET /pnl": {
      query: noQuery,
      handle: ({ trader }) => {
        const s = trader.status();
        return { equity: s.equity, cash: s.cash, unrealized: s.positions.reduce((a, p) => a + p.unrealizedPnl, 0), realized: s.positions.reduce((a, p) => a + p.realizedPnl, 0) };
      },
    },
    "GET /orders": { query: listQuery, handle: ({ trader, query }) => trader.orders(query.limit ?? 200) },
    "GET /fills": { query: listQuery, handle: ({ trader, query }) => trader.fills(query.limit ?? 200) },
    "GET /audit": { query: listQuery, handle: ({ query }) => host.auditLog(query.limit ?? 200) },
    // the recorded bars (the store is the trader's) and how this run started: a replay of the run needs both
    "GET /bars": { query: barsQuery, handle: ({ trader, query }) => trader.recordedBars(query.symbol, query) },
    "GET /run": { query: noQuery, handle: ({ trader }) => trader.runInfo() ?? null },
    "GET /metrics": { query: noQuery, type: "text/plain; version=0.0.4", handle: ({ trader }) => prometheusText(trader.status(), trader.counters, now()) },
    "POST /pause": { query: noQuery, body: noBody, handle: async ({ trader, actor }) => { await trader.pause(actor); return trader.status(); } },
    "POST /resume": { query: noQuery, body: noBody, handle: async ({ trader, actor }) => { await trader.resume(actor); return trader.status(); } },
    "POST /kill": { query: noQuery, body: killBody, handle: ({ trader, actor, body }) => trader.kill(actor, body.reason) },
    "POST /flatten": { query: noQuery, body: noBody, handle: async ({ trader, actor }) => ({ orders: await trader.flatten(actor) }) },
    "POST /params": { query: noQuery, body: paramsBody, handle: async ({ trader, actor, body }) => ({ params: await trader.setParams(body.params, actor) }) },
    "POST /strategy/start": { query: noQuery, body: noBody, handle: async ({ actor }) => { await host.startStrategy(actor); return host.trader().status(); } },
    "POST /strategy/stop": { query: noQuery, body: noBody, handle: async ({ actor }) => { await host.stopStrategy(actor); return host.trader().status(); } },
    "GET /bundle": { query: noQuery, handle: async () => (await host.bundle?.()) ?? noBundle() },
    "POST /bundle/rollback": {
      query: noQuery, body: noBody,
      handle: async ({ actor }) => (host.rollbackBundle && (await host.bundle?.()) ? host.rollbackBundle(actor) : noBundle()),
    },
    "POST /strategy/restart": { query: noQuery, body: noBody, handle: async ({ actor }) => { await host.restartStrategy(actor); return host.trader().status(); } },
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!authorized(bearer(req))) {
      log.warn("control API: refused a request without a valid token", { method: req.method, path: url.pathname });
      return send(res, 401, { error: "a valid bearer token is required" }, "application/json", true);
    }
    const key = `${req.method} ${url.pathname}`;
    const route = routes[key];
    if (!route) return send(res, 404, { error: "no such route", routes: Object.keys(routes) });
    try {
      const actor = actorOf(req);
      const query = parse("query", route.query, Object.fromEntries(url.searchParams));
      const body = route.body ? parse("body", route.body, await readBody(req)) : undefined;
      const answer = await route.handle({ query, body, actor, trader: host.trader() });
      return send(res, 200, answer, route.type);
    } catch (e) {
      if (e instanceof InputError) {
        // a body too large to drain is left unread on the socket: close it after this answer
        return send(res, 400, { error: e.message, code: e.code }, "application/json", e.code === "BODY_TOO_LARGE" && !req.complete);
      }
      log.error("control API: request failed", { route: key, error: e instanceof Error ? e.message : String(e) });
      return send(res, 500, { error: "internal error; see the trader's log" });
    }
  });

  // the event stream: authenticated at the upgrade, before any frame
  const wss = new WebSocketServer({
    noServer: true, maxPayload: 4096,
    handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : [...offered][0] ?? false),
  });
  const clients = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    const fromProtocol = protocols.find((p) => p.startsWith("bearer."))?.slice("bearer.".length);
    if (!authorized(bearer(req) ?? fromProtocol)) {
      log.warn("control API: refused an event stream without a valid token", { path: url.pathname });
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    if (url.pathname !== "/events") {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on("close", () => clients.delete(ws));
      ws.on("error", () => clients.delete(ws));
      ws.on("message", () => ws.close(1008, "the event stream is one-way"));
      ws.send(redact(json({ type: "status", status: host.trader().status() }), secrets));
    });
  });
  host.subscribe((status) => {
    if (clients.size === 0) return;
    const text = redact(json({ type: "status", status }), secrets);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port, url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const c of clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function noBundle(): never {
  throw new InputError("NO_BUNDLE", {}, "this account runs a strategy template, not a promoted bundle");
}

/** `api:<X-Actor>`, or `api:operator` without one; a malformed one is refused. */
function actorOf(req: IncomingMessage): string {
  const a = req.headers["x-actor"];
  if (a === undefined) return "api:operator";
  if (typeof a !== "string" || !ACTOR.test(a)) throw new InputError("BAD_ACTOR", {}, "X-Actor must be 1–64 letters, digits or . _ @ : -");
  return `api:${a}`;
}

/** A zod failure as InputError BAD_REQUEST naming each offending key (never echoing values). */
function parse<T>(where: "query" | "body", schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const what = r.error.issues.map((i) => {
    if (i.code === "unrecognized_keys") return `${where}: unknown ${i.keys.length > 1 ? "keys" : "key"} ${i.keys.join(", ")}`;
    return `${[where, ...i.path.map(String)].join(".")}: ${i.message}`;
  });
  throw new InputError("BAD_REQUEST", {}, what.join("; "));
}

/**
 * The body as JSON ({} when empty); InputError BODY_TOO_LARGE past MAX_BODY, BAD_JSON when it
 * does not parse. An oversized body is read to its end and dropped (up to DRAIN_LIMIT), so the
 * client, still sending, gets the 400 rather than a reset connection.
 */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const tooLarge = () => reject(new InputError("BODY_TOO_LARGE", {}, `the request body is over ${MAX_BODY} bytes`));
    if (Number(req.headers["content-length"] ?? 0) > DRAIN_LIMIT) return tooLarge();
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > DRAIN_LIMIT) {
        req.pause();
        tooLarge();
      } else if (size <= MAX_BODY) {
        chunks.push(c);
      }
    });
    req.on("end", () => {
      if (size > MAX_BODY) return tooLarge();
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new InputError("BAD_JSON", {}, "the request body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}
