/**
 * Notebooks as Framework pages: the pure cells → markdown mapping (checked with Framework's own
 * markdown parser: markdown cells as markdown that runs nothing, code cells as listings and
 * output boxes, one run block carrying every code cell intact as JSON, nothing from a CDN), and
 * the hub writing a notebook edited through Yjs to <notebooksDir>/<slug>.md on a debounce, on
 * an explicit save (API and WebSocket message) and when its last client leaves, atomically.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import WebSocket from "ws";
import { MESSAGE_SAVE } from "../../engine/node/hub/hubProtocol.js";
import { isCellName, NOTEBOOK_GLOBALS, notebookMarkdown, type NotebookCell, type PublishedCell } from "../../engine/node/hub/notebookMarkdown.js";
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
  { id: "intro", kind: "markdown", source: "# Hourly returns\n\nThe sample's bars, by symbol: ${sample.symbols.length} symbols, <b>not bold</b>." },
  { id: "q-count", kind: "sql", source: "select symbol, count(*) as n from data group by symbol order by symbol", name: "counts" },
  { id: "chart", kind: "js", source: "display(Plot.barY(counts.objects(), { x: \"symbol\", y: \"n\" }).plot());" },
  { id: "q-anon", kind: "sql", source: "select max(close) as top from data" },
  { id: "s1", kind: "strategy", source: "export default {\n  name: \"always-long\",\n  params: {},\n  onBar(ctx) { if (ctx.position === 0) ctx.orderTargetPercent(1); },\n};\n" },
];

/** The page's one ```js block. */
const runBlockOf = (markdown: string) => /^```js\n([\s\S]*?)^```$/m.exec(markdown)?.[1] ?? "";
/** The cells the page hands to notebookPublished.ts, as the browser reads them (the literal is JSON, so also JavaScript). */
const publishedCells = (markdown: string): PublishedCell[] => {
  const m = /^const cells = ([\s\S]*?);$/m.exec(runBlockOf(markdown));
  if (!m) throw new Error("no cells literal in the page");
  const viaJs = new Function(`return ${m[1]};`)() as PublishedCell[];
  expect(JSON.parse(m[1]!)).toEqual(viaJs);
  return viaJs;
};

describe("notebookMarkdown (pure)", () => {
  const md = notebookMarkdown(CELLS, { slug: "hourly-returns" });

  it("is a Framework page: title from the first heading, one run block, then every cell in order", () => {
    expect(md.startsWith('---\ntitle: "Hourly returns"\ntoc: false\n---\n')).toBe(true);
    const order = ["cell intro (markdown)", "cell q-count (sql)", "cell chart (js)", "cell q-anon (sql)", "cell s1 (strategy)"].map((c) => md.indexOf(c));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    // the markdown as markdown; each code cell a listing (not run by Framework) above its output box
    expect(md).toContain("# Hourly returns\n\nThe sample's bars, by symbol: \\${sample.symbols.length} symbols, \\<b>not bold\\</b>.");
    expect(md).toContain("```sql run=false\nselect symbol, count(*) as n from data group by symbol order by symbol\n```");
    expect(md).toContain('<div class="qw-cell-out" id="qw-cell-q-count" data-qw-cell="q-count" data-kind="sql"></div>');
    expect(md).toContain("<summary><span class=\"qw-nb-number\">[2]</span> <span class=\"qw-nb-kind\">SQL</span> · as <code>counts</code></summary>");
    expect(md).toContain("```ts run=false\nexport default {");
    expect(runBlockOf(md)).toContain('import { runPublishedNotebook } from "../components/notebookPublished.js";');
    expect(runBlockOf(md)).toContain('FileAttachment("../data/sample-1h.parquet").url()');
    expect(publishedCells(md)).toEqual([
      { id: "q-count", number: 2, kind: "sql", source: CELLS[1]!.source, name: "counts" },
      { id: "chart", number: 3, kind: "js", source: CELLS[2]!.source },
      { id: "q-anon", number: 4, kind: "sql", source: CELLS[3]!.source },
      { id: "s1", number: 5, kind: "strategy", source: CELLS[4]!.source },
    ]);
    expect(notebookMarkdown(CELLS, { slug: "hourly-returns" })).toBe(md);
  });

  it("parses with Framework's own parser: ONE code block (the run block), no inline expression, only local imports", () => {
    const page = parsePage(md);
    expect(page.title).toBe("Hourly returns");
    expect(page.body).not.toContain("observablehq--error");
    expect(page.code.map((c) => c.mode)).toEqual(["block"]);
    expect(page.code[0]!.node.declarations!.map((d) => d.name)).toEqual(["runPublishedNotebook", "cells", "notebook"]);
    // nothing Framework would fetch from a CDN (npm:, URLs) — STACK.md P4
    for (const i of page.code.flatMap((c) => c.node.imports)) expect(i.name).not.toMatch(/^(npm:|https?:)/);
    // the markdown cell renders as on the live page: ${…} and HTML as text
    expect(page.body).toContain("${sample.symbols.length} symbols, &lt;b&gt;not bold&lt;/b&gt;.");
    expect(page.body).toMatch(/<h1[^>]*>.*Hourly returns/);
    expect(page.body).toContain('<div class="qw-cell-out" id="qw-cell-chart" data-qw-cell="chart" data-kind="js"></div>');
  });

  it("carries any source intact: backticks, ${, </div>, </script>, fences, line separators", () => {
    const nasty = [
      "// ``` is not a fence here, </div> is not a tag, ${x} is not a placeholder",
      "const tricky = `a ${\"<\"}/script> b`.length + \"</script>\".length;",
      "```",
      "const s = \"\\u2028 \u2028 \u2029 <!-- --> \\\"\";",
      "````js",
      "`${`${1}`}`",
    ].join("\n");
    const cells: NotebookCell[] = [
      { id: "js", kind: "js", source: nasty },
      { id: "sq", kind: "sql", source: "select '```' as f, '</div>' as d, '${x}' as p, '`' as b -- </script>", name: "weird" },
      { id: "after", kind: "markdown", source: "## Still here" },
    ];
    const page = notebookMarkdown(cells, { slug: "nasty" });
    expect(publishedCells(page).map((c) => c.source)).toEqual([nasty, cells[1]!.source]);
    // nothing in the run block can close the fence or the page's <script>: one cell a line, no "<"
    const literal = /^const cells = ([\s\S]*?);$/m.exec(runBlockOf(page))![1]!;
    expect(literal.split("\n")).toHaveLength(4);
    expect(literal).not.toMatch(/[<\u2028\u2029]/);
    expect(page).toContain("`````js run=false\n" + nasty + "\n`````");
    const parsed = parsePage(page);
    expect(parsed.code.map((c) => c.mode)).toEqual(["block"]);
    expect(parsed.body).not.toContain("observablehq--error");
    expect(parsed.body).toMatch(/<h2[^>]*>.*Still here/);
  });

  it("keeps a markdown cell from breaking the page or running code: fences not run, open fences closed, bad cells left out", () => {
    const tricky = notebookMarkdown([
      { id: "md", kind: "markdown", source: "Look:\n```js\ndisplay(\"ran\")\n```\n\nand `code ${x} <b>` stays code\n\n    indented <i>code</i> ${y}\n\n```sql\nnot closed" },
      { id: "md2", kind: "markdown", source: "an open <!-- comment, <script>alert(1)</script> and <https://example.com/a?b=c>" },
      { id: "bad id!", kind: "js", source: "1" },
      { id: "x", kind: "python" as NotebookCell["kind"], source: "print(1)" },
      { id: "blank", kind: "sql", source: "  \n" },
      { id: "named-badly", kind: "sql", source: "select 1", name: "engine" },
      { id: "after", kind: "markdown", source: "## Still here" },
    ], { slug: "tricky" });
    const page = parsePage(tricky);
    expect(page.code.map((c) => c.mode)).toEqual(["block"]); // the markdown's ```js is a listing, not a block
    expect(tricky).toContain("```js run=false\ndisplay(\"ran\")\n```");
    expect(tricky).toContain("and `code ${x} <b>` stays code");
    expect(tricky).toContain("    indented <i>code</i> ${y}");
    expect(tricky).toContain("```sql run=false\nnot closed\n```");
    expect(page.body).toContain("<code>code ${x} &lt;b&gt;</code>");
    expect(page.body).toContain("an open &lt;!-- comment, &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page.body).toContain('<a href="https://example.com/a?b=c">');
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).toMatch(/<h2[^>]*>.*Still here/);
    expect(tricky).toContain("<!-- cell 3 left out: bad or repeated id, or unknown kind -->");
    expect(tricky).toContain("<!-- cell 4 left out: bad or repeated id, or unknown kind -->");
    expect(tricky).not.toContain("print(1)");
    expect(tricky).not.toContain("cell blank");
    // a sql result may not take a global's name: it is shown, not bound
    expect(publishedCells(tricky)).toEqual([{ id: "named-badly", number: 6, kind: "sql", source: "select 1" }]);
    expect(page.title).toBe("Tricky");
  });

  it("a notebook without code cells still has its run block, with no cells", () => {
    const only = notebookMarkdown([{ id: "m", kind: "markdown", source: "Just notes." }], { slug: "notes" });
    expect(publishedCells(only)).toEqual([]);
    expect(parsePage(only).code).toHaveLength(1);
  });

  it("reserves the cells' globals and JavaScript's words as names", () => {
    for (const name of ["counts", "sql1", "_x", "$y", "data"]) expect(isCellName(name)).toBe(true);
    for (const name of [...NOTEBOOK_GLOBALS, "const", "1x", "a-b", ""]) expect(isCellName(name)).toBe(false);
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
