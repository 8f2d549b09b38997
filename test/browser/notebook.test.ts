/**
 * The Notebook page in the built site, two Chromium browsers (separate profiles: nothing shared
 * but the hub) on one notebook through the real hub on 127.0.0.1:
 * - alice adds an SQL cell and a JavaScript cell that reads its result; bob sees both cells and
 *   the same number; bob edits the query and the JavaScript cell re-runs on both pages;
 * - a JavaScript cell that throws shows its error at its line while the others still run;
 * - a strategy cell's Backtest shows metrics equal to runBacktest in Node on the same source;
 * - the hub holds the cells and writes the notebook's markdown page;
 * - no token, and a refused token, are said clearly;
 * - no request leaves 127.0.0.1.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import type { BarSeries } from "../../engine/bars.ts";
import { DEFAULT_LIMITS } from "../../engine/node/hub/hubConfig.ts";
import { startHub, type Hub } from "../../engine/node/hub/hubServer.ts";
import { hashToken } from "../../engine/node/hub/hubUsers.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { withDuckDB } from "../../engine/node/withDuckDB.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";
import { BUILD_TIMEOUT_MS, buildSite, ROOT, type BuiltSite } from "../helpers/builtSite.ts";
import { launchChromium, type Browser } from "../helpers/chromium.ts";
import { serveStatic, type StaticServer } from "../helpers/serveStatic.ts";

const TOKENS = { alice: "alice-notebook-token-0123456789", bob: "bob-notebook-token-0123456789", reader: "reader-notebook-token-0123456789" } as const;
const SLUG = "team-notes";
const QUERY = "select symbol, count(*) as n from data group by symbol";
const QUERY_A = "select symbol, count(*) as n from data where symbol = 'SYN-A' group by symbol";
const JS = "const total = sql1.array(\"n\").reduce((sum, x) => sum + Number(x), 0);\nconst symbols = sql1.numRows();";
const OUT = join(ROOT, "test-output");

let tmp = "";
let site: BuiltSite;
let server: StaticServer;
let hub: Hub;
const browsers: Browser[] = [];
let a: Page;
let b: Page;
const pageErrors: string[] = [];
/** Rows per symbol in the sample, counted by DuckDB in Node. */
let counts: Map<string, number>;

async function open(browser: Browser, user: keyof typeof TOKENS | undefined, extra = ""): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  const token = user ? `&token=${TOKENS[user]}&name=${user}` : "";
  await page.goto(`${server.origin}/notebook?notebook=${SLUG}&hub=${encodeURIComponent(hub.wsUrl)}${token}${extra}`);
  return page;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "qw-notebook-"));
  site = await buildSite(join(tmp, "site"));
  server = await serveStatic(site.dir);
  hub = await startHub({
    port: 0, dataDir: join(tmp, "hub-data"), notebooksDir: join(tmp, "notebooks"), allowedOrigins: ["http://127.0.0.1"], notebookDebounceMs: 50,
    users: [
      { name: "alice", role: "write" as const, colour: "#d9480f", tokenSha256: hashToken(TOKENS.alice) },
      { name: "bob", role: "write" as const, colour: "#2563eb", tokenSha256: hashToken(TOKENS.bob) },
      { name: "reader", role: "read" as const, colour: "#9333ea", tokenSha256: hashToken(TOKENS.reader) },
    ],
    limits: DEFAULT_LIMITS,
  });
  counts = await withDuckDB(async (db) => new Map((await db.runAndReadAll(
    `select symbol, count(*)::INTEGER as n from read_parquet('${site.sampleParquet.replace(/'/g, "''")}') group by symbol`)).getRowObjects()
    .map((r) => [String(r.symbol), Number(r.n)] as const)));
  browsers.push(await launchChromium(), await launchChromium());
  a = await open(browsers[0]!, "alice");
  b = await open(browsers[1]!, "bob");
  for (const p of [a, b]) await p.locator("[data-testid=collab-status][data-state=connected]").waitFor({ timeout: 60_000 });
  await mkdir(OUT, { recursive: true });
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  for (const br of browsers) await br.close();
  await hub?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const cells = (page: Page) => page.locator("[data-testid=cell]");
const lastCell = (page: Page) => cells(page).last();
const cellOfKind = (page: Page, kind: string) => page.locator(`[data-testid=cell][data-kind=${kind}]`);

/** Types `text` into a cell's editor, replacing what it holds. */
async function typeInto(page: Page, cell: Locator, text: string): Promise<void> {
  await cell.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

/** The text in a cell's editor, without the remote carets' name tags. */
const editorText = (cell: Locator) => cell.locator(".cm-content").evaluate((content) => {
  const copy = content.cloneNode(true) as HTMLElement;
  for (const tag of copy.querySelectorAll(".cm-ySelectionCaret, .cm-widgetBuffer")) tag.remove();
  return [...copy.querySelectorAll(".cm-line")].map((line) => line.textContent).join("\n");
});

/** Takes a screenshot with the pointer out of the way (no tooltip in the picture). */
async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.mouse.move(1, 1);
  await page.screenshot({ path: join(OUT, name), fullPage });
}

/** The value a program cell shows for `name` (its raw form). */
const defined = (cell: Locator, name: string) => cell.locator(`[data-testid=cell-defines] [data-name=${name}]`).getAttribute("data-value");

async function hubCells(): Promise<{ id: string; kind: string; source: string; name?: string }[]> {
  const res = await fetch(`${hub.url}/api/docs/notebook/${SLUG}`, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
  const body = await res.json() as { content: { cells: { id: string; kind: string; source: string; name?: string }[] } };
  return body.content.cells;
}

describe("the Notebook page: two browsers, one notebook, through the hub (built site, network off)", () => {
  it("keeps the token out of the address bar once it is stored, and shows both people", async () => {
    expect(new URL(a.url()).searchParams.has("token")).toBe(false);
    expect(new URL(a.url()).searchParams.get("notebook")).toBe(SLUG);
    await expect.poll(() => a.getByTestId("presence").getAttribute("data-names"), { timeout: 20_000 }).toMatch(/alice.*bob|bob.*alice/);
    expect(await a.getByTestId("hub-notice").getAttribute("data-kind")).toBe("");
    await expect.poll(() => a.getByTestId("sample-status").innerText(), { timeout: 60_000 }).toMatch(/hourly bars of SYN-A/);
  });

  it("alice adds an SQL cell and a JavaScript cell reading its result; bob sees both and the same number", async () => {
    await a.getByTestId("add-sql").click();
    await typeInto(a, lastCell(a), QUERY);
    await a.getByTestId("add-js").click();
    await typeInto(a, lastCell(a), JS);
    const total = [...counts.values()].reduce((s, n) => s + n, 0);
    const jsA = cellOfKind(a, "js").first();
    await expect.poll(() => defined(jsA, "total"), { timeout: 60_000 }).toBe(String(total));
    expect(await defined(jsA, "symbols")).toBe(String(counts.size));
    // the SQL cell: a table of one row per symbol and its bar chart
    const sqlA = cellOfKind(a, "sql").first();
    expect(await sqlA.getByTestId("result-size").getAttribute("data-rows")).toBe(String(counts.size));
    expect(await sqlA.locator("[data-testid=quick-chart]").getAttribute("data-mark")).toBe("bar");
    expect(await sqlA.getByTestId("cell-name").inputValue()).toBe("sql1");

    await expect.poll(() => cells(b).count(), { timeout: 20_000 }).toBe(2);
    expect(await cells(b).evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")))).toEqual(["sql", "js"]);
    await expect.poll(() => defined(cellOfKind(b, "js").first(), "total"), { timeout: 60_000 }).toBe(String(total));
    expect(await editorText(cellOfKind(b, "sql").first())).toBe(QUERY);
    await shoot(a, "notebook-a.png");
  });

  it("bob edits the query: the JavaScript cell re-runs on both pages", async () => {
    const jsA = cellOfKind(a, "js").first();
    const runsBefore = await jsA.getAttribute("data-state");
    expect(runsBefore).toBe("ok");
    await typeInto(b, cellOfKind(b, "sql").first(), QUERY_A);
    const onlyA = String(counts.get("SYN-A"));
    await expect.poll(() => defined(cellOfKind(b, "js").first(), "total"), { timeout: 60_000 }).toBe(onlyA);
    await expect.poll(() => defined(jsA, "total"), { timeout: 60_000 }).toBe(onlyA);
    expect(await defined(jsA, "symbols")).toBe("1");
    expect(await editorText(cellOfKind(a, "sql").first())).toBe(QUERY_A);
    // bob's caret, with his name, in alice's copy of the cell he edits
    await expect.poll(() => cellOfKind(a, "sql").first().locator(".cm-ySelectionInfo").allInnerTexts(), { timeout: 20_000 }).toEqual(["bob"]);
    await shoot(b, "notebook-b.png");
  });

  it("a JavaScript cell that throws shows its error at its line; the other cells still run", async () => {
    await a.getByTestId("add-js").click();
    await typeInto(a, lastCell(a), "const broken = symbols * 2;\nthrow new Error(\"deliberate failure\");");
    const bad = lastCell(a);
    await expect.poll(() => bad.getByTestId("cell-error").getAttribute("data-line"), { timeout: 30_000 }).toBe("2");
    expect(await bad.getByTestId("cell-error").innerText()).toMatch(/Error at line 2: deliberate failure/);
    await a.getByTestId("add-js").click();
    await typeInto(a, lastCell(a), "symbols + 41");
    await expect.poll(() => lastCell(a).getByTestId("cell-value").locator("[data-value]").getAttribute("data-value"), { timeout: 30_000 }).toBe("42");
    // a cell reading the failed cell's name says which cell failed instead of running
    await a.getByTestId("add-js").click();
    await typeInto(a, lastCell(a), "broken + 1");
    await expect.poll(() => lastCell(a).getByTestId("cell-blocked").innerText(), { timeout: 30_000 }).toMatch(/reads broken, and cell \[3\] failed/);
    expect(await defined(cellOfKind(a, "js").first(), "total")).toBe(String(counts.get("SYN-A")));
    // bob's page runs the same cells to the same outcome
    await expect.poll(() => cells(b).count(), { timeout: 20_000 }).toBe(5);
    await expect.poll(() => cells(b).nth(2).getByTestId("cell-error").getAttribute("data-line"), { timeout: 30_000 }).toBe("2");
    await shoot(a, "notebook-error.png");
  });

  it("a strategy cell's Backtest shows the metrics runBacktest gives in Node for the same source", async () => {
    await a.getByTestId("add-strategy").click();
    const cell = lastCell(a);
    await expect.poll(() => cell.getByTestId("bt-symbol").inputValue(), { timeout: 30_000 }).toBe("SYN-A");
    await cell.getByTestId("backtest").click();
    await cell.getByTestId("bt-summary").waitFor({ timeout: 60_000 });
    const shown = await cell.locator("[data-testid=metrics] td[data-metric]").evaluateAll((tds) =>
      Object.fromEntries(tds.map((td) => [td.getAttribute("data-metric")!, td.getAttribute("data-value")!])));

    // the same source, from the hub, run in Node
    const source = (await hubCells()).find((c) => c.kind === "strategy")!.source;
    const t = transpileStrategy(source);
    if (!t.ok) throw new Error(t.problems[0]!.message);
    const file = join(tmp, "strategy.mjs");
    await writeFile(file, t.code);
    const definition = (await import(pathToFileURL(file).href)).default;
    const bars: BarSeries = await readBars(site.sampleParquet, { symbol: "SYN-A" });
    const ref = runBacktest({ bars, strategy: defineStrategy(definition), params: {}, cash: 100_000, commission: 0.001 });
    expect(ref.trades.length).toBeGreaterThan(0);
    expect(Object.keys(shown).length).toBeGreaterThan(10);
    for (const [key, value] of Object.entries(shown)) expect([key, value]).toEqual([key, String(ref.metrics[key as keyof typeof ref.metrics])]);
    await cell.screenshot({ path: join(OUT, "notebook-strategy.png") });

    // bob has the cell too, and gets the same numbers from his own run
    await expect.poll(() => cellOfKind(b, "strategy").count(), { timeout: 20_000 }).toBe(1);
    const cellB = cellOfKind(b, "strategy").first();
    await expect.poll(() => cellB.getByTestId("bt-symbol").inputValue(), { timeout: 30_000 }).toBe("SYN-A");
    await cellB.getByTestId("backtest").click();
    await cellB.getByTestId("bt-summary").waitFor({ timeout: 60_000 });
    expect(await cellB.locator("[data-testid=metrics] td[data-metric=finalEquity]").getAttribute("data-value")).toBe(String(ref.metrics.finalEquity));
  });

  it("a markdown cell renders (raw HTML shown as text) and re-renders on edit, on both pages", async () => {
    await a.getByTestId("add-markdown").click();
    await typeInto(a, lastCell(a), "# Findings\n\nEvery symbol has **the same** number of bars. <img src=x onerror=alert(1)>");
    await lastCell(a).getByTestId("cell-edit").click();
    await expect.poll(() => lastCell(b).locator("[data-testid=markdown] h1").innerText(), { timeout: 20_000 }).toBe("Findings");
    const md = lastCell(b).getByTestId("markdown");
    expect(await md.locator("strong").innerText()).toBe("the same");
    expect(await md.locator("img").count()).toBe(0);
    expect(await md.innerText()).toContain("<img src=x onerror=alert(1)>");
    await lastCell(b).getByTestId("cell-edit").click();
    await typeInto(b, lastCell(b), "# Findings, revised");
    await expect.poll(() => lastCell(a).locator("[data-testid=markdown] h1").innerText(), { timeout: 20_000 }).toBe("Findings, revised");
  });

  it("a JavaScript cell draws with Plot from an SQL cell's result", async () => {
    await a.getByTestId("add-js").click();
    await typeInto(a, lastCell(a), "Plot.barY(sql1, { x: \"symbol\", y: \"n\" }).plot({ height: 160 })");
    await expect.poll(() => lastCell(a).locator("[data-testid=cell-value] svg").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => lastCell(b).locator("[data-testid=cell-value] svg").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shoot(a, "notebook-full.png");
  });

  it("moving and deleting cells reaches the other page; outputs stay with their cells", async () => {
    const ids = () => cells(b).evaluateAll((els) => els.map((e) => e.getAttribute("data-cell-id")));
    const before = await cells(a).evaluateAll((els) => els.map((e) => e.getAttribute("data-cell-id")));
    await cells(a).nth(1).getByTestId("cell-up").click();
    await expect.poll(ids, { timeout: 20_000 }).toEqual([before[1], before[0], ...before.slice(2)]);
    expect(await defined(cellOfKind(a, "js").first(), "total")).toBe(String(counts.get("SYN-A")));
    await cells(a).nth(0).getByTestId("cell-down").click();
    await expect.poll(ids, { timeout: 20_000 }).toEqual(before);
    // delete the cell reading the failed one
    await cells(a).nth(4).getByTestId("cell-delete").click();
    await expect.poll(ids, { timeout: 20_000 }).toEqual([...before.slice(0, 4), ...before.slice(5)]);
  });

  it("the hub holds the cells and writes the notebook's markdown page", async () => {
    const held = await hubCells();
    expect(held.map((c) => c.kind)).toEqual(["sql", "js", "js", "js", "strategy", "markdown", "js"]);
    expect(held[0]).toMatchObject({ source: QUERY_A, name: "sql1" });
    expect(held[1]!.source).toBe(JS);
    const page = join(tmp, "notebooks", `${SLUG}.md`);
    await expect.poll(async () => (await readFile(page, "utf8").catch(() => "")), { timeout: 20_000 }).toContain(JSON.stringify(QUERY_A));
  });

  it("says clearly when there is no token, and when the hub refuses one", async () => {
    const third = await launchChromium();
    browsers.push(third);
    const none = await open(third, undefined);
    await expect.poll(() => none.getByTestId("hub-notice").getAttribute("data-kind"), { timeout: 30_000 }).toBe("no-token");
    expect(await none.getByTestId("hub-notice").innerText()).toMatch(/No token: .*\?token=YOUR_TOKEN/);
    expect(await none.getByTestId("collab-status").innerText()).toMatch(/this browser only/);
    const refused = await open(third, undefined, "&token=not-a-known-token-0123456789");
    await expect.poll(() => refused.getByTestId("hub-notice").getAttribute("data-kind"), { timeout: 30_000 }).toBe("refused");
    expect(await refused.getByTestId("hub-notice").innerText()).toMatch(/refused the connection: unknown token \(code 4401\)/);
    expect(await refused.getByTestId("collab-status").innerText()).toMatch(/refused by the hub/);
    await shoot(refused, "notebook-refused.png", false);

    // a read-only user sees the notebook and runs it, but cannot change it
    const reader = await open(third, "reader");
    await expect.poll(() => reader.getByTestId("nb-role").innerText(), { timeout: 30_000 }).toBe("reader: read-only");
    await expect.poll(() => cells(reader).count(), { timeout: 20_000 }).toBe(7);
    expect(await reader.getByTestId("add-sql").isDisabled()).toBe(true);
    expect(await cells(reader).first().getByTestId("cell-delete").isDisabled()).toBe(true);
    expect(await cells(reader).first().locator(".cm-content").getAttribute("contenteditable")).toBe("false");
    await expect.poll(() => defined(cellOfKind(reader, "js").first(), "total"), { timeout: 60_000 }).toBe(String(counts.get("SYN-A")));
    await shoot(reader, "notebook-readonly.png", false);
  });

  it("opens from this browser's copy when the hub is gone", async () => {
    await hub.close();
    await a.reload();
    await expect.poll(() => cells(a).count(), { timeout: 30_000 }).toBe(7);
    expect(await a.getByTestId("collab-status").getAttribute("data-state")).toBe("offline");
    await expect.poll(() => defined(cellOfKind(a, "js").first(), "total"), { timeout: 60_000 }).toBe(String(counts.get("SYN-A")));
  });

  it("made no request outside 127.0.0.1 and raised no page error", () => {
    for (const br of browsers) {
      expect(br.blocked).toEqual([]);
      expect(br.requests.filter((u) => !/^(https?|wss?):\/\/127\.0\.0\.1(:\d+)?\//.test(u) && !/^(data|blob|about):/.test(u))).toEqual([]);
    }
    expect(pageErrors).toEqual([]);
  });
});
