/**
 * One authenticated WebSocket on one document. Every frame is read here first (yjsFrames.ts)
 * and only then handed to @y/websocket-server's setupWSConnection through a stand-in socket:
 * - a malformed frame closes this connection (4400) instead of being logged and ignored;
 * - a read-only user's updates (sync step 2, update) are dropped, so its local edits reach
 *   neither the hub nor anyone else, while it still syncs and shows its presence;
 * - a writer's update is stored durably (LiveDocs.receive) before the library applies and
 *   broadcasts it; if the store fails, the connection is closed and the update not applied;
 * - presence states are stamped with the authenticated user's name and colour, so nobody can
 *   appear as someone else;
 * - `[MESSAGE_SAVE]` writes a notebook's page now.
 * Edits are summed into one audit row per connection every few seconds.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { setupWSConnection } from "@y/websocket-server/utils";
import type { RawData, WebSocket } from "ws";
import type { Logger } from "../live/logger.js";
import type { AuditLog } from "./auditLog.js";
import type { DocName } from "./docNames.js";
import { CLOSE } from "./hubProtocol.js";
import type { HubUser } from "./hubUsers.js";
import type { LiveDocs } from "./liveDocs.js";
import type { NotebookFiles } from "./notebookFiles.js";
import { isEmptyUpdate, readFrame, writeAwareness, type AwarenessEntry } from "./yjsFrames.js";

export interface ConnectionContext {
  readonly user: HubUser;
  readonly doc: DocName;
  readonly docs: LiveDocs;
  readonly audit: AuditLog;
  readonly notebooks: NotebookFiles;
  readonly log: Logger;
  /** Edits are summed into one audit row at most this often. */
  readonly editFlushMs: number;
  readonly now?: () => number;
}

/** What the server library sees instead of the ws socket: only the frames let through. */
class FilteredSocket extends EventEmitter {
  constructor(private readonly ws: WebSocket) {
    super();
    ws.on("close", () => this.emit("close"));
    ws.on("pong", () => this.emit("pong"));
  }
  get readyState(): number {
    return this.ws.readyState;
  }
  // the library sets "arraybuffer"; frames are handed over as Uint8Arrays whatever it asks
  set binaryType(_value: string) {}
  send(data: Uint8Array, _options: unknown, callback?: (error?: Error) => void): void {
    this.ws.send(data, callback);
  }
  ping(): void {
    this.ws.ping();
  }
  close(): void {
    this.ws.close();
  }
  deliver(frame: Uint8Array): void {
    this.emit("message", frame);
  }
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A presence state with the user's authenticated name and colour in `user`. */
function stamp(entries: readonly AwarenessEntry[], user: HubUser): AwarenessEntry[] {
  return entries.map((e) => {
    if (e.state === null || typeof e.state !== "object" || Array.isArray(e.state)) return e;
    const state = e.state as Record<string, unknown>;
    const given = state.user !== null && typeof state.user === "object" && !Array.isArray(state.user) ? (state.user as Record<string, unknown>) : {};
    const colorLight = typeof given.colorLight === "string" ? given.colorLight : `${user.colour}33`;
    return { ...e, state: { ...state, user: { ...given, name: user.name, color: user.colour, colorLight, role: user.role } } };
  });
}

/** Serves `ws` (already authenticated as `ctx.user`) on `ctx.doc`, which must be open in ctx.docs. */
export function serveConnection(ws: WebSocket, req: IncomingMessage, ctx: ConnectionContext): void {
  const { user, doc, audit } = ctx;
  const now = ctx.now ?? Date.now;
  const socket = new FilteredSocket(ws);
  const tally = { updates: 0, bytes: 0, from: 0, to: 0 };
  let dropped = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (tally.updates === 0) return;
    audit.write({ time: tally.to, event: "edit", user: user.name, doc: doc.name, updates: tally.updates, bytes: tally.bytes, from: tally.from });
    tally.updates = 0;
    tally.bytes = 0;
  };
  const refuse = (code: number, reason: string, detail: Record<string, unknown> = {}) => {
    flush();
    audit.write({ time: now(), event: "closed", user: user.name, doc: doc.name, code, reason, ...detail });
    ws.close(code, reason.slice(0, 120));
  };

  ws.on("message", (data, isBinary) => {
    if (ws.readyState !== ws.OPEN) return;
    const bytes = bytesOf(data);
    if (!isBinary) return refuse(CLOSE.BAD_MESSAGE, "bad message: a text frame (the Yjs protocol is binary)");
    const frame = readFrame(bytes);
    switch (frame.type) {
      case "garbage":
        return refuse(CLOSE.BAD_MESSAGE, `bad message: ${frame.reason}`, { bytes: bytes.length });
      case "ignored":
        return;
      case "sync-request":
        return socket.deliver(bytes);
      case "awareness":
        return socket.deliver(writeAwareness(stamp(frame.entries, user)));
      case "update": {
        if (user.role !== "write") {
          // every reader answers the hub's sync request with a step 2; only a non-empty one is a write
          if (!isEmptyUpdate(frame.update)) dropped++;
          return;
        }
        let stored: number;
        try {
          stored = ctx.docs.receive(doc, frame.update);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          ctx.log.error("could not store an update", { doc: doc.name, user: user.name, error: message });
          audit.write({ time: now(), event: "store-error", user: user.name, doc: doc.name, error: message });
          return refuse(CLOSE.STORE_FAILED, "the hub could not store the update; it was not applied");
        }
        socket.deliver(bytes);
        if (stored > 0) {
          const t = now();
          if (tally.updates === 0) tally.from = t;
          tally.updates++;
          tally.bytes += stored;
          tally.to = t;
          flushTimer ??= setTimeout(flush, ctx.editFlushMs);
        }
        return;
      }
      case "save": {
        if (user.role !== "write") return;
        try {
          ctx.docs.compact(doc);
          const result = doc.kind === "notebook" ? ctx.notebooks.save(doc) : undefined;
          audit.write({ time: now(), event: "save", user: user.name, doc: doc.name, ...(result ? { path: result.path, written: result.written } : {}) });
        } catch (error) {
          ctx.log.error("save failed", { doc: doc.name, error: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
    }
  });
  // ws reports a frame over maxPayload (then closes with 1009) or a broken frame here; without a
  // listener the error would be thrown and take the hub down
  ws.on("error", (error) => {
    audit.write({ time: now(), event: "closed", user: user.name, doc: doc.name, reason: error.message, code: (error as { code?: string }).code });
  });
  ws.on("close", (code) => {
    flush();
    audit.write({ time: now(), event: "disconnect", user: user.name, doc: doc.name, code, ...(dropped > 0 ? { droppedUpdates: dropped } : {}) });
  });
  audit.write({ time: now(), event: "connect", user: user.name, role: user.role, doc: doc.name });
  // the library's type says ws.WebSocket; it uses only what FilteredSocket has
  setupWSConnection(socket as unknown as WebSocket, req, { docName: doc.name, gc: true });
}
