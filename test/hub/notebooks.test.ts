/**
 * Notebooks as Framework pages: the pure cells → markdown mapping (checked with Framework's own
 * markdown parser: every cell a code block, no syntax error, nothing fetched from a CDN), and
 * the hub writing a notebook edited through Yjs to <notebooksDir>/<slug>.md on a debounce, on
 * an explicit save (API and WebSocket message) and when its last client leaves, atomically.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import WebSocket from "ws";
import { MESSAGE_SAVE } from "../../engine/node/hub/hubProtocol.js";
import { notebookMarkdown, type NotebookCell } from "../../engine/node/hub/notebookMarkdown.js";
import { connectClient, startTestHub, synced, tempDir, TOKENS, until, type Client, type TestHub } from "./hubHarness.ts";

interface ParsedPage {
  title: string | null;
  body: string;
  code: { mode: string; node: { declarations: { name: string }[] | null; imports: { name: string; type: string }[] } }[];
}
// Framework ships no types for its internals; imported by a variable so TypeScript leaves it be
const FRAMEWORK_MARKDOWN = "@observablehq/framework/dist/markdown.js";
const framework = (await import(FRAMEWORK_MARKDOWN)) as {
  createMarkdownIt(): unknown;
  parseMarkdown(input: string, options: { md: unknown; path: string }): ParsedPage;
};
const parsePage = (markdown: string, path = "/notebooks/page.md") => framework.parseMarkdown(markdown, { md: framework.createMarkdownIt(), path });

const CELLS: NotebookCell[] = [
  { id: "intro", kind: "markdown", source: "# Hourly returns\n\nThe sample's bars, by symbol: ${sample.symbols.length} symbols." },
  { id: "q-count", kind: "sql", source: "select symbol, count(*) as n from bars group by symbol order by symbol", name: "counts" },
  { id: "chart", kind: "js", source: "display(Plot.barY(counts.objects(), { x: \"symbol\", y: \"n\" }).plot());" },
  { id: "q-anon", kind: "sql", source: "select max(close) as top from bars" },
  { id: "s1", kind: "strategy", source: "export default {\n  name: \"always-long\",\n  params: {},\n  onBar(ctx) { if (ctx.position === 0) ctx.orderTargetPercent(1); },\n};\n" },
];

describe("notebookMarkdown (pure)", () => {
  const md = notebookMarkdown(CELLS, { slug: "hourly-returns" });

  it("is a Framework page: title from the first heading, the setup block, then every cell in order", () => {
    expect(md.startsWith('---\ntitle: "Hourly returns"\ntoc: false\n---\n')).toBe(true);
    const order = ["cell intro (markdown)", "cell q-count (sql)", "cell chart (js)", "cell q-anon (sql)", "cell s1 (strategy)"].map((c) => md.indexOf(c));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(md).toContain("# Hourly returns\n\nThe sample's bars");
    expect(md).toContain('const counts = await sql("select symbol, count(*) as n from bars group by symbol order by symbol");\ndisplay(table(counts));');
    expect(md).toContain('display(table(await sql("select max(close) as top from bars")));');
    expect(md).toContain(`const strategy_s1 = ${JSON.stringify(CELLS[4]!.source)};\ndisplay(strategyPanel(strategy_s1));`);
    expect(notebookMarkdown(CELLS, { slug: "hourly-returns" })).toBe(md);
  });

  it("parses with Framework's own parser: one block per code cell, no syntax error, only bare and local imports", () => {
    const page = parsePage(md);
    expect(page.title).toBe("Hourly returns");
    expect(page.body).not.toContain("observablehq--error");
    const blocks = page.code.filter((c) => c.mode === "block");
    expect(blocks).toHaveLength(5); // setup, two sql, js, strategy
    expect(blocks[0]!.node.declarations!.map((d) => d.name)).toEqual(["aq", "Plot", "openEngine", "el", "arqueroTable", "metricsTable", "equityChart", "engine", "sample", "sql", "table", "backtest", "strategyPanel"]);
    expect(blocks[1]!.node.declarations!.map((d) => d.name)).toEqual(["counts"]);
    // nothing Framework would fetch from a CDN (npm:, URLs) — STACK.md P4
    for (const i of page.code.flatMap((c) => c.node.imports)) expect(i.name).not.toMatch(/^(npm:|https?:)/);
    expect(page.code.some((c) => c.mode === "inline")).toBe(true); // ${…} in the markdown cell stays live
  });

  it("keeps a cell from breaking the page: fences that outlast the source, open fences and comments closed, bad cells left out", () => {
    const tricky = notebookMarkdown([
      { id: "md", kind: "markdown", source: "Look:\n```js\nnot closed" },
      { id: "md2", kind: "markdown", source: "an open <!-- comment" },
      { id: "js", kind: "js", source: "const s = `\n```\n`;\ndisplay(s.length);" },
      { id: "bad id!", kind: "js", source: "1" },
      { id: "x", kind: "python" as NotebookCell["kind"], source: "print(1)" },
      { id: "blank", kind: "sql", source: "  \n" },
      { id: "named-badly", kind: "sql", source: "select 1", name: "engine" },
      { id: "after", kind: "markdown", source: "## Still here" },
    ], { slug: "tricky" });
    const page = parsePage(tricky);
    expect(page.body).toContain("Still here");
    expect(page.body).toMatch(/<h2[^>]*>.*Still here/);
    expect(tricky).toContain("````js\nconst s = `\n```\n`;\ndisplay(s.length);\n````");
    expect(tricky).toContain("<!-- cell 4 left out: bad id or kind -->");
    expect(tricky).toContain("<!-- cell 5 left out: bad id or kind -->");
    expect(tricky).not.toContain("print(1)");
    expect(tricky).not.toContain("cell blank");
    // a sql result may not take a setup name: it is shown, not bound
    expect(tricky).toContain('display(table(await sql("select 1")));');
    expect(page.title).toBe("Tricky");
  });
});

describe("write-through from the hub", () => {
  const tmp = tempDir("hub-notebooks-");
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(tmp.dir);
  });
  afterAll(async () => {
    await hub.close();
    tmp.remove();
  });

  /** Appends a cell to a client's notebook as the notebook page would. */
  const addCell = (c: Client, cell: NotebookCell) => {
    const map = new Y.Map<unknown>();
    map.set("id", cell.id);
    map.set("kind", cell.kind);
    map.set("source", new Y.Text(cell.source));
    if (cell.name) map.set("name", cell.name);
    c.doc.getArray("cells").push([map]);
  };
  const cellText = (c: Client, i: number) => (c.doc.getArray<Y.Map<unknown>>("cells").get(i).get("source") as Y.Text);

  it("a notebook edited by two clients through Yjs appears as <slug>.md, and follows their edits", async () => {
    const a = connectClient(hub.wsUrl, "notebook/hourly-returns", TOKENS.alice);
    const b = connectClient(hub.wsUrl, "notebook/hourly-returns", TOKENS.bob);
    try {
      await Promise.all([synced(a), synced(b)]);
      a.doc.transact(() => {
        for (const cell of CELLS.slice(0, 3)) addCell(a, cell);
      });
      await until(() => b.doc.getArray("cells").length === 3, "b has a's cells");
      b.doc.transact(() => {
        for (const cell of CELLS.slice(3)) addCell(b, cell);
      });
      const page = join(hub.notebooksDir, "hourly-returns.md");
      const expected = notebookMarkdown(CELLS, { slug: "hourly-returns" });
      await until(() => existsSync(page) && readFileSync(page, "utf8") === expected, "the page holds all five cells");
      // an edit inside a cell's text reaches the page after the debounce
      cellText(a, 1).insert(cellText(a, 1).length, " limit 3");
      await until(() => readFileSync(page, "utf8").includes("order by symbol limit 3"), "the page follows the edit");
      expect(parsePage(readFileSync(page, "utf8"), "/notebooks/hourly-returns.md").body).not.toContain("observablehq--error");
      // written atomically: no temporary file left beside it
      expect(readdirSync(hub.notebooksDir)).toEqual(["hourly-returns.md"]);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it("an explicit save writes at once: over HTTP (answering with the page) and as a WebSocket message", async () => {
    const a = connectClient(hub.wsUrl, "notebook/saved", TOKENS.alice);
    try {
      await synced(a);
      addCell(a, { id: "m", kind: "markdown", source: "# Saved" });
      const page = join(hub.notebooksDir, "saved.md");
      await until(async () => (await hub.api("GET", "/api/docs/notebook/saved", TOKENS.alice)).body.content?.cells?.length === 1, "the hub has the cell");
      const saved = await hub.api("POST", "/api/docs/notebook/saved/save", TOKENS.alice);
      expect(saved.status).toBe(200);
      expect(saved.body.page).toMatchObject({ path: page });
      expect(readFileSync(page, "utf8")).toContain("# Saved");
      cellText(a, 0).insert(cellText(a, 0).length, " twice");
      (a.provider.ws as unknown as WebSocket).send(new Uint8Array([MESSAGE_SAVE]));
      await until(() => readFileSync(page, "utf8").includes("# Saved twice"), "saved by the message");
      const markdown = await hub.api("GET", "/api/docs/notebook/saved/markdown", TOKENS.reader);
      expect(markdown.body).toBe(readFileSync(page, "utf8"));
      const rows = (await hub.api("GET", "/api/audit?event=save&doc=notebook/saved", TOKENS.alice)).body.rows;
      expect(rows.map((r: { user: string }) => r.user)).toEqual(["alice", "alice"]);
    } finally {
      a.destroy();
    }
  });

  it("an empty notebook gets no page; malformed cells are reported and left out", async () => {
    const a = connectClient(hub.wsUrl, "notebook/empty", TOKENS.alice);
    try {
      await synced(a);
      await hub.api("POST", "/api/docs/notebook/empty/save", TOKENS.alice);
      expect(existsSync(join(hub.notebooksDir, "empty.md"))).toBe(false);
      a.doc.getArray("cells").push(["not a map"]);
      addCell(a, { id: "ok", kind: "markdown", source: "fine" });
      await until(async () => (await hub.api("GET", "/api/docs/notebook/empty", TOKENS.alice)).body.content?.cells?.length === 1, "one good cell");
      const { body } = await hub.api("GET", "/api/docs/notebook/empty", TOKENS.alice);
      expect(body.content.problems).toEqual(["cell 1 is not a map"]);
      await until(() => existsSync(join(hub.notebooksDir, "empty.md")), "the page of the good cell");
    } finally {
      a.destroy();
    }
  });
});
