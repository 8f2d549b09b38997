/**
 * The collaboration hub (engine/node/hub/) for browser tests: started in-process on 127.0.0.1
 * with one write token per user and its data in a folder of the test's, plus a "network link" per
 * person, a TCP relay in front of the hub that a test can cut (open connections dropped, new ones
 * refused) and restore, as a laptop losing and regaining its network would.
 */
import { mkdir } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { resolveSettings } from "../../engine/node/hub/hubConfig.ts";
import { startHub, type Hub } from "../../engine/node/hub/hubServer.ts";
import { createLogger } from "../../engine/node/live/logger.ts";

export interface TestHub {
  readonly hub: Hub;
  /** ws://127.0.0.1:<port> */
  readonly wsUrl: string;
  /** http://127.0.0.1:<port>: the /api/ routes. */
  readonly httpUrl: string;
  /** The token of each user (all have the write role). */
  readonly tokens: Readonly<Record<string, string>>;
  /** The hub's log lines (JSON), for a failing test to show. */
  readonly log: string[];
  close(): Promise<void>;
}

/** Starts a hub whose users are `names` (write role each), storing under `dir`. */
export async function startTestHub(dir: string, names: readonly string[]): Promise<TestHub> {
  const tokens = Object.fromEntries(names.map((n) => [n, `${n}-token-0123456789abcdef`]));
  await mkdir(join(dir, "notebooks"), { recursive: true });
  const settings = resolveSettings({
    env: { QW_HUB_TOKENS: names.map((n) => `${n}:write:${tokens[n]}`).join(",") },
    dataDir: join(dir, "hub-data"), notebooksDir: join(dir, "notebooks"), port: 0, cwd: dir,
  });
  const log: string[] = [];
  const hub = await startHub(settings, { log: createLogger({ sink: (line) => log.push(line), fields: { service: "hub" } }) });
  return { hub, wsUrl: hub.wsUrl, httpUrl: hub.url, tokens, log, close: () => hub.close() };
}

export interface NetworkLink {
  /** ws://127.0.0.1:<relay port>: give this to the client instead of the hub's URL. */
  readonly wsUrl: string;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP relay to `port` on 127.0.0.1 that can be cut and restored. */
export async function networkLink(port: number): Promise<NetworkLink> {
  let up = true;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!up) return void client.destroy();
    const upstream = connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => open.delete(s));
      s.on("error", () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const relay = (server.address() as AddressInfo).port;
  return {
    wsUrl: `ws://127.0.0.1:${relay}`,
    cut() {
      up = false;
      for (const s of open) s.destroy();
    },
    restore() {
      up = true;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

