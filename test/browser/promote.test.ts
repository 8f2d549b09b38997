/**
 * Issue 7, "Promote" on the strategy editor (src/editor.md) in the built site, through the real
 * hub: off until a run of the current code and parameters finished; then the bundle the page
 * makes (Chromium's metrics, the sha256 of the sample file it loaded, the hub's name for the
 * token) is accepted by the hub, whose re-run in Node reproduces the metrics. A refusal is shown
 * as the hub words it and the page stays usable; an edit after the run turns Promote off again.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, openBuiltSite, ROOT, type OpenedSite } from "../helpers/builtSite.ts";
import { startTestHub, type TestHub } from "../helpers/testHub.ts";

const DOC = `promo-${Date.now().toString(36)}`;
const OUT = join(ROOT, "test-output");
let opened: OpenedSite | undefined;
let hub: TestHub | undefined;
let hubDir = "";
let page: Page;

const api = async (path: string) => (await fetch(`${hub!.httpUrl}${path}`, { headers: { authorization: `Bearer ${hub!.tokens.alice}` } })).json() as Promise<any>;
const message = () => page.getByTestId("promote-message").innerText();

beforeAll(async () => {
  hubDir = await mkdtemp(join(tmpdir(), "qw-promote-hub-"));
  hub = await startTestHub(hubDir, ["alice"]);
  opened = await openBuiltSite("qw-promote-", `/editor?doc=${DOC}&hub=${encodeURIComponent(hub.wsUrl)}&token=${hub.tokens.alice}&name=alice`);
  page = opened.page;
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await opened?.close();
  await hub?.close();
  if (hubDir) await rm(hubDir, { recursive: true, force: true });
});

describe("Promote on the strategy editor (built site, real hub)", () => {
  it("is off until the current code and parameters have been run", async () => {
    await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 30_000 }).toMatch(/^✓ /);
    await expect.poll(() => page.getByTestId("run").isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId("promote").isDisabled()).toBe(true);
    expect(await message()).toBe("Run the backtest first: a bundle is promoted with the run it was judged on.");
    await page.getByTestId("param-period").fill("30");
    await page.getByTestId("param-period").dispatchEvent("change");
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 60_000 }).toMatch(/^done in/);
    await expect.poll(() => page.getByTestId("promote").isEnabled()).toBe(true);
    expect(await message()).toMatch(new RegExp(`^Freezes this run of ${DOC} \\(code, parameters, metrics on the hourly sample\\)`));
  }, 120_000);

  it("shows the hub's refusal as it is worded, and stays usable", async () => {
    const refusal = "promotion refused: its metrics are not those of a backtest of this code (test)";
    await page.route("**/api/bundles", (route) => route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({ error: refusal }) }), { times: 1 });
    await page.getByTestId("promote").click();
    await expect.poll(message, { timeout: 30_000 }).toBe(`Not promoted: ${refusal}`);
    expect(await page.getByTestId("promote-message").getAttribute("class")).toBe("qw-bad");
    expect(await page.getByTestId("promote").isEnabled()).toBe(true);
  }, 60_000);

  it("promotes the run: the hub re-runs it in Node, gets Chromium's metrics and keeps the bundle under the id the page shows", async () => {
    await page.getByTestId("promote").click();
    await expect.poll(message, { timeout: 60_000 }).toMatch(/^Promoted: bundle [0-9a-f]{64}\. A trader runs it by this id\.$/);
    const id = await page.getByTestId("promote-id").innerText();
    const list = await api("/api/bundles");
    expect(list).toEqual([expect.objectContaining({ id, name: DOC, author: "alice", status: "approved" })]);
    const { content } = await api(`/api/bundles/${id}`);
    // what the page ran and showed
    expect(content.params).toEqual({ period: 30, allocation: 0.5 });
    expect(content.strategy.source).toContain(`name: "${DOC}"`);
    expect(content.backtest).toMatchObject({ dataset: { name: "sample-1h" }, symbols: ["SYN-A"], timeframe: "1h", cash: 100_000, commission: 0.001, slippageBps: 0, fillOnClose: false });
    const shown = await page.locator("[data-testid=metrics] td[data-metric]").evaluateAll((cells) =>
      Object.fromEntries(cells.map((c) => [c.getAttribute("data-metric")!, c.getAttribute("data-value")!])));
    expect(Object.keys(shown).length).toBeGreaterThan(15);
    for (const [key, value] of Object.entries(shown)) expect([key, String(content.backtest.metrics[key])]).toEqual([key, value]);
    // the dataset's hash is that of the very file the built site serves
    expect(content.backtest.dataset.sha256).toBe(createHash("sha256").update(await readFile(opened!.site.sampleParquet)).digest("hex"));
    await mkdir(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, "editor-promoted.png"), fullPage: true });
    await page.locator(".qw-ed-promote").screenshot({ path: join(OUT, "editor-promote-done.png") });
    // once: promoting the same run again would make a second bundle of it
    expect(await page.getByTestId("promote").isDisabled()).toBe(true);
  }, 120_000);

  it("turns off when the code changes after the run", async () => {
    await page.locator("[data-testid=strategy-editor] .cm-line").nth(0).click();
    await page.keyboard.press("End");
    await page.keyboard.type(" edited");
    await expect.poll(message, { timeout: 10_000 }).toBe("The code changed since the run: run it again to promote this code.");
    expect(await page.getByTestId("promote").isDisabled()).toBe(true);
    await page.locator(".qw-ed-promote").screenshot({ path: join(OUT, "editor-promote-off.png") });
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(opened!.browser.requests.filter((url) => !/^(https?|wss?):\/\/127\.0\.0\.1:\d+\//.test(url) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
