/**
 * The embedded store without the server: the framed log keeps every whole record and drops (and
 * sets aside) a torn or corrupt tail, wherever the cut falls; a document is its snapshot plus
 * its log, and a crash between writing a snapshot and emptying the log still loads the same
 * document (updates applied twice are harmless).
 */
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { DocStore } from "../../engine/node/hub/docStore.js";
import { parseDocName } from "../../engine/node/hub/docNames.js";
import { frameRecord, readRecords, UpdateLog } from "../../engine/node/hub/updateLog.js";
import { VersionStore } from "../../engine/node/hub/versionStore.js";
import { tempDir } from "./hubHarness.ts";

const tmp = tempDir("hub-store-");
afterAll(() => tmp.remove());
let n = 0;
const fresh = (name: string) => join(tmp.dir, `${n++}-${name}`);

describe("UpdateLog", () => {
  it("reads back what it appended, across reopenings", () => {
    const path = fresh("a.log");
    const { log } = UpdateLog.open(path);
    const records = [Uint8Array.of(1), new Uint8Array(0), Uint8Array.from({ length: 5000 }, (_, i) => i % 251)];
    for (const r of records) log.append(r);
    log.close();
    const again = UpdateLog.open(path);
    expect(again.contents.records).toEqual(records);
    expect(again.contents.droppedBytes).toBe(0);
    again.log.append(Uint8Array.of(9, 9));
    again.log.close();
    expect(UpdateLog.open(path).contents.records).toHaveLength(4);
  });

  it("a log cut at any byte keeps exactly the whole records before the cut, sets the rest aside, and appends cleanly after", () => {
    const payloads = [Uint8Array.of(1, 2, 3), Uint8Array.of(4), Uint8Array.from({ length: 40 }, (_, i) => i)];
    const whole = Buffer.concat(payloads.map(frameRecord));
    const ends = payloads.reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + 8 + p.length], []);
    fc.assert(fc.property(fc.integer({ min: 0, max: whole.length }), (cut) => {
      const path = fresh("cut.log");
      writeFileSync(path, whole.subarray(0, cut));
      const { log, contents } = UpdateLog.open(path, () => 1);
      const kept = ends.filter((e) => e <= cut).length;
      expect(contents.records).toEqual(payloads.slice(0, kept));
      const goodEnd = kept === 0 ? 0 : ends[kept - 1]!;
      expect(contents.droppedBytes).toBe(cut - goodEnd);
      expect(statSync(path).size).toBe(goodEnd);
      if (cut > goodEnd) expect(readFileSync(`${path}.torn-1`)).toEqual(whole.subarray(goodEnd, cut));
      log.append(Uint8Array.of(7));
      log.close();
      expect(UpdateLog.open(path).contents.records).toEqual([...payloads.slice(0, kept), Uint8Array.of(7)]);
    }), { numRuns: 60 });
  });

  it("a record whose checksum does not match ends the log there", () => {
    const path = fresh("crc.log");
    const good = frameRecord(Uint8Array.of(1, 2, 3));
    const bad = Buffer.from(frameRecord(Uint8Array.of(4, 5, 6)));
    bad[9] = 99;
    writeFileSync(path, Buffer.concat([good, bad, frameRecord(Uint8Array.of(7))]));
    const { contents } = UpdateLog.open(path, () => 2);
    expect(contents.records).toEqual([Uint8Array.of(1, 2, 3)]);
    expect(contents.droppedBytes).toBe(bad.length + 9);
    expect(readRecords(readFileSync(`${path}.torn-2`)).records).toEqual([]);
  });
});

describe("DocStore", () => {
  const doc = (name: string) => {
    const p = parseDocName(name);
    if (!p.ok) throw new Error(p.message);
    return p.doc;
  };
  const load = (store: DocStore, name: string) => {
    const y = new Y.Doc();
    for (const u of store.open(doc(name)).updates) Y.applyUpdate(y, u);
    return y;
  };

  it("a document is its snapshot plus its log; compacting keeps it the same and empties the log", () => {
    const dir = fresh("docs");
    const store = new DocStore(dir);
    const d = doc("strategy/s");
    store.open(d);
    const y = new Y.Doc();
    y.on("update", (u: Uint8Array) => store.append(d, u));
    y.getText("source").insert(0, "hello");
    y.getText("source").insert(5, " world");
    y.getMap("params").set("fast", 3);
    expect(store.logBytes(d)).toBeGreaterThan(0);
    store.compact(d, Y.encodeStateAsUpdate(y));
    expect(store.logBytes(d)).toBe(0);
    y.getText("source").delete(0, 1);
    store.close();
    const again = new DocStore(dir);
    const loaded = load(again, "strategy/s");
    expect(loaded.getText("source").toString()).toBe("ello world");
    expect(loaded.getMap("params").get("fast")).toBe(3);
    expect(again.list().map((x) => x.name)).toEqual(["strategy/s"]);
    again.close();
  });

  it("a crash after the snapshot is written but before the log is emptied loads the same document", () => {
    const dir = fresh("docs");
    const store = new DocStore(dir);
    const d = doc("notebook/n");
    store.open(d);
    const y = new Y.Doc();
    y.on("update", (u: Uint8Array) => store.append(d, u));
    y.getText("t").insert(0, "abc");
    y.getText("t").delete(1, 1);
    const logPath = join(dir, "notebook", "n.log");
    const logCopy = readFileSync(logPath);
    store.compact(d, Y.encodeStateAsUpdate(y));
    store.close();
    // put the log back as it was before the truncate that "did not happen"
    writeFileSync(logPath, logCopy);
    const again = new DocStore(dir);
    expect(load(again, "notebook/n").getText("t").toString()).toBe("ac");
    again.close();
  });

  it("refuses to load a damaged snapshot rather than serve a document without it", () => {
    const dir = fresh("docs");
    const store = new DocStore(dir);
    const d = doc("strategy/broken");
    store.open(d);
    store.compact(d, Y.encodeStateAsUpdate(new Y.Doc()));
    store.close();
    const snapshot = join(dir, "strategy", "broken.snapshot");
    truncateSync(snapshot, statSync(snapshot).size - 1);
    expect(() => new DocStore(dir).open(d)).toThrow(/broken\.snapshot is damaged/);
  });
});

describe("VersionStore", () => {
  it("numbers versions per document and reads them back", () => {
    const store = new VersionStore(fresh("versions"));
    const d = parseDocName("strategy/v");
    if (!d.ok) throw new Error();
    expect(store.list(d.doc)).toEqual([]);
    const one = store.create(d.doc, { name: "one", user: "alice", time: 1 }, Uint8Array.of(1, 2));
    const two = store.create(d.doc, { name: "two", user: "bob", time: 2 }, Uint8Array.of(3));
    expect([one.version, two.version]).toEqual([1, 2]);
    expect(store.list(d.doc)).toEqual([one, two]);
    expect(store.get(d.doc, 1)?.state).toEqual(Uint8Array.of(1, 2));
    expect(store.get(d.doc, 3)).toBeUndefined();
    const path = join(store.dir, "strategy", "v", "2.version");
    appendFileSync(path, "x");
    expect(() => store.get(d.doc, 2)).toThrow(/damaged/);
    expect(readdirSync(join(store.dir, "strategy", "v")).sort()).toEqual(["1.version", "2.version"]);
  });
});
