/**
 * A notebook edited in the browser appears as a markdown page in the built site, and that page
 * runs its cells with the live Notebook page's evaluator:
 * - the site builds with src/notebooks/ empty (or missing);
 * - alice, on the live Notebook page of that build, adds a markdown cell, an SQL cell, two
 *   JavaScript cells (one reads the SQL result, one holds backticks, `${`, `</div>`, `</script>`)
 *   a strategy cell she backtests, and a JavaScript cell that throws;
 * - the real hub, on 127.0.0.1, writes it to the REAL src/notebooks/<slug>.md (a slug of its own);
 * - a real `observable build` publishes it; served, the page /notebooks/<slug> shows the heading,
 *   the SQL counts DuckDB gives in Node, the JavaScript values, the error and the backtest metrics
 *   the live page showed;
 * - no request leaves 127.0.0.1. The page written into src/ is always deleted.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmdirSync, rmSync, mkdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../engine/node/hub/hubConfig.ts";
import { startHub, type Hub } from "../../engine/node/hub/hubServer.ts";
import { hashToken } from "../../engine/node/hub/hubUsers.ts";
import { notebookMarkdown, type NotebookCell } from "../../engine/node/hub/notebookMarkdown.ts";
import { withDuckDB } from "../../engine/node/withDuckDB.ts";
import { BUILD_TIMEOUT_MS, buildSite, ROOT, type BuiltSite } from "../helpers/builtSite.ts";
import { launchChromium, type Browser } from "../helpers/chromium.ts";
import { serveStatic, type StaticServer } from "../helpers/serveStatic.ts";

const TOKEN = "alice-publish-token-0123456789";
const SLUG = `ci-${randomBytes(4).toString("hex")}`;
const NOTEBOOKS = join(ROOT, "src", "notebooks");
const PAGE = join(NOTEBOOKS, `${SLUG}.md`);
const OUT = join(ROOT, "test-output");

const MARKDOWN = "# Published check\n\nRows per symbol from **SQL**, and their total from JavaScript. Written as ${1 + 1} and <b>not bold</b>: text, as on the live page.";
const QUERY = "select symbol, count(*) as n from data group by symbol order by symbol";
const JS = [
  "const total = sql1.array(\"n\").reduce((sum, x) => sum + Number(x), 0);",
  "const globals = [Plot, aq, qw, engine, sample, sql, bars, backtest, table, chart, inspect, el, metricsTable, equityChart, sma, runBacktest].map((g) => typeof g).join(\" \");",
  "const api = Object.keys(qw).length;",
].join("\n");
const BROKEN = "const broken = total * 2;\nthrow new Error(\"deliberate failure\");";
const TRICKY = "// ``` is not a fence here, </div> is not a tag, ${x} is not a placeholder\nconst tricky = `a ${\"<\"}/script> b`.length + \"</script>\".length;";

let tmp = "";
let folderExisted = true;
let live: BuiltSite;
let published: BuiltSite | undefined;
const servers: StaticServer[] = [];
let hub: Hub | undefined;
let browser: Browser;
const pageErrors: string[] = [];
/** Rows per symbol in the sample, counted by DuckDB in Node. */
let counts: Map<string, number>;
/** What the live page showed for each JavaScript value. */
const shown: Record<string, string | null> = {};
let liveMetrics: Record<string, string> = {};
let ids: { sql: string; js: string; tricky: string; strategy: string; broken: string };

/** Deletes the page this test made the hub write into src/, and the folder if the test made it. */
function removeWrittenPage(): void {
  rmSync(PAGE, { force: true });
  if (!folderExisted && existsSync(NOTEBOOKS) && readdirSync(NOTEBOOKS).length === 0) rmdirSync(NOTEBOOKS);
}

beforeAll(async () => {
  folderExisted = existsSync(NOTEBOOKS);
  // the first build sees the folder empty (other builds see it missing): neither may break the site
  if (!folderExisted) mkdirSync(NOTEBOOKS);
  tmp = await mkdtemp(join(tmpdir(), "qw-publish-"));
  live = await buildSite(join(tmp, "live"));
  servers.push(await serveStatic(live.dir));
  hub = await startHub({
    port: 0, dataDir: join(tmp, "hub-data"), notebooksDir: NOTEBOOKS, allowedOrigins: ["http://127.0.0.1"], notebookDebounceMs: 50,
    users: [{ name: "alice", role: "write" as const, colour: "#d9480f", tokenSha256: hashToken(TOKEN) }],
    limits: DEFAULT_LIMITS,
  });
  counts = await withDuckDB(async (db) => new Map((await db.runAndReadAll(
    `select symbol, count(*)::INTEGER as n from read_parquet('${live.sampleParquet.replace(/'/g, "''")}') group by symbol`)).getRowObjects()
    .map((r) => [String(r.symbol), Number(r.n)] as const)));
  browser = await launchChromium();
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await browser?.close();
  // the hub first: closing writes pending pages, and would write ours again were it gone
  await hub?.close();
  removeWrittenPage();
  for (const s of servers) await s.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${servers.at(-1)!.origin}${path}`);
  return page;
}

/** Types `text` into a cell's editor, replacing what it holds. */
async function typeInto(page: Page, cell: Locator, text: string): Promise<void> {
  await cell.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

/** The raw value a program cell shows for `name`. */
const defined = (cell: Locator, name: string) => cell.locator(`[data-testid=cell-defines] [data-name=${name}]`).getAttribute("data-value");

/** The symbol → n rows of the SQL result table in `scope`. */
const tableCounts = (scope: Locator) => scope.locator("[data-testid=result-table] tbody tr").evaluateAll((rows) =>
  rows.map((r) => [r.querySelector("[data-column=symbol]")?.getAttribute("data-value"), Number(r.querySelector("[data-column=n]")?.getAttribute("data-value"))]));

/** A backtest's metrics as its table shows them (raw values). */
const metricsOf = (scope: Locator) => scope.locator("[data-testid=metrics] td[data-metric]").evaluateAll((tds) =>
  Object.fromEntries(tds.map((td) => [td.getAttribute("data-metric")!, td.getAttribute("data-value")!])));

async function hubCells(): Promise<NotebookCell[]> {
  const res = await fetch(`${hub!.url}/api/docs/notebook/${SLUG}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) return [];
  return ((await res.json()) as { content: { cells: NotebookCell[] } }).content.cells;
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await page.mouse.move(1, 1);
  await page.screenshot({ path: join(OUT, name), fullPage: true });
}

describe("a notebook edited in the browser is published by the build, and runs there as it did live", () => {
  it("the site builds with src/notebooks/ empty: no notebook page, no error on the Notebook page", async () => {
    expect(live.files).toContain("/notebook.html");
    expect(live.files.filter((f) => f.startsWith(`/notebooks/${SLUG}`))).toEqual([]);
    expect(await readFile(join(live.dir, "notebook.html"), "utf8")).not.toContain("observablehq--error");
  });

  it("alice edits a notebook on the live Notebook page: markdown, SQL, and JavaScript reading the SQL", async () => {
    const page = await openPage(`/notebook?notebook=${SLUG}&hub=${encodeURIComponent(hub!.wsUrl)}&token=${TOKEN}&name=alice`);
    await page.locator("[data-testid=collab-status][data-state=connected]").waitFor({ timeout: 60_000 });
    const last = () => page.locator("[data-testid=cell]").last();

    await page.getByTestId("add-markdown").click();
    await typeInto(page, last(), MARKDOWN);
    await last().getByTestId("cell-edit").click();
    await page.getByTestId("add-sql").click();
    await typeInto(page, last(), QUERY);
    await page.getByTestId("add-js").click();
    await typeInto(page, last(), JS);
    await page.getByTestId("add-js").click();
    await typeInto(page, last(), TRICKY);
    await page.getByTestId("add-strategy").click();
    await page.getByTestId("add-js").click();
    await typeInto(page, last(), BROKEN);

    const cells = page.locator("[data-testid=cell]");
    const total = [...counts.values()].reduce((s, n) => s + n, 0);
    await expect.poll(() => defined(cells.nth(2), "total"), { timeout: 60_000 }).toBe(String(total));
    await expect.poll(() => defined(cells.nth(3), "tricky"), { timeout: 30_000 }).toBe("22");
    for (const name of ["total", "globals", "api"]) shown[name] = await defined(cells.nth(2), name);
    shown.tricky = await defined(cells.nth(3), "tricky");
    await expect.poll(() => cells.nth(5).getByTestId("cell-error").getAttribute("data-line"), { timeout: 30_000 }).toBe("2");
    shown.error = await cells.nth(5).getByTestId("cell-error").innerText();
    // the strategy cell (the editor's first template), backtested on the sample
    const strategy = cells.nth(4);
    await expect.poll(() => strategy.getByTestId("bt-symbol").inputValue(), { timeout: 30_000 }).toBe("SYN-A");
    await strategy.getByTestId("backtest").click();
    await strategy.getByTestId("bt-summary").waitFor({ timeout: 60_000 });
    liveMetrics = await metricsOf(strategy);
    expect(Object.keys(liveMetrics).length).toBeGreaterThan(10);
    expect(Number(liveMetrics.numberOfTrades)).toBeGreaterThan(0);
    expect(shown.globals?.split(" ")).toHaveLength(16);
    expect(shown.globals).not.toContain("undefined");
    expect(await tableCounts(cells.nth(1))).toEqual([...counts].sort(([a], [b]) => a.localeCompare(b)));
    expect(await cells.nth(0).getByTestId("markdown").innerText()).toContain("Written as ${1 + 1} and <b>not bold</b>");
    await shoot(page, "notebook-publish-live.png");
    await page.close();
  });

  it("the hub writes it to src/notebooks/<slug>.md, the page notebookMarkdown makes of the cells", async () => {
    let cells: NotebookCell[] = [];
    await expect.poll(async () => {
      cells = await hubCells();
      const text = await readFile(PAGE, "utf8").catch(() => "");
      return cells.length === 6 && text === notebookMarkdown(cells, { slug: SLUG });
    }, { timeout: 30_000 }).toBe(true);
    expect(cells.slice(0, 4).map((c) => [c.kind, c.source])).toEqual([["markdown", MARKDOWN], ["sql", QUERY], ["js", JS], ["js", TRICKY]]);
    expect(cells[4]!.kind).toBe("strategy");
    expect(cells[5]!.source).toBe(BROKEN);
    expect(cells[1]!.name).toBe("sql1");
    ids = { sql: cells[1]!.id, js: cells[2]!.id, tricky: cells[3]!.id, strategy: cells[4]!.id, broken: cells[5]!.id };
  });

  it("a real observable build publishes it as /notebooks/<slug>", async () => {
    try {
      published = await buildSite(join(tmp, "published"));
    } finally {
      // the page leaves src/ as soon as the build has it: other builds on this machine must not see it
      await hub?.close();
      hub = undefined;
      removeWrittenPage();
    }
    expect(published.files).toContain(`/notebooks/${SLUG}.html`);
    expect(existsSync(PAGE)).toBe(false);
    const html = await readFile(join(published.dir, "notebooks", `${SLUG}.html`), "utf8");
    expect(html).not.toContain("observablehq--error");
    servers.push(await serveStatic(published.dir));
  }, BUILD_TIMEOUT_MS + 30_000);

  it("the published page runs the cells with the live page's evaluator: same table, same values", async () => {
    expect(published, "the build above failed").toBeDefined();
    const page = await openPage(`/notebooks/${SLUG}`);
    const status = page.getByTestId("published-status");
    // every cell ran; the one that throws says so, in its box and in the status line
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 90_000 }).toBe("error");
    expect(await status.innerText()).toMatch(/^4 cells of this notebook run in your browser on the built-in hourly sample \(table data: [\d,]+ bars of SYN-A.*\): 1 failed \(cell \[6\]\), see below\. The strategy cell runs when you press its Backtest button\.$/);

    expect(await page.locator("main h1").first().innerText()).toBe("Published check");
    const note = await page.locator("main p", { hasText: "Written as" }).innerText();
    expect(note).toContain("Written as ${1 + 1} and <b>not bold</b>: text, as on the live page.");
    expect(await page.locator("main p b").count()).toBe(0);

    const box = (id: string) => page.locator(`[data-qw-cell="${id}"]`);
    expect(await box(ids.sql).getByTestId("result-size").getAttribute("data-rows")).toBe(String(counts.size));
    expect(await tableCounts(box(ids.sql))).toEqual([...counts].sort(([a], [b]) => a.localeCompare(b)));
    expect(await box(ids.sql).locator("[data-testid=quick-chart]").count()).toBe(1);
    for (const name of ["total", "globals", "api"]) expect([name, await defined(box(ids.js), name)]).toEqual([name, shown[name]]);
    expect(await defined(box(ids.tricky), "tricky")).toBe(shown.tricky);
    expect(await box(ids.broken).getByTestId("cell-error").getAttribute("data-line")).toBe("2");
    expect(await box(ids.broken).getByTestId("cell-error").innerText()).toBe(shown.error);
    expect(shown.error).toMatch(/Error at line 2: deliberate failure/);
    // each code cell's source is listed above its output, as written
    expect((await page.locator(`[data-cell-id="${ids.tricky}"] pre`).innerText()).trim()).toBe(TRICKY);
    // the strategy cell's Backtest (source transpiled in the page, run in the backtest worker) gives the live page's numbers
    const strategy = box(ids.strategy);
    await expect.poll(() => strategy.getByTestId("bt-symbol").inputValue(), { timeout: 30_000 }).toBe("SYN-A");
    await strategy.getByTestId("backtest").click();
    await strategy.getByTestId("bt-summary").waitFor({ timeout: 60_000 });
    expect(await metricsOf(strategy)).toEqual(liveMetrics);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    await shoot(page, "notebook-published.png");
  });

  it("made no request outside 127.0.0.1 and raised no page error", () => {
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.filter((u) => !/^(https?|wss?):\/\/127\.0\.0\.1(:\d+)?\//.test(u) && !/^(data|blob|about):/.test(u))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
