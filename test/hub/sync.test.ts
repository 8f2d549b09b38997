/**
 * Real y-websocket clients through the real hub on 127.0.0.1 converge: concurrent edits, and a
 * seeded run of 3 clients × random inserts/deletes with every frame delayed a random time both
 * ways (so frames arrive out of order, and frames in flight are lost at a disconnect), random
 * disconnects/reconnects and offline edits. At the end every client's text equals the others'
 * and the hub's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { seededRandom } from "../../engine/sweep.js";
import { chaosSocket, connectClient, type ChaosStats, sleep, startTestHub, synced, tempDir, TOKENS, until, type Client, type TestHub } from "./hubHarness.ts";

const tmp = tempDir("hub-sync-");
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub(tmp.dir);
});
afterAll(async () => {
  await hub.close();
  tmp.remove();
});

const hubSource = async (name: string): Promise<string> => (await hub.api("GET", `/api/docs/${name}`, TOKENS.reader)).body.content.source;

describe("concurrent edits", () => {
  it("three writers typing at once end with the same text, holding every insert, as the hub does", async () => {
    const clients = [
      connectClient(hub.wsUrl, "strategy/concurrent", TOKENS.alice),
      connectClient(hub.wsUrl, "strategy/concurrent", TOKENS.bob, { via: "query" }),
      connectClient(hub.wsUrl, "strategy/concurrent", TOKENS.carol),
    ];
    try {
      await Promise.all(clients.map((c) => synced(c)));
      // each types at the same place before seeing anyone else's edit
      clients.forEach((c, i) => {
        for (let k = 0; k < 20; k++) c.text.insert(0, `${"abc"[i]}${k};`);
      });
      clients[0]!.doc.getMap("params").set("fast", 10);
      clients[1]!.doc.getMap("params").set("slow", 30);
      const expected = clients.reduce((n, _c, i) => n + Array.from({ length: 20 }, (_, k) => `${"abc"[i]}${k};`).join("").length, 0);
      await until(() => clients.every((c) => c.text.length === expected), "every insert everywhere");
      const texts = clients.map((c) => c.text.toString());
      expect(new Set(texts).size).toBe(1);
      for (const letter of "abc") for (let k = 0; k < 20; k++) expect(texts[0]).toContain(`${letter}${k};`);
      await until(async () => (await hubSource("strategy/concurrent")) === texts[0], "the hub has the same text");
      await until(() => clients.every((c) => c.doc.getMap("params").get("slow") === 30 && c.doc.getMap("params").get("fast") === 10), "params everywhere");
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});

describe("out-of-order frames, disconnects and offline edits (seeded)", () => {
  it("3 clients × 200 random inserts/deletes still converge, to the hub's text too", async () => {
    const SEED = 20261121;
    const random = seededRandom(SEED);
    const pick = (n: number) => Math.floor(random() * n);
    const tokens = [TOKENS.alice, TOKENS.bob, TOKENS.carol];
    const stats: ChaosStats = { frames: 0, reordered: 0, lost: 0 };
    const clients: Client[] = tokens.map((t, i) => connectClient(hub.wsUrl, "strategy/chaos", t, { socket: chaosSocket(SEED + i, 15, stats) }));
    const counts = { inserts: 0, deletes: 0, disconnects: 0, reconnects: 0, offlineEdits: 0 };
    try {
      await Promise.all(clients.map((c) => synced(c)));
      for (let op = 0; op < 200; op++) {
        const c = clients[pick(clients.length)]!;
        const r = random();
        if (r < 0.08) {
          if (c.provider.shouldConnect) {
            c.provider.disconnect();
            counts.disconnects++;
          } else {
            c.provider.connect();
            counts.reconnects++;
          }
        } else if (r < 0.2) {
          await sleep(pick(20));
        }
        if (!c.provider.wsconnected) counts.offlineEdits++;
        const len = c.text.length;
        if (len > 0 && random() < 0.35) {
          const at = pick(len);
          c.text.delete(at, Math.min(len - at, 1 + pick(5)));
          counts.deletes++;
        } else {
          c.text.insert(pick(len + 1), "xyzw".slice(0, 1 + pick(4)) + pick(10));
          counts.inserts++;
        }
      }
      for (const c of clients) c.provider.connect();
      await until(async () => {
        const texts = clients.map((c) => c.text.toString());
        return new Set(texts).size === 1 && (await hubSource("strategy/chaos")) === texts[0];
      }, "every client and the hub hold the same text", 3000);
      // the run did what it claims
      expect(counts.inserts + counts.deletes).toBe(200);
      expect(counts.disconnects).toBeGreaterThan(3);
      expect(counts.offlineEdits).toBeGreaterThan(5);
      expect(counts.deletes).toBeGreaterThan(20);
      expect(stats.reordered).toBeGreaterThan(20);
      expect(stats.lost).toBeGreaterThan(0);
      console.log(JSON.stringify({ chaos: { ...counts, ...stats, textLength: clients[0]!.text.length } }));
      // and the result is the merge of all three histories: a fresh doc built from the three states is the same
      const merged = new Y.Doc();
      for (const c of clients) Y.applyUpdate(merged, Y.encodeStateAsUpdate(c.doc));
      expect(merged.getText("source").toString()).toBe(clients[0]!.text.toString());
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});
