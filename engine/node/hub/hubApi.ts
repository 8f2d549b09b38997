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
 *   POST /api/bundles {content}                       write: promote (bundleRegistry.ts): 201 {id}, 200 if known; 422 {error} refused
 *   GET  /api/bundles                                 [{id, name, author, createdMs, approvals, status}]
 *   GET  /api/bundles/<id>?account=                   {id, content, approvals, approvedBy, required, status} (status for that account)
 *   POST /api/bundles/<id>/approve                    write, not the author: {id, approvals}
 *   POST /api/bundles/<id>/events {event, account…}   a trader reports start/stop/rollback/refused: audit-logged
 *   GET|POST /api/accounts…                           the traders (traderProxy.ts): status, orders, fills, actions, drift
 *   POST /api/reports {title, run}                    write: publishRun (engine/node/reports/publish.ts): 201 {path, id, file, created}
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as Y from "yjs";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { publishRun } from "../reports/publish.js";
import type { AuditLog } from "./auditLog.js";
import { BundleError, type BundleRegistry } from "./bundleRegistry.js";
import { readContent, writeContent, type DocContent } from "./docContent.js";
import { parseDocName, type DocName } from "./docNames.js";
import type { DocStore } from "./docStore.js";
import type { UserDirectory } from "./hubUsers.js";
import type { LiveDocs } from "./liveDocs.js";
import type { NotebookFiles } from "./notebookFiles.js";
import { notebookMarkdown } from "./notebookMarkdown.js";
import type { TraderProxy } from "./traderProxy.js";
import { compareContents } from "./versionCompare.js";
import type { VersionStore } from "./versionStore.js";

export interface ApiContext {
  readonly users: UserDirectory;
  readonly docs: LiveDocs;
  readonly store: DocStore;
  readonly versions: VersionStore;
  readonly audit: AuditLog;
  readonly notebooks: NotebookFiles;
  readonly bundles?: BundleRegistry;
  /** The traders of the live monitor (traderProxy.ts): /api/accounts. */
  readonly traders?: TraderProxy;
  /** The project root publishRun writes report specs into; default this checkout. */
  readonly reportsRoot?: string;
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
  event: z.enum(["connect", "disconnect", "refused", "edit", "closed", "version-create", "version-restore", "save", "store-recovered", "store-error",
    "bundle-promote", "bundle-refused", "bundle-approve", "bundle-event", "report-publish", "account-action"]).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});

/** A bundle carries its code and source: more than a document request. */
const BUNDLE_BODY_BYTES = 4 * 1024 * 1024;
const promoteBody = z.strictObject({ content: z.unknown() });
const accountName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an account name");
const bundleQuery = z.strictObject({ account: accountName.optional() });
const eventBody = z.strictObject({
  event: z.enum(["start", "stop", "rollback", "refused"]),
  account: accountName,
  mode: z.enum(["paper", "live"]).optional(),
  /** A rollback's bundle it left. */
  from: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  reason: z.string().max(1000).optional(),
});
const reportBody = z.strictObject({ title: z.string(), run: z.record(z.string(), z.unknown()) });

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
    if (path === "/api/bundles" || path.startsWith("/api/bundles/")) {
      const bundles = ctx.bundles;
      if (!bundles) throw new HttpError(404, "this hub keeps no bundles");
      const b = /^\/api\/bundles(?:\/([0-9a-f]{64})(?:\/(approve|events))?)?$/.exec(path);
      if (!b) throw new HttpError(404, `no route ${method} ${path} (a bundle id is 64 lowercase hex digits)`);
      const [, id, action] = b;
      const route = `${method} ${id ? "id" : ""}${action ? `/${action}` : ""}`;
      try {
        if (route === "GET ") return send(res, 200, await bundles.list());
        if (route === "POST ") {
          needWrite();
          const body = parse(promoteBody, await readBody(req, Math.max(ctx.maxBodyBytes, BUNDLE_BODY_BYTES)));
          const out = await bundles.promote(body.content, user);
          return send(res, out.created ? 201 : 200, out);
        }
        if (route === "GET id") {
          const q = parse(bundleQuery, Object.fromEntries(url.searchParams));
          const bundle = await bundles.get(id!);
          if (!bundle) throw new HttpError(404, `no bundle ${id}`);
          const approvals = bundles.approvals(id!);
          return send(res, 200, { ...bundle, approvals: approvals.length, approvedBy: approvals.map((a) => a.user), required: bundles.required(q.account), status: bundles.status(id!, q.account) });
        }
        if (route === "POST id/approve") {
          needWrite();
          return send(res, 200, await bundles.approve(id!, user));
        }
        if (route === "POST id/events") {
          const body = parse(eventBody, await readBody(req, ctx.maxBodyBytes));
          if (!(await bundles.get(id!))) throw new HttpError(404, `no bundle ${id}`);
          const { event, ...details } = body;
          ctx.audit.write({ time: now(), event: "bundle-event", user: user.name, bundle: id, action: event, ...details });
          return send(res, 200, { ok: true });
        }
      } catch (error) {
        if (error instanceof BundleError) throw new HttpError(error.status, error.message);
        throw error;
      }
      throw new HttpError(405, `${method} is not allowed on ${path}`);
    }
    if (path === "/api/accounts" || path.startsWith("/api/accounts/")) {
      if (!ctx.traders) throw new HttpError(404, "this hub reaches no traders: list them under traders in its config");
      const out = await ctx.traders.handle({ method, path, query: url.searchParams, user, body: () => readBody(req, ctx.maxBodyBytes) });
      return send(res, out.status, out.body);
    }
    if (path === "/api/reports") {
      if (method !== "POST") throw new HttpError(405, `${method} is not allowed on ${path}`);
      needWrite();
      const body = parse(reportBody, await readBody(req, ctx.maxBodyBytes));
      let published: Awaited<ReturnType<typeof publishRun>>;
      try {
        published = await publishRun({ ...body.run, title: body.title }, ctx.reportsRoot ? { root: ctx.reportsRoot } : {});
      } catch (error) {
        if (error instanceof InputError) throw new HttpError(422, error.message);
        throw error;
      }
      ctx.audit.write({ time: now(), event: "report-publish", user: user.name, report: published.id, path: published.page, created: published.created });
      return send(res, 201, { path: published.page, id: published.id, file: published.file, created: published.created });
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

