/**
 * The trader's control API on 127.0.0.1: HTTP for status and actions, a WebSocket (/events) that
 * pushes the status on every change, and Prometheus metrics (/metrics). Every request needs the
 * bearer token (Authorization: Bearer …; for the WebSocket also the subprotocol "bearer.<token>");
 * every action is audit-logged with who (X-Actor) and when. Bodies are validated with zod and
 * capped in size; errors never echo secrets.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { z } from "zod";
import { InputError } from "../../errors.js";
import type { Logger } from "./logger.js";
import { prometheusText } from "./metrics.js";
import type { Trader } from "./trader.js";

const MAX_BODY = 64 * 1024;
const ACTOR = /^[A-Za-z0-9_.@-]{1,64}$/;

/** What the API drives: the trader of the moment and the strategy's lifecycle. */
export interface TraderHost {
  trader(): Trader;
  startStrategy(actor: string): Promise<void>;
  stopStrategy(actor: string): Promise<void>;
  restartStrategy(actor: string): Promise<void>;
  /** Calls `listener` with the status after every change, whichever trader is current. */
  subscribe(listener: (status: unknown) => void): void;
}

export interface ControlApi {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const killBody = z.strictObject({ reason: z.string().min(1).max(500) });
const paramsBody = z.strictObject({ params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])) });

export async function startControlApi(host: TraderHost, options: { readonly port: number; readonly token: string; readonly log: Logger; readonly now?: () => number }): Promise<ControlApi> {
  const { token, log } = options;
  if (token.length < 16) throw new InputError("WEAK_TOKEN", {}, "the control API token must be at least 16 characters");
  const now = options.now ?? Date.now;
  const expected = Buffer.from(token);
  const authorized = (value: string | undefined): boolean => {
    if (!value) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const actorOf = (req: IncomingMessage): string => {
    const a = req.headers["x-actor"];
    return typeof a === "string" && ACTOR.test(a) ? `api:${a}` : "api:operator";
  };

  const send = (res: ServerResponse, status: number, body: unknown, type = "application/json") => {
    const text = type === "application/json" ? JSON.stringify(body, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) : String(body);
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(text);
  };

  const readBody = (req: IncomingMessage): Promise<unknown> => new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new InputError("BODY_TOO_LARGE", { size }, `request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
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

  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const r = schema.safeParse(body);
    if (!r.success) throw new InputError("BAD_REQUEST", {}, r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
    return r.data;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!authorized(bearer(req))) {
      log.warn("control API: refused a request without a valid token", { method: req.method, path: url.pathname });
      return send(res, 401, { error: "a valid bearer token is required" });
    }
    const trader = host.trader();
    const actor = actorOf(req);
    try {
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case "GET /status": return send(res, 200, trader.status());
        case "GET /positions": return send(res, 200, trader.status().positions);
        case "GET /risk": {
          const s = trader.status();
          return send(res, 200, { state: s.risk, killed: s.killed });
        }
        case "GET /pnl": {
          const s = trader.status();
          return send(res, 200, { equity: s.equity, cash: s.cash, unrealized: s.positions.reduce((a, p) => a + p.unrealizedPnl, 0), realized: s.positions.reduce((a, p) => a + p.realizedPnl, 0) });
        }
        case "GET /orders": return send(res, 200, await trader.orders(Number(url.searchParams.get("limit") ?? 200)));
        case "GET /fills": return send(res, 200, await trader.fills(Number(url.searchParams.get("limit") ?? 200)));
        case "GET /metrics": return send(res, 200, prometheusText(trader.status(), trader.counters, now()), "text/plain; version=0.0.4");
        case "POST /pause": await trader.pause(actor); return send(res, 200, trader.status());
        case "POST /resume": await trader.resume(actor); return send(res, 200, trader.status());
        case "POST /kill": {
          const { reason } = parse(killBody, await readBody(req));
          return send(res, 200, await trader.kill(actor, reason));
        }
        case "POST /flatten": return send(res, 200, { orders: await trader.flatten(actor) });
        case "POST /params": {
          const { params } = parse(paramsBody, await readBody(req));
          return send(res, 200, { params: await trader.setParams(params, actor) });
        }
        case "POST /strategy/start": await host.startStrategy(actor); return send(res, 200, host.trader().status());
        case "POST /strategy/stop": await host.stopStrategy(actor); return send(res, 200, host.trader().status());
        case "POST /strategy/restart": await host.restartStrategy(actor); return send(res, 200, host.trader().status());
        default: return send(res, 404, { error: `no route ${route}` });
      }
    } catch (e) {
      if (e instanceof InputError) return send(res, 400, { error: e.message, code: e.code });
      log.error("control API: request failed", { path: url.pathname, error: e instanceof Error ? e.message : String(e) });
      return send(res, 500, { error: "internal error" });
    }
  });

  // the event stream: authenticated at the upgrade, before any frame
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    const fromProtocol = protocols.find((p) => p.startsWith("bearer."))?.slice("bearer.".length);
    if (url.pathname !== "/events" || !authorized(bearer(req) ?? fromProtocol)) {
      socket.write("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on("close", () => clients.delete(ws));
      ws.on("message", () => ws.close(1008, "the event stream is one-way"));
      ws.send(JSON.stringify({ type: "status", status: host.trader().status() }));
    });
  });
  const push = (status: unknown) => {
    const text = JSON.stringify({ type: "status", status }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
    for (const c of clients) if (c.readyState === c.OPEN) c.send(text);
  };
  host.subscribe(push);

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
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
