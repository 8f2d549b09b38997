/**
 * Who gets in, what they may do, and what one bad connection can do to the others: refused
 * clients never receive a byte of a document; a read-only client syncs and shows its presence
 * but cannot change anything; an oversized or garbage frame closes only its own connection;
 * the limits before authentication hold.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE, MESSAGE_SAVE } from "../../engine/node/hub/hubProtocol.js";
import { connectClient, rawSocket, startTestHub, synced, tempDir, TOKENS, until, type TestHub } from "./hubHarness.ts";
import WebSocket from "ws";

const tmp = tempDir("hub-auth-");
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub(tmp.dir, { limits: { maxPayloadBytes: 64 * 1024 } });
  // a document with content that refused clients must never see
  const seed = connectClient(hub.wsUrl, "strategy/secret", TOKENS.alice);
  await synced(seed);
  seed.text.insert(0, "SECRET-SOURCE");
  await until(async () => (await hub.api("GET", "/api/docs/strategy/secret", TOKENS.alice)).body.content?.source === "SECRET-SOURCE", "seeded");
  seed.destroy();
});
afterAll(async () => {
  await hub.close();
  tmp.remove();
});

const audit = async (query: string) => (await hub.api("GET", `/api/audit?${query}`, TOKENS.alice)).body.rows as Record<string, unknown>[];

describe("authentication, in the upgrade handler", () => {
  it.each([
    ["no token", [] as string[], "no token"],
    ["an unknown token", ["bearer.not-a-known-token-1234567890"], "unknown token"],
    ["a malformed token", ["bearer.short"], "unknown token"],
  ])("%s: closed with 4401 and a reason, having received no frame at all", async (_label, protocols, reason) => {
    const raw = await rawSocket(hub.wsUrl, "strategy/secret", protocols);
    const closed = await raw.closed;
    expect(closed.code).toBe(CLOSE.UNAUTHORIZED);
    expect(closed.reason).toContain(reason);
    expect(raw.received).toEqual([]);
  });

  it("a wrong ?token= is refused the same way", async () => {
    const raw = await rawSocket(hub.wsUrl, "strategy/secret?token=wrong-token-wrong-token-123", []);
    expect((await raw.closed).code).toBe(CLOSE.UNAUTHORIZED);
    expect(raw.received).toEqual([]);
  });

  it("a y-websocket client with a wrong token stays empty and stops retrying (4401 is final)", async () => {
    const c = connectClient(hub.wsUrl, "strategy/secret", "wrong-token-wrong-token-123");
    try {
      await until(() => c.closes.length > 0 && !c.provider.shouldConnect, "refused and not retrying");
      expect(c.closes[0]!.code).toBe(CLOSE.UNAUTHORIZED);
      expect(c.text.toString()).toBe("");
      expect(c.provider.synced).toBe(false);
    } finally {
      c.destroy();
    }
  });

  it("refusals are in the audit log with the reason and no token", async () => {
    const rows = await audit("event=refused&limit=50");
    // which document was asked for, and that no user was identified
    expect(rows.some((r) => r.reason === "unknown token" && r.doc === "strategy/secret" && r.user === undefined && r.code === CLOSE.UNAUTHORIZED)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain("not-a-known-token");
    for (const r of rows) expect(typeof r.time).toBe("number");
  });

  it("an unknown kind or a bad id is refused (4404) after authentication, with the reason", async () => {
    for (const path of ["secrets/x", "strategy/Bad..Id", "notebook", "strategy/a/b"]) {
      const raw = await rawSocket(hub.wsUrl, path, [`bearer.${TOKENS.alice}`]);
      const closed = await raw.closed;
      expect(closed.code, path).toBe(CLOSE.BAD_DOCUMENT);
      expect(raw.received).toEqual([]);
    }
    const raw = await rawSocket(hub.wsUrl, "secrets/x", [`bearer.${TOKENS.alice}`]);
    expect((await raw.closed).reason).toContain('unknown document kind "secrets"');
  });

  it("a page from another origin is refused (4403); 127.0.0.1 and localhost pages are let in", async () => {
    const evil = new WebSocket(`${hub.wsUrl}/strategy/secret`, [`bearer.${TOKENS.alice}`], { origin: "http://evil.example" });
    const code = await new Promise<number>((resolve) => evil.on("close", (c) => resolve(c)));
    expect(code).toBe(CLOSE.FORBIDDEN_ORIGIN);
    const ok = new WebSocket(`${hub.wsUrl}/strategy/secret`, [`bearer.${TOKENS.alice}`], { origin: "http://127.0.0.1:3000" });
    const first = await new Promise<Buffer>((resolve) => ok.once("message", (d) => resolve(d as Buffer)));
    expect(first[0]).toBe(0); // sync step 1
    ok.close();
  });
});

describe("the read-only role", () => {
  it("syncs and sees others' edits, but its own edits reach neither the hub nor other clients", async () => {
    const writer = connectClient(hub.wsUrl, "strategy/ro", TOKENS.alice);
    const reader = connectClient(hub.wsUrl, "strategy/ro", TOKENS.reader);
    try {
      await synced(writer);
      writer.text.insert(0, "written by alice;");
      await synced(reader);
      await until(() => reader.text.toString() === "written by alice;", "reader sees the writer's text");
      reader.text.insert(0, "EVIL;");
      reader.doc.getMap("params").set("fast", 999);
      writer.text.insert(writer.text.length, "more;");
      // the writer's later edit reaching the reader shows the reader's earlier frames were handled
      await until(() => reader.text.toString().includes("more;"), "reader sees the later edit");
      await until(async () => (await hub.api("GET", "/api/docs/strategy/ro", TOKENS.alice)).body.content.source === "written by alice;more;", "hub has only alice's text");
      expect(writer.text.toString()).toBe("written by alice;more;");
      expect(writer.doc.getMap("params").get("fast")).toBeUndefined();
      expect(reader.provider.wsconnected).toBe(true);
      expect(reader.closes).toEqual([]);
      // a save message from a reader does nothing either
      (reader.provider.ws as unknown as WebSocket).send(new Uint8Array([MESSAGE_SAVE]));
      // a fresh client gets the hub's state: no trace of the reader's edit
      const fresh = connectClient(hub.wsUrl, "strategy/ro", TOKENS.bob);
      await synced(fresh);
      expect(fresh.text.toString()).toBe("written by alice;more;");
      fresh.destroy();
    } finally {
      reader.destroy();
      writer.destroy();
    }
    await until(async () => (await audit("doc=strategy/ro&user=reader&event=disconnect")).length > 0, "reader's disconnect audited");
    const [row] = await audit("doc=strategy/ro&user=reader&event=disconnect");
    expect(row!.droppedUpdates).toBeGreaterThanOrEqual(2);
  });

  it("its presence is shown, under its authenticated name and colour whatever it claims", async () => {
    const writer = connectClient(hub.wsUrl, "strategy/presence", TOKENS.alice);
    const reader = connectClient(hub.wsUrl, "strategy/presence", TOKENS.reader);
    try {
      await Promise.all([synced(writer), synced(reader)]);
      reader.provider.awareness.setLocalStateField("user", { name: "alice", color: "#000000", colorLight: "#00000033" });
      reader.provider.awareness.setLocalStateField("cursor", { anchor: 3 });
      await until(() => [...writer.provider.awareness.getStates().values()].some((s) => (s as any).cursor?.anchor === 3), "reader's presence at the writer");
      const state = [...writer.provider.awareness.getStates().entries()].find(([id]) => id === reader.doc.clientID)![1] as any;
      expect(state.user).toMatchObject({ name: "reader", color: "#9333ea", role: "read" });
    } finally {
      reader.destroy();
      writer.destroy();
    }
  });
});

describe("one bad connection closes alone", () => {
  const pair = async (name: string) => {
    const a = connectClient(hub.wsUrl, name, TOKENS.alice);
    const b = connectClient(hub.wsUrl, name, TOKENS.bob);
    await Promise.all([synced(a), synced(b)]);
    return [a, b] as const;
  };

  it("a frame over maxPayload closes that socket with 1009; the others keep syncing", async () => {
    const [a, b] = await pair("strategy/big");
    try {
      a.text.insert(0, "before;");
      await until(() => b.text.toString() === "before;", "b sees a");
      const raw = await rawSocket(hub.wsUrl, "strategy/big", [`bearer.${TOKENS.carol}`]);
      raw.ws.send(new Uint8Array(100 * 1024).fill(7));
      expect((await raw.closed).code).toBe(CLOSE.TOO_LARGE);
      a.text.insert(a.text.length, "after;");
      b.text.insert(0, "b;");
      await until(() => a.text.toString() === "b;before;after;" && b.text.toString() === "b;before;after;", "a and b still sync");
      expect(a.closes).toEqual([]);
      expect(b.closes).toEqual([]);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it.each([
    ["random bytes", () => Uint8Array.from({ length: 200 }, (_, i) => (i * 97 + 13) % 256)],
    ["a sync update whose payload is not an update", () => Uint8Array.from([0, 2, 5, 9, 9, 9, 9, 9])],
    ["a sync message with bytes after it", () => Uint8Array.from([0, 0, 1, 0, 42])],
    ["an awareness message with broken JSON", () => Uint8Array.from([1, 6, 1, 1, 1, 2, 123, 34])],
    ["an unknown message type", () => Uint8Array.from([77, 1, 2])],
  ])("%s closes that socket with 4400; the others keep syncing", async (_label, frame) => {
    const [a, b] = await pair(`strategy/garbage-${_label.toLowerCase().replace(/\W+/g, "-")}`);
    try {
      const raw = await rawSocket(hub.wsUrl, a.provider.roomname, [`bearer.${TOKENS.carol}`]);
      raw.ws.send(frame());
      const closed = await raw.closed;
      expect(closed.code).toBe(CLOSE.BAD_MESSAGE);
      expect(closed.reason).toMatch(/^bad message: /);
      a.text.insert(0, "still;");
      await until(() => b.text.toString() === "still;", "b still gets a's edits");
      expect(a.closes).toEqual([]);
      expect(b.closes).toEqual([]);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it("a text frame closes that socket with 4400", async () => {
    const raw = await rawSocket(hub.wsUrl, "strategy/text-frame", [`bearer.${TOKENS.carol}`]);
    raw.ws.send("hello");
    expect((await raw.closed).code).toBe(CLOSE.BAD_MESSAGE);
  });
});

describe("the HTTP API's tokens and roles", () => {
  it("needs a token (401 without or with a wrong one), the write role to change (403), except /api/health", async () => {
    expect((await hub.api("GET", "/api/health")).status).toBe(200);
    expect((await hub.api("GET", "/api/docs/strategy/secret")).status).toBe(401);
    const wrong = await hub.api("GET", "/api/docs/strategy/secret", "wrong-token-wrong-token-123");
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain("SECRET");
    expect((await hub.api("GET", "/api/me", TOKENS.reader)).body).toEqual({ name: "reader", role: "read", colour: "#9333ea" });
    expect((await hub.api("POST", "/api/docs/strategy/secret/versions", TOKENS.reader, { name: "v1" })).status).toBe(403);
    expect((await hub.api("POST", "/api/docs/strategy/secret/save", TOKENS.reader)).status).toBe(403);
    expect((await hub.api("GET", "/api/docs/secrets/x", TOKENS.alice)).status).toBe(404);
    expect((await hub.api("GET", "/api/docs/strategy/nope", TOKENS.alice)).status).toBe(404);
  });
});

describe("pages on another port (CORS)", () => {
  it("answers the preflight of an allowed origin and refuses any other", async () => {
    const pre = await fetch(`${hub.url}/api/me`, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:3000");
    expect(pre.headers.get("access-control-allow-headers")).toContain("authorization");
    const me = await fetch(`${hub.url}/api/me`, { headers: { origin: "http://localhost:3000", authorization: `Bearer ${TOKENS.bob}` } });
    expect(me.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect((await me.json()).name).toBe("bob");
    const evil = await fetch(`${hub.url}/api/me`, { headers: { origin: "http://evil.example", authorization: `Bearer ${TOKENS.bob}` } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("limits before authentication", () => {
  const openTcp = (port: number) => new Promise<Socket>((resolve) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", () => {});
  });
  const closedPromise = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once("close", () => resolve())));

  it("sockets beyond maxPendingSockets are dropped at once; the pending ones are dropped at the upgrade deadline", async () => {
    await hub.close();
    const limited = await startTestHub(tmp.dir, { limits: { maxPendingSockets: 3, upgradeTimeoutMs: 300 } });
    try {
      const held = await Promise.all([0, 1, 2].map(() => openTcp(limited.port)));
      await until(() => limited.stats().pendingSockets === 3, "the hub holds 3 pending sockets");
      const extra = await openTcp(limited.port);
      await closedPromise(extra);
      expect(held.every((s) => !s.destroyed)).toBe(true);
      // silent sockets (one half-way through its request) are dropped by the deadline
      held[0]!.write("GET /strategy/x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      await Promise.all(held.map(closedPromise));
      // and then there is room again: an authenticated client gets in
      const c = connectClient(limited.wsUrl, "strategy/after-limit", TOKENS.alice);
      await synced(c);
      c.destroy();
    } finally {
      await limited.close();
    }
  });

  it("connections beyond maxConnections get HTTP 503", async () => {
    const limited = await startTestHub(tmp.dir, { limits: { maxConnections: 1 } });
    try {
      const c = connectClient(limited.wsUrl, "strategy/full", TOKENS.alice);
      await synced(c);
      await expect(rawSocket(limited.wsUrl, "strategy/full", [`bearer.${TOKENS.bob}`])).rejects.toThrow("HTTP 503");
      c.destroy();
      await until(() => limited.stats().connections === 0, "the first client left");
      const again = await rawSocket(limited.wsUrl, "strategy/full", [`bearer.${TOKENS.bob}`]);
      again.ws.close();
    } finally {
      await limited.close();
    }
  });

  it("upgrade attempts beyond the burst get HTTP 429 before any authentication", async () => {
    const limited = await startTestHub(tmp.dir, { limits: { connectionBurst: 4, connectionsPerSecond: 0.001 } });
    try {
      const results: string[] = [];
      for (let i = 0; i < 6; i++) {
        try {
          const raw = await rawSocket(limited.wsUrl, "strategy/x", []);
          results.push(String((await raw.closed).code));
        } catch (error) {
          results.push((error as Error).message);
        }
      }
      expect(results).toEqual(["4401", "4401", "4401", "4401", "HTTP 429", "HTTP 429"]);
    } finally {
      await limited.close();
      hub = await startTestHub(tmp.dir, { limits: { maxPayloadBytes: 64 * 1024 } });
    }
  });
});
