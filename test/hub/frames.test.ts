/**
 * Reading client frames before the Yjs server code sees them (yjsFrames.ts), document names
 * and the hub's configuration: what is accepted, what is refused and with which message.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { parseDocName } from "../../engine/node/hub/docNames.js";
import { resolveSettings, usersFromEnv } from "../../engine/node/hub/hubConfig.js";
import { hashToken, UserDirectory } from "../../engine/node/hub/hubUsers.js";
import { readFrame, writeAwareness } from "../../engine/node/hub/yjsFrames.js";
import { main as hubCli } from "../../engine/node/cli/hub.js";
import { tempDir, TOKENS } from "./hubHarness.ts";

const frame = (...parts: (number | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : [...p])));
/** lib0's varUint, for lengths in hand-made frames. */
const varUint = (n: number): number[] => (n < 128 ? [n] : [0x80 | (n % 128), ...varUint(Math.floor(n / 128))]);
const withLength = (bytes: Uint8Array) => Uint8Array.from([...varUint(bytes.length), ...bytes]);

describe("readFrame", () => {
  const doc = new Y.Doc();
  doc.getText("source").insert(0, "x".repeat(300));
  const update = Y.encodeStateAsUpdate(doc);
  const sv = Y.encodeStateVector(doc);

  it("tells a sync request, an update (sync step 2 or update) and a save apart", () => {
    expect(readFrame(frame(0, 0, withLength(sv)))).toEqual({ type: "sync-request" });
    for (const step of [1, 2]) {
      const f = readFrame(frame(0, step, withLength(update)));
      expect(f.type).toBe("update");
      expect(f.type === "update" && Y.decodeUpdate(f.update).structs.length).toBe(1);
    }
    expect(readFrame(frame(64))).toEqual({ type: "save" });
    expect(readFrame(frame(3))).toEqual({ type: "ignored" });
  });

  it("reads awareness and writes it back as y-protocols does", () => {
    const a = new Awareness(new Y.Doc());
    a.setLocalState({ user: { name: "alice" }, cursor: { anchor: 1 } });
    const f = readFrame(frame(1, withLength(encodeAwarenessUpdate(a, [a.clientID]))));
    if (f.type !== "awareness") throw new Error(f.type);
    expect(f.entries).toEqual([{ clientId: a.clientID, clock: 1, state: { user: { name: "alice" }, cursor: { anchor: 1 } } }]);
    const written = writeAwareness(f.entries);
    expect(readFrame(written)).toEqual(f);
    // written = [1, varUint length, payload]: y-protocols applies the payload
    let at = 1;
    while (written[at]! & 0x80) at++;
    const b = new Awareness(new Y.Doc());
    applyAwarenessUpdate(b, written.subarray(at + 1), "test");
    expect(b.getStates().get(a.clientID)).toEqual({ user: { name: "alice" }, cursor: { anchor: 1 } });
  });

  it("calls anything else garbage, and never throws on arbitrary bytes", () => {
    for (const bytes of [frame(), frame(0), frame(0, 9, 0), frame(0, 2, 200, 1), frame(0, 2, withLength(Uint8Array.of(9, 9, 9))), frame(0, 0, 1, 0, 42), frame(1, 2, 0, 0), frame(99)]) {
      expect(readFrame(bytes).type, String([...bytes])).toBe("garbage");
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const f = readFrame(bytes);
      expect(["garbage", "sync-request", "update", "awareness", "save", "ignored"]).toContain(f.type);
    }), { numRuns: 500 });
  });
});

describe("document names", () => {
  it.each([
    ["strategy/sma-cross", true],
    ["notebook/btc_returns-2024", true],
    ["strategy/Upper", false],
    ["strategy/", false],
    ["strategy/-x", false],
    ["strategy/../x", false],
    ["report/x", false],
    ["strategy/a/b", false],
    [`notebook/${"a".repeat(65)}`, false],
  ])("%s → %s", (name, ok) => {
    expect(parseDocName(name).ok).toBe(ok);
  });
});

describe("configuration", () => {
  const tmp = tempDir("hub-config-");
  afterAll(() => tmp.remove());

  it("QW_HUB_TOKENS gives users with hashed tokens; a bad entry is refused with its place", () => {
    const users = usersFromEnv(`alice:write:${TOKENS.alice}:#112233, reader:read:${TOKENS.reader}`);
    expect(users).toEqual([
      { name: "alice", role: "write", colour: "#112233", tokenSha256: hashToken(TOKENS.alice) },
      { name: "reader", role: "read", colour: expect.stringMatching(/^#[0-9a-f]{6}$/), tokenSha256: hashToken(TOKENS.reader) },
    ]);
    expect(() => usersFromEnv("alice:admin:0123456789abcdef0")).toThrow(/entry 1: role must be read or write/);
    expect(() => usersFromEnv(`a:write:${TOKENS.alice},b:write:short`)).toThrow(/entry 2: a token is 16–256/);
    expect(() => usersFromEnv("just-a-token")).toThrow(/name:role:token/);
  });

  it("a config file holds hashes only, folders relative to it, limits merged over the defaults", () => {
    const dir = join(tmp.dir, "conf");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "hub.json");
    writeFileSync(file, JSON.stringify({ dataDir: "d", users: [{ name: "bob", role: "write", tokenSha256: hashToken(TOKENS.bob) }], limits: { maxPayloadBytes: 1000 } }));
    const s = resolveSettings({ configFile: file, env: {}, port: 0 });
    expect(s.dataDir).toBe(join(dir, "d"));
    expect(s.notebooksDir).toBe(join(dir, "src", "notebooks"));
    expect(s.limits.maxPayloadBytes).toBe(1000);
    expect(s.limits.maxPendingSockets).toBe(64);
    expect(new UserDirectory(s.users).authenticate(TOKENS.bob)?.name).toBe("bob");
    expect(new UserDirectory(s.users).authenticate(TOKENS.alice)).toBeUndefined();
  });

  it("refuses a plain token in the file, unknown fields, and a hub without users, saying what to do", () => {
    const file = join(tmp.dir, "bad.json");
    writeFileSync(file, JSON.stringify({ users: [{ name: "bob", role: "write", token: TOKENS.bob }] }));
    expect(() => resolveSettings({ configFile: file, env: {} })).toThrow(/users\.0\.tokenSha256.*|Unrecognized key.*token/s);
    writeFileSync(file, JSON.stringify({ users: [{ name: "bob", role: "write", tokenSha256: TOKENS.bob }] }));
    expect(() => resolveSettings({ configFile: file, env: {} })).toThrow(/never the token itself/);
    writeFileSync(file, "{ nope");
    expect(() => resolveSettings({ configFile: file, env: {} })).toThrow(/bad\.json/);
    expect(() => resolveSettings({ env: {} })).toThrow(/no users: .*QW_HUB_TOKENS/);
  });

  it("`hub token NAME ROLE` prints a fresh token and the config entry with its hash", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      expect(await hubCli(["token", "dana", "read"])).toBe(0);
    } finally {
      console.log = log;
    }
    const out = JSON.parse(lines.join("\n")) as { token: string; user: { name: string; role: string; tokenSha256: string } };
    expect(out.user).toMatchObject({ name: "dana", role: "read", tokenSha256: hashToken(out.token) });
    expect(new UserDirectory([{ ...out.user, role: "read", colour: "#000000" }]).authenticate(out.token)?.name).toBe("dana");
  });
});
