/**
 * Named versions over the HTTP API, with real clients on the documents: create, list, compare
 * (a strategy's sources and parameters; a notebook cell by cell), restore as a new change on
 * top (collaborators, an offline one included, converge on it; the state it replaced is kept as
 * a version), bad input refused with a message; every step in the audit log with user and time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { compareContents } from "../../engine/node/hub/versionCompare.js";
import { connectClient, startTestHub, synced, tempDir, TOKENS, until, type Client, type TestHub } from "./hubHarness.ts";

const tmp = tempDir("hub-versions-");
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub(tmp.dir);
});
afterAll(async () => {
  await hub.close();
  tmp.remove();
});

const content = async (name: string) => (await hub.api("GET", `/api/docs/${name}`, TOKENS.reader)).body.content;

describe("strategy versions", () => {
  let a: Client;
  let b: Client;
  beforeAll(async () => {
    a = connectClient(hub.wsUrl, "strategy/versioned", TOKENS.alice);
    b = connectClient(hub.wsUrl, "strategy/versioned", TOKENS.bob);
    await Promise.all([synced(a), synced(b)]);
  });
  afterAll(() => {
    a.destroy();
    b.destroy();
  });
  const set = (c: Client, source: string, params: Record<string, number>, notes: string) => c.doc.transact(() => {
    const text = c.doc.getText("source");
    text.delete(0, text.length);
    text.insert(0, source);
    const map = c.doc.getMap("params");
    for (const k of [...map.keys()]) map.delete(k);
    for (const [k, v] of Object.entries(params)) map.set(k, v);
    const n = c.doc.getText("notes");
    n.delete(0, n.length);
    n.insert(0, notes);
  });
  const V1 = "export default {\n  name: \"x\",\n  params: { fast: { default: 10 } },\n  onBar(ctx) {},\n};\n";
  const V2 = "export default {\n  name: \"x\",\n  params: { fast: { default: 10 }, slow: { default: 30 } },\n  onBar(ctx) { ctx.buy(1); },\n};\n";

  it("creates named versions (write role) and lists them oldest first", async () => {
    set(a, V1, { fast: 10 }, "first try");
    await until(async () => (await content("strategy/versioned")).source === V1, "hub has v1");
    const first = await hub.api("POST", "/api/docs/strategy/versioned/versions", TOKENS.alice, { name: "first try" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, name: "first try", user: "alice" });
    expect(typeof first.body.time).toBe("number");
    set(b, V2, { fast: 20, slow: 50 }, "second try");
    await until(async () => (await content("strategy/versioned")).source === V2, "hub has v2");
    expect((await hub.api("POST", "/api/docs/strategy/versioned/versions", TOKENS.bob, { name: "  with slow  " })).body).toMatchObject({ version: 2, name: "with slow", user: "bob" });
    const list = await hub.api("GET", "/api/docs/strategy/versioned/versions", TOKENS.reader);
    expect(list.body.versions.map((v: { version: number; name: string; user: string }) => [v.version, v.name, v.user])).toEqual([[1, "first try", "alice"], [2, "with slow", "bob"]]);
  });

  it("compares two versions, or a version with the current state: both sources and the parameters that differ", async () => {
    const { body } = await hub.api("GET", "/api/docs/strategy/versioned/compare?from=1&to=2", TOKENS.reader);
    expect(body.comparison).toMatchObject({
      kind: "strategy", sourceChanged: true, notesChanged: true,
      from: { source: V1, params: { fast: 10 }, notes: "first try" },
      to: { source: V2, params: { fast: 20, slow: 50 }, notes: "second try" },
      params: [{ name: "fast", from: 10, to: 20 }, { name: "slow", to: 50 }],
    });
    const same = await hub.api("GET", "/api/docs/strategy/versioned/compare?from=2", TOKENS.reader);
    expect(same.body).toMatchObject({ from: 2, to: "current", comparison: { sourceChanged: false, notesChanged: false, params: [] } });
  });

  it("restores a version as a new change: a collaborator's offline edit merges on top, everyone converges", async () => {
    b.provider.disconnect();
    b.doc.getText("source").insert(b.doc.getText("source").length, "// bob was here\n");
    const restored = await hub.api("POST", "/api/docs/strategy/versioned/versions/1/restore", TOKENS.alice);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ restored: 1, backup: { version: 3, name: "before restoring 1 (first try)", user: "alice" } });
    expect(restored.body.bytes).toBeGreaterThan(0);
    await until(() => a.doc.getText("source").toString() === V1, "a sees the restore at once");
    expect(a.doc.getMap("params").toJSON()).toEqual({ fast: 10 });
    expect(a.doc.getText("notes").toString()).toBe("first try");
    b.provider.connect();
    await until(() => a.doc.getText("source").toString() === b.doc.getText("source").toString() && b.provider.synced, "a and b converge");
    expect(a.doc.getText("source").toString()).toBe(`${V1}// bob was here\n`);
    expect(b.doc.getMap("params").toJSON()).toEqual({ fast: 10 });
    await until(async () => (await content("strategy/versioned")).source === `${V1}// bob was here\n`, "the hub too");
    // the state the restore replaced is a version: nothing lost
    const backup = await hub.api("GET", "/api/docs/strategy/versioned/compare?from=3&to=2", TOKENS.reader);
    expect(backup.body.comparison).toMatchObject({ sourceChanged: false, params: [] });
  });

  it("refuses bad input with a message and changes nothing", async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/api/docs/strategy/versioned/versions", {}, 400, /name/],
      ["POST", "/api/docs/strategy/versioned/versions", { name: "   " }, 400, /needs a name/],
      ["POST", "/api/docs/strategy/versioned/versions", { name: "x".repeat(101) }, 400, /100/],
      ["POST", "/api/docs/strategy/versioned/versions", { name: "ok", extra: 1 }, 400, /extra/],
      ["POST", "/api/docs/strategy/versioned/versions", "{not json", 400, /not JSON/],
      ["POST", "/api/docs/strategy/versioned/versions", { name: "y".repeat(70_000) }, 413, /over/],
      ["GET", "/api/docs/strategy/versioned/compare?from=abc", undefined, 400, /from/],
      ["GET", "/api/docs/strategy/versioned/compare?from=99", undefined, 404, /no version 99/],
      ["POST", "/api/docs/strategy/versioned/versions/99/restore", undefined, 404, /no version 99/],
      ["POST", "/api/docs/strategy/nothing/versions", { name: "v" }, 404, /no document strategy\/nothing/],
      ["GET", "/api/docs/strategy/versioned/versions/1/restore", undefined, 405, /not allowed/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await hub.api(method as "GET" | "POST", path, TOKENS.alice, body);
      expect([path, res.status], JSON.stringify(res.body)).toEqual([path, status]);
      expect(res.body.error).toMatch(message);
    }
    expect((await hub.api("GET", "/api/docs/strategy/versioned/versions", TOKENS.alice)).body.versions).toHaveLength(3);
  });

  it("every create and restore is in the audit log with user, time and version; edits with their size", async () => {
    const rows = (await hub.api("GET", "/api/audit?doc=strategy/versioned", TOKENS.reader)).body.rows as Record<string, unknown>[];
    const versions = rows.filter((r) => String(r.event).startsWith("version-")).map((r) => [r.event, r.user, r.version]);
    expect(versions).toEqual([["version-create", "alice", 1], ["version-create", "bob", 2], ["version-create", "alice", 3], ["version-restore", "alice", 1]]);
    const edits = rows.filter((r) => r.event === "edit");
    expect(edits.map((r) => r.user)).toEqual(expect.arrayContaining(["alice", "bob"]));
    for (const r of rows) expect(r.time).toEqual(expect.any(Number));
    for (const r of edits) expect(r.bytes).toBeGreaterThan(0);
  });
});

describe("notebook versions", () => {
  const cell = (id: string, kind: string, source: string) => {
    const m = new Y.Map<unknown>();
    m.set("id", id);
    m.set("kind", kind);
    m.set("source", new Y.Text(source));
    return m;
  };

  it("are compared cell by cell and restored cell by cell", async () => {
    const a = connectClient(hub.wsUrl, "notebook/nb-versions", TOKENS.alice);
    const b = connectClient(hub.wsUrl, "notebook/nb-versions", TOKENS.bob);
    try {
      await Promise.all([synced(a), synced(b)]);
      const cells = a.doc.getArray<Y.Map<unknown>>("cells");
      cells.push([cell("intro", "markdown", "# Notes"), cell("q", "sql", "select 1"), cell("plot", "js", "display(1)")]);
      await until(async () => (await content("notebook/nb-versions")).cells.length === 3, "hub has 3 cells");
      expect((await hub.api("POST", "/api/docs/notebook/nb-versions/versions", TOKENS.alice, { name: "three cells" })).status).toBe(201);
      a.doc.transact(() => {
        (cells.get(1).get("source") as Y.Text).insert(8, " + 1");
        cells.delete(0, 1);
        cells.push([cell("more", "markdown", "more text")]);
      });
      await until(async () => (await content("notebook/nb-versions")).cells.length === 3 && (await content("notebook/nb-versions")).cells[0].id === "q", "hub has the edit");
      const { body } = await hub.api("GET", "/api/docs/notebook/nb-versions/compare?from=1", TOKENS.reader);
      expect(body.comparison.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });
      expect(body.comparison.cells.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual(["intro:removed", "q:changed", "plot:unchanged", "more:added"]);
      expect(body.comparison.cells[1]).toMatchObject({ from: "select 1", to: "select 1 + 1" });
      const restored = await hub.api("POST", "/api/docs/notebook/nb-versions/versions/1/restore", TOKENS.bob);
      expect(restored.status).toBe(200);
      const ids = (c: Client) => c.doc.getArray<Y.Map<unknown>>("cells").toArray().map((m) => `${m.get("id")}=${(m.get("source") as Y.Text).toString()}`);
      await until(() => ids(a).join("|") === "intro=# Notes|q=select 1|plot=display(1)" && ids(b).join("|") === ids(a).join("|"), "both back at version 1");
      const after = await hub.api("GET", "/api/docs/notebook/nb-versions/compare?from=1", TOKENS.reader);
      expect(after.body.comparison.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 3 });
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});

describe("compareContents (pure)", () => {
  it("places a removed cell after the cell it followed, and notices a reorder", () => {
    const c = (id: string, source = id) => ({ id, kind: "js" as const, source });
    const result = compareContents({ kind: "notebook", cells: [c("a"), c("b"), c("c")], problems: [] }, { kind: "notebook", cells: [c("c"), c("a", "a2")], problems: [] });
    if (result.kind !== "notebook") throw new Error("notebook expected");
    expect(result.cells.map((x) => `${x.id}:${x.status}`)).toEqual(["c:unchanged", "a:changed", "b:removed"]);
    expect(result.reordered).toBe(true);
  });
});
