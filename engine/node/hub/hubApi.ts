/**
 * The hub's HTTP API under /api/, with the same tokens as the WebSocket (`Authorization: Bearer
 * <token>`); changes need the write role. Inputs are checked with zod; every answer is JSON
 * (the notebook page's markdown excepted) and an error is `{ error }` with a 4xx status.
 *
 *   GET  /api/health                                  no token: { ok: true }
 *   GET  /api/me                                      the token's user { name, role, colour }
 *   GET  /api/docs                                    documents on disk or in memory
 *   GET  /api/docs/<kind>/<id>                        its content (docContent.ts shapes)
 *   GET  /api/docs/notebook/<id>/markdown             the Framework page it writes (text/markdown)
 *   POST /api/docs/<kind>/<id>/save                   write: compact now; a notebook's page written now
 *   GET  /api/docs/<kind>/<id>/versions               named versions, oldest first
 *   POST /api/docs/<kind>/<id>/versions {name}        write: a named version of the current state
 *   GET  /api/docs/<kind>/<id>/compare?from=&to=      two versions (a number or "current"); versionCompare.ts
 *   POST /api/docs/<kind>/<id>/versions/<n>/restore   write: back to version n, as a new change on top
 *                                                     (the state before is kept as a version first)
 *   GET  /api/audit?doc=&user=&event=&limit=          audit rows, oldest first
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as Y from "yjs";
import { z } from "zod";
import type { AuditLog } from "./auditLog.js";
import { readContent, writeContent, type DocContent } from "./docContent.js";
import { parseDocName, type DocName } from "./docNames.js";
import type { DocStore } from "./docStore.js";
import type { UserDirectory } from "./hubUsers.js";
import type { LiveDocs } from "./liveDocs.js";
import type { NotebookFiles } from "./notebookFiles.js";
import { notebookMarkdown } from "./notebookMarkdown.js";
import { compareContents } from "./versionCompare.js";
import type { VersionStore } from "./versionStore.js";

export interface ApiContext {
  readonly users: UserDirectory;
  readonly docs: LiveDocs;
  readonly store: DocStore;
  readonly versions: VersionStore;
  readonly audit: AuditLog;
  readonly notebooks: NotebookFiles;
  readonly maxBodyBytes: number;
  /** Called once a request carried a valid token (its socket is then no longer "pending"). */
  readonly onAuthenticated?: (req: IncomingMessage) => void;
  readonly now?: () => number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const versionBody = z.strictObject({ name: z.string().trim().min(1, "a version needs a name").max(100, "at most 100 characters") });
const versionRef = z.union([z.literal("current"), z.coerce.number().int().positive()]);
const compareQuery = z.strictObject({ from: versionRef, to: versionRef.default("current") });
const auditQuery = z.strictObject({
  doc: z.string().max(200).optional(),
  user: z.string().max(64).optional(),
  event: z.enum(["connect", "disconnect", "refused", "edit", "closed", "version-create", "version-restore", "save", "store-recovered", "store-error"]).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(400, result.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new HttpError(413, `the request body is over ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > max) return;
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "the request body is not JSON"));
      }
    });
  });
}

const contentOfState = (state: Uint8Array, doc: DocName): DocContent => {
  const ydoc = new Y.Doc();
  Y.applyUpdate(ydoc, state);
  const content = readContent(ydoc, doc.kind);
  ydoc.destroy();
  return content;
};

/** Handles a request whose path starts with /api/. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  const now = ctx.now ?? Date.now;
  try {
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (path === "/api/health" && method === "GET") return send(res, 200, { ok: true });

    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const user = ctx.users.authenticate(token);
    if (!user) {
      ctx.audit.write({ time: now(), event: "refused", reason: token ? "unknown token" : "no token", path, remote: req.socket.remoteAddress });
      throw new HttpError(401, token ? "unknown token" : "a token is needed: Authorization: Bearer <token>");
    }
    ctx.onAuthenticated?.(req);
    const needWrite = () => {
      if (user.role !== "write") throw new HttpError(403, `${user.name} has read-only access`);
    };

    if (path === "/api/me" && method === "GET") return send(res, 200, user);
    if (path === "/api/audit" && method === "GET") {
      const q = parse(auditQuery, Object.fromEntries(url.searchParams));
      return send(res, 200, { rows: ctx.audit.read(q) });
    }
    if (path === "/api/docs" && method === "GET") {
      const names = new Map(ctx.store.list().map((d) => [d.name, d]));
      return send(res, 200, { docs: [...names.values()].map((d) => ({ ...d, ...ctx.docs.loaded(d) })) });
    }

    const m = /^\/api\/docs\/([^/]+)\/([^/]+)(?:\/(markdown|save|versions|compare)(?:\/(\d+)\/(restore))?)?$/.exec(path);
    if (!m) throw new HttpError(404, `no route ${method} ${path}`);
    const parsed = parseDocName(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`);
    if (!parsed.ok) throw new HttpError(parsed.problem === "UNKNOWN_KIND" ? 404 : 400, parsed.message);
    const doc = parsed.doc;
    const action = m[3];
    const route = `${method} ${action ?? ""}${m[5] ? "/restore" : ""}`;
    const exists = () => {
      if (!ctx.docs.exists(doc)) throw new HttpError(404, `no document ${doc.name}`);
    };
    const current = () => readContent(ctx.docs.open(doc), doc.kind);

    switch (route) {
      case "GET ": {
        exists();
        return send(res, 200, { name: doc.name, content: current() });
      }
      case "GET markdown": {
        exists();
        if (doc.kind !== "notebook") throw new HttpError(404, "only notebooks have a markdown page");
        const content = current();
        if (content.kind !== "notebook") throw new HttpError(500, "not a notebook");
        res.writeHead(200, { "content-type": "text/markdown; charset=utf-8", "cache-control": "no-store" });
        res.end(notebookMarkdown(content.cells, { slug: doc.id }));
        return;
      }
      case "POST save": {
        needWrite();
        exists();
        ctx.docs.open(doc);
        ctx.docs.compact(doc);
        const written = doc.kind === "notebook" ? ctx.notebooks.save(doc) : undefined;
        ctx.audit.write({ time: now(), event: "save", user: user.name, doc: doc.name, ...(written ? { path: written.path, written: written.written } : {}) });
        return send(res, 200, { saved: doc.name, ...(written ? { page: written } : {}) });
      }
      case "GET versions": {
        return send(res, 200, { versions: ctx.versions.list(doc) });
      }
      case "POST versions": {
        needWrite();
        const body = parse(versionBody, await readBody(req, ctx.maxBodyBytes));
        exists();
        const state = Y.encodeStateAsUpdate(ctx.docs.open(doc));
        const info = ctx.versions.create(doc, { name: body.name, user: user.name, time: now() }, state);
        ctx.audit.write({ time: info.time, event: "version-create", user: user.name, doc: doc.name, version: info.version, name: info.name, bytes: info.bytes });
        return send(res, 201, info);
      }
      case "GET compare": {
        const q = parse(compareQuery, Object.fromEntries(url.searchParams));
        exists();
        const contentOf = (ref: "current" | number): DocContent => {
          if (ref === "current") return current();
          const v = ctx.versions.get(doc, ref);
          if (!v) throw new HttpError(404, `${doc.name} has no version ${ref}`);
          return contentOfState(v.state, doc);
        };
        return send(res, 200, { from: q.from, to: q.to, comparison: compareContents(contentOf(q.from), contentOf(q.to)) });
      }
      case "POST versions/restore": {
        needWrite();
        const n = Number(m[4]);
        const v = ctx.versions.get(doc, n);
        if (!v) throw new HttpError(404, `${doc.name} has no version ${n}`);
        // what the restore replaces stays reachable
        const backup = ctx.versions.create(doc, { name: `before restoring ${n} (${v.info.name})`.slice(0, 100), user: user.name, time: now() },
          Y.encodeStateAsUpdate(ctx.docs.open(doc)));
        ctx.audit.write({ time: backup.time, event: "version-create", user: user.name, doc: doc.name, version: backup.version, name: backup.name, bytes: backup.bytes, automatic: true });
        const target = contentOfState(v.state, doc);
        const bytes = ctx.docs.change(doc, (copy) => writeContent(copy, target), { restore: n, user: user.name });
        ctx.audit.write({ time: now(), event: "version-restore", user: user.name, doc: doc.name, version: n, name: v.info.name, bytes, backup: backup.version });
        return send(res, 200, { restored: n, bytes, backup });
      }
      default:
        throw new HttpError(405, `${method} is not allowed on ${path}`);
    }
  } catch (error) {
    if (error instanceof HttpError) return send(res, error.status, { error: error.message });
    return send(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

