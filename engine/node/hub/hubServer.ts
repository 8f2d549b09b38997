/**
 * The hub: one HTTP server on 127.0.0.1 serving the Yjs WebSocket endpoint (a document per
 * path: ws://127.0.0.1:<port>/strategy/<id>, /notebook/<slug>) and the /api/ routes.
 *
 * A WebSocket is decided on in the HTTP upgrade handler, before any Yjs frame: first the
 * limits that need no identity (pending sockets, upgrade deadline, attempts per second, open
 * connections), then the page's origin, the token (subprotocol "bearer.<token>" or ?token=,
 * since browsers cannot set headers), then the document name. A refused client is upgraded only
 * to be closed at once with a 44xx code and a reason (so a browser can say why, and y-websocket
 * stops retrying); rate and capacity refusals get a bare HTTP 429/503 instead. Only an accepted
 * connection ever reaches the Yjs code (hubConnection.ts).
 *
 * @example
 * const hub = await startHub(resolveSettings({ env: process.env, dataDir: "hub-data" }));
 * hub.url;            // "http://127.0.0.1:41234"
 * await hub.close();  // every document compacted, notebook pages written, audit closed
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { createLogger, type Logger } from "../live/logger.js";
import { Admission } from "./admission.js";
import { AuditLog } from "./auditLog.js";
import { accountDrift } from "./accountDrift.js";
import { BundleRegistry } from "./bundleRegistry.js";
import { readContent } from "./docContent.js";
import { parseDocName } from "./docNames.js";
import { DocStore } from "./docStore.js";
import { handleApi } from "./hubApi.js";
import type { HubSettings } from "./hubConfig.js";
import { serveConnection } from "./hubConnection.js";
import { TraderProxy } from "./traderProxy.js";
import { BEARER_PROTOCOL_PREFIX, CLOSE } from "./hubProtocol.js";
import { UserDirectory } from "./hubUsers.js";
import { LiveDocs } from "./liveDocs.js";
import { NotebookFiles } from "./notebookFiles.js";
import { VersionStore } from "./versionStore.js";

export interface HubOptions {
  readonly log?: Logger;
  /** Edits are summed into one audit row per connection at most this often. Default 2000 ms. */
  readonly editFlushMs?: number;
  /** Compact a document idle this long. Default 30 s. */
  readonly idleCompactMs?: number;
  readonly now?: () => number;
}

export interface Hub {
  /** http://127.0.0.1:<port> (the API); the WebSocket endpoint is the same with ws://. */
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly settings: HubSettings;
  /** Sockets not yet authenticated, and open document connections. */
  stats(): { pendingSockets: number; connections: number };
  /** Closes every connection (1001), compacts every document, writes pending notebook pages. */
  close(): Promise<void>;
}

/** Whether a page at `origin` may use the hub: same scheme and host as an allowed origin, and its port if it names one. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  return allowed.some((a) => {
    const u = new URL(a);
    return u.protocol === o.protocol && u.hostname === o.hostname && (u.port === "" || u.port === o.port);
  });
}

/** The token a WebSocket upgrade carries: the "bearer.<token>" subprotocol, else ?token=. */
function upgradeToken(req: IncomingMessage, url: URL): string | undefined {
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  return bearer ? bearer.slice(BEARER_PROTOCOL_PREFIX.length) : (url.searchParams.get("token") ?? undefined);
}

function refuseHttp(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  socket.destroy();
}

export async function startHub(settings: HubSettings, options: HubOptions = {}): Promise<Hub> {
  const log = options.log ?? createLogger({ fields: { service: "hub" } });
  const now = options.now ?? Date.now;
  const { limits } = settings;
  const users = new UserDirectory(settings.users);
  const store = new DocStore(join(settings.dataDir, "docs"), now);
  const versions = new VersionStore(join(settings.dataDir, "versions"));
  const audit = new AuditLog(join(settings.dataDir, "audit.jsonl"));
  const admission = new Admission(limits, now);
  const bundles = new BundleRegistry({ dir: join(settings.dataDir, "bundles"), audit, policy: settings.policy ?? {}, datasetsDir: settings.datasetsDir ?? join(settings.dataDir, "datasets"), now });
  const traders = new TraderProxy({ traders: settings.traders ?? [], audit, now, drift: accountDrift({ bundle: (id) => bundles.get(id) }) });

  // notebooks read their content from the live documents, which tell them of every change
  let docs: LiveDocs | undefined;
  const notebooks = new NotebookFiles({
    dir: settings.notebooksDir,
    debounceMs: settings.notebookDebounceMs,
    read: (doc) => {
      const content = docs && readContent(docs.open(doc), "notebook");
      return content?.kind === "notebook" ? content : undefined;
    },
    onError: (doc, error) => log.error("could not write a notebook page", { doc: doc.name, error: error instanceof Error ? error.message : String(error) }),
  });
  docs = new LiveDocs({
    store,
    ...(options.idleCompactMs !== undefined ? { idleCompactMs: options.idleCompactMs } : {}),
    onChange: (doc) => notebooks.changed(doc),
    onUnload: (doc) => {
      if (doc.kind !== "notebook") return;
      try {
        notebooks.save(doc);
      } catch (error) {
        log.error("could not write a notebook page", { doc: doc.name, error: error instanceof Error ? error.message : String(error) });
      }
    },
    onRecovered: (doc, r) => {
      log.warn("dropped a torn tail from a document's log", { doc: doc.name, ...r });
      audit.write({ time: now(), event: "store-recovered", doc: doc.name, droppedBytes: r.droppedBytes, ...(r.droppedTo ? { keptIn: r.droppedTo } : {}) });
    },
    onUnreadable: (doc, count) => {
      log.error("stored updates could not be applied and were skipped", { doc: doc.name, count });
      audit.write({ time: now(), event: "store-error", doc: doc.name, error: `${count} stored updates could not be applied` });
    },
  });
  const liveDocs = docs;

  const connections = new Set<WebSocket>();
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    // answer with a subprotocol the client offered, or a browser that offered one drops the socket
    handleProtocols: (protocols) => [...protocols].find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? [...protocols][0] ?? false,
  });

  const cors = (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true;
    if (!originAllowed(origin, settings.allowedOrigins)) return false;
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "Origin");
    res.setHeader("access-control-allow-headers", "authorization, content-type");
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-max-age", "600");
    return true;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!cors(req, res)) {
      res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ error: `origin ${req.headers.origin} is not allowed` }));
      return;
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204).end();
      return;
    }
    if (!url.pathname.startsWith("/api/")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "the hub serves WebSockets at /<kind>/<id> and its API under /api/" }));
      return;
    }
    void handleApi(req, res, url, {
      users, docs: liveDocs, store, versions, audit, notebooks, bundles, traders, maxBodyBytes: limits.maxBodyBytes, now,
      ...(settings.reportsRoot ? { reportsRoot: settings.reportsRoot } : {}),
      onAuthenticated: (r) => admission.release(r.socket),
    });
  });
  server.headersTimeout = Math.min(limits.upgradeTimeoutMs, 60_000);
  server.requestTimeout = Math.max(server.headersTimeout, 30_000);

  server.on("connection", (socket) => {
    if (closing || !admission.admit(socket)) socket.destroy();
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // a client that resets mid-handshake must not become an uncaught error
    socket.on("error", () => socket.destroy());
    const remote = req.socket.remoteAddress ?? "?";
    const refused = (reason: string, extra: Record<string, unknown> = {}) =>
      audit.write({ time: now(), event: "refused", reason, remote, ...extra });
    if (closing) return refuseHttp(socket, 503, "Service Unavailable");
    if (!admission.attempt(remote)) {
      refused("too many connection attempts");
      return refuseHttp(socket, 429, "Too Many Requests");
    }
    if (connections.size >= limits.maxConnections) {
      refused("too many connections");
      return refuseHttp(socket, 503, "Service Unavailable");
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice(1));
    } catch {
      path = url.pathname.slice(1);
    }
    const user = users.authenticate(upgradeToken(req, url));
    const origin = req.headers.origin;
    const parsed = parseDocName(path);
    let refusal: { code: number; reason: string } | undefined;
    if (origin && !originAllowed(origin, settings.allowedOrigins)) refusal = { code: CLOSE.FORBIDDEN_ORIGIN, reason: `origin ${origin} is not allowed` };
    else if (!user) refusal = { code: CLOSE.UNAUTHORIZED, reason: upgradeToken(req, url) ? "unknown token" : "no token: use the bearer.<token> subprotocol or ?token=" };
    else if (!parsed.ok) refusal = { code: CLOSE.BAD_DOCUMENT, reason: parsed.message };

    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", () => {});
      if (refusal || !user || !parsed.ok) {
        const r = refusal ?? { code: CLOSE.BAD_DOCUMENT, reason: "bad document" };
        refused(r.reason, { code: r.code, ...(user ? { user: user.name } : {}), ...(parsed.ok ? { doc: parsed.doc.name } : {}) });
        ws.close(r.code, r.reason.slice(0, 120));
        return;
      }
      admission.release(req.socket);
      try {
        liveDocs.open(parsed.doc);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error("could not open a document", { doc: parsed.doc.name, error: message });
        audit.write({ time: now(), event: "store-error", user: user.name, doc: parsed.doc.name, error: message });
        ws.close(CLOSE.STORE_FAILED, "the hub could not open this document");
        return;
      }
      connections.add(ws);
      ws.on("close", () => connections.delete(ws));
      serveConnection(ws, req, { user, doc: parsed.doc, docs: liveDocs, audit, notebooks, log, editFlushMs: options.editFlushMs ?? 2000, now });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= (async () => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const open = [...connections];
    // their close handlers write the last audit rows, so wait for every one
    const allClosed = Promise.all(open.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve();
      ws.once("close", () => resolve());
      ws.close(CLOSE.GOING_AWAY, "the hub is stopping");
    })));
    await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
    await allClosed;
    liveDocs.close();
    notebooks.close();
    audit.close();
    admission.close();
    wss.close();
    server.closeAllConnections();
    await stopped;
  })());

  return {
    url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, port, settings, close,
    stats: () => ({ pendingSockets: admission.pendingCount, connections: connections.size }),
  };
}
