/**
 * The hub tests' rig: a real hub on 127.0.0.1 (in this process, or a child process for crash
 * tests) with temporary folders, real y-websocket clients (Y.Doc + WebsocketProvider over the
 * `ws` package, Node 20 having no WebSocket), raw `ws` sockets for frames no client would send,
 * and a seeded "chaos" socket that delays every frame in both directions by a random time, so
 * frames arrive out of order across clients and some are lost to disconnects.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { seededRandom } from "../../engine/sweep.js";
import { createLogger } from "../../engine/node/live/logger.js";
import { DEFAULT_LIMITS, type HubLimits, type HubSettings } from "../../engine/node/hub/hubConfig.js";
import { startHub, type Hub, type HubOptions } from "../../engine/node/hub/hubServer.js";
import { hashToken } from "../../engine/node/hub/hubUsers.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** Test users: their plain tokens (the hub is given only the hashes). */
export const TOKENS = {
  alice: "alice-token-0123456789abcdef",
  bob: "bob-token-0123456789abcdef",
  carol: "carol-token-0123456789abcdef",
  reader: "reader-token-0123456789abcdef",
} as const;

export const USERS = [
  { name: "alice", role: "write" as const, colour: "#d9480f", tokenSha256: hashToken(TOKENS.alice) },
  { name: "bob", role: "write" as const, colour: "#2563eb", tokenSha256: hashToken(TOKENS.bob) },
  { name: "carol", role: "write" as const, colour: "#1a7f37", tokenSha256: hashToken(TOKENS.carol) },
  { name: "reader", role: "read" as const, colour: "#9333ea", tokenSha256: hashToken(TOKENS.reader) },
];

/** Polls `condition` every 10 ms until true; fails with `what` after `tries` polls. Not a timing assertion: a bound on a hang. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh temporary folder, and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestHub extends Hub {
  readonly dataDir: string;
  readonly notebooksDir: string;
  /** GET/POST on the API with a user's token; resolves with status and parsed body. */
  api(method: "GET" | "POST", path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export function settingsFor(root: string, overrides: Partial<Omit<HubSettings, "limits">> & { limits?: Partial<HubLimits> } = {}): HubSettings {
  return {
    port: 0,
    dataDir: join(root, "data"),
    notebooksDir: join(root, "notebooks"),
    allowedOrigins: ["http://127.0.0.1", "http://localhost"],
    notebookDebounceMs: 50,
    users: USERS,
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...(overrides.limits ?? {}) },
  };
}

/** Starts an in-process hub on folders under `root`; its log lines are collected in `lines`. */
export async function startTestHub(root: string, overrides: Parameters<typeof settingsFor>[1] = {}, options: HubOptions = {}): Promise<TestHub & { lines: string[] }> {
  const lines: string[] = [];
  const settings = settingsFor(root, overrides);
  const hub = await startHub(settings, { log: createLogger({ sink: (l) => lines.push(l), level: "debug" }), editFlushMs: 20, ...options });
  return { ...hub, dataDir: settings.dataDir, notebooksDir: settings.notebooksDir, lines, api: apiCaller(hub.url) };
}

export function apiCaller(url: string): TestHub["api"] {
  return async (method, path, token, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // markdown and the like stay text
    }
    return { status: res.status, body: parsed };
  };
}

/** A real Yjs client: a Y.Doc synced with the hub through y-websocket. */
export interface Client {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly text: Y.Text;
  /** Close events the provider saw, in order. */
  readonly closes: { code: number; reason: string }[];
  destroy(): void;
}

export interface ClientOptions {
  /** Token in the "bearer.<token>" subprotocol (default) or the ?token= query. */
  readonly via?: "protocol" | "query";
  /** A WebSocket class to use instead of ws (e.g. chaosSocket(...)). */
  readonly socket?: typeof WebSocket;
  readonly connect?: boolean;
}

/** Connects a y-websocket client to `docName` with `token` (undefined: none). */
export function connectClient(wsUrl: string, docName: string, token: string | undefined, options: ClientOptions = {}): Client {
  const doc = new Y.Doc();
  const via = options.via ?? "protocol";
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    // same-process clients would otherwise also sync over BroadcastChannel, around the hub
    disableBc: true,
    WebSocketPolyfill: (options.socket ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    params: token && via === "query" ? { token } : {},
    protocols: token && via === "protocol" ? [`bearer.${token}`] : [],
    maxBackoffTime: 200,
    connect: options.connect ?? true,
  });
  const closes: Client["closes"] = [];
  provider.on("connection-close", (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  return {
    doc, provider, text: doc.getText("source"), closes,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export const synced = (c: Client, what = "client synced") => until(() => c.provider.synced, what);

/** What a chaos socket class did to the frames, summed over its sockets. */
export interface ChaosStats {
  frames: number;
  /** Frames that went out or came in after a frame that followed them. */
  reordered: number;
  /** Frames dropped because their socket had closed by the time they were due. */
  lost: number;
}

/**
 * A WebSocket class whose frames are each held back a random 0–maxDelayMs (seeded), both ways,
 * so they arrive out of order; frames still held when the socket closes are lost.
 */
export function chaosSocket(seed: number, maxDelayMs: number, stats: ChaosStats = { frames: 0, reordered: 0, lost: 0 }): typeof WebSocket {
  const random = seededRandom(seed);
  class ChaosSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      let handler: ((event: { data: unknown }) => void) | null = null;
      Object.defineProperty(this, "onmessage", {
        configurable: true,
        get: () => handler,
        set: (h: ((event: { data: unknown }) => void) | null) => {
          handler = h;
        },
      });
      let seq = 0;
      let latest = -1;
      // re-deliver each incoming message later, through the handler y-websocket set
      this.addEventListener("message", (event) => {
        const data = event.data;
        const mine = seq++;
        stats.frames++;
        setTimeout(() => {
          if (!handler) return void stats.lost++;
          if (mine < latest) stats.reordered++;
          latest = Math.max(latest, mine);
          handler({ data });
        }, Math.floor(random() * maxDelayMs));
      });
    }
    private sendSeq = 0;
    private sendLatest = -1;
    override send(data: any, ...rest: any[]): void {
      const mine = this.sendSeq++;
      stats.frames++;
      setTimeout(() => {
        if (this.readyState !== WebSocket.OPEN) return void stats.lost++;
        if (mine < this.sendLatest) stats.reordered++;
        this.sendLatest = Math.max(this.sendLatest, mine);
        super.send(data, ...rest);
      }, Math.floor(random() * maxDelayMs));
    }
  }
  return ChaosSocket as unknown as typeof WebSocket;
}

/** A raw ws socket on a document; collects what it receives and how it closed. */
export function rawSocket(wsUrl: string, path: string, protocols: string[] = []): Promise<{ ws: WebSocket; received: Buffer[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${wsUrl}/${path}`, protocols);
  const received: Buffer[] = [];
  ws.on("message", (data) => received.push(data as Buffer));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, received, closed }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** The hub as a child process (`node --import tsx engine/node/cli/hub.ts`), for SIGKILL/SIGTERM tests. */
export interface HubProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnHub(args: string[], env: Record<string, string> = {}): Promise<HubProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "engine/node/cli/hub.ts", ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string; ws: string }>((resolve, reject) => {
    lines.on("line", (line) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string; ws?: string };
        if (parsed.msg === "ready" && parsed.url && parsed.ws) resolve({ url: parsed.url, ws: parsed.ws });
      } catch {
        // not a log line
      }
    });
    void exited.then((e) => reject(new Error(`the hub exited before it was ready (${JSON.stringify(e)}):\n${output.join("\n")}`)));
  });
  return { child, url: ready.url, wsUrl: ready.ws, output, exited };
}
