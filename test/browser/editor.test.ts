/**
 * The strategy editor (src/editor.md) in the built site: two Chromiums (separate profiles, so two
 * people) open the same strategy through the real hub (engine/node/hub/) on 127.0.0.1. Each sees
 * the other's edit and caret with their name; the parameter values are shared; both run the
 * backtest and show the same metrics, those of runBacktest in Node on the same module text. A
 * syntax error is a diagnostic at its line (on both pages), a loop that never ends is stopped by
 * the watchdog at its line and the next run completes, and an edit made offline (kept in
 * IndexedDB across a reload) reaches the other person when the network is back.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest, type BacktestResult } from "../../engine/backtest.ts";
import { colourFor } from "../../engine/node/hub/hubUsers.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";
import { TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { launchChromium, type Browser } from "../helpers/chromium.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, ROOT, type OpenedSite } from "../helpers/builtSite.ts";
import { networkLink, startTestHub, type NetworkLink, type TestHub } from "../helpers/testHub.ts";

const DOC = `e2e-${Date.now().toString(36)}`;
const OUT = join(ROOT, "test-output");

let opened: OpenedSite | undefined;
let hub: TestHub | undefined;
let hubDir = "";
let aliceLink: NetworkLink | undefined;
let bobBrowser: Browser | undefined;
let alice: Page;
let bob: Page;
const pageErrors: string[] = [];

const editorUrl = (url: string, name: string, token: string, color: string) =>
  `/editor?doc=${DOC}&hub=${encodeURIComponent(url)}&token=${token}&name=${name}&color=${encodeURIComponent(color)}`;

/** The editor's text as shown (remote carets, which carry a name, left out). */
function editorText(page: Page): Promise<string> {
  return page.locator("[data-testid=strategy-editor] .cm-content").evaluate((content) =>
    [...content.querySelectorAll(".cm-line")].map((line) => {
      const copy = line.cloneNode(true) as HTMLElement;
      for (const w of copy.querySelectorAll(".cm-ySelectionCaret, .cm-widgetBuffer")) w.remove();
      return copy.textContent;
    }).join("\n"));
}
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

/**
 * Every metric equals Node's to the last digit, except CAGR and Calmar (CAGR / max drawdown):
 * they go through Math.pow, which is not correctly rounded, and Chromium's V8 and Node 20's
 * differ by an ulp on about one input in ten (an ulp of the power, near 1, is a few of CAGR's once
 * 1 is subtracted); those two must agree to 1e-14, relatively.
 */
function expectNodeMetrics(shown: Record<string, string>, ref: BacktestResult) {
  expect(Object.keys(shown).length).toBeGreaterThan(15);
  for (const [key, value] of Object.entries(shown)) {
    const want = ref.metrics[key as keyof typeof ref.metrics];
    if (key === "cagr" || key === "calmar") expect(Math.abs(Number(value) - want), key).toBeLessThanOrEqual(1e-14 * Math.abs(want));
    else expect([key, value]).toEqual([key, String(want)]);
  }
}
/** The strategy's source as the hub holds it. */
async function hubSource(): Promise<{ source: string; params: Record<string, unknown> }> {
  const res = await fetch(`${hub!.httpUrl}/api/docs/strategy/${DOC}`, { headers: { authorization: `Bearer ${hub!.tokens.alice}` } });
  const body = (await res.json()) as { content: { source: string; params: Record<string, unknown> } };
  return body.content;
}
/** Puts the cursor at the end of line `n` (1-based) and types `text`. */
async function typeAtEndOfLine(page: Page, n: number, text: string) {
  await page.locator("[data-testid=strategy-editor] .cm-line").nth(n - 1).click();
  await page.keyboard.press("End");
  await page.keyboard.type(text);
}
/** Replaces the whole text of the editor. */
async function replaceAll(page: Page, text: string) {
  await page.locator("[data-testid=strategy-editor] .cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}
async function shownMetrics(page: Page): Promise<Record<string, string>> {
  return page.locator("[data-testid=metrics] td[data-metric]").evaluateAll((cells) =>
    Object.fromEntries(cells.map((c) => [c.getAttribute("data-metric")!, c.getAttribute("data-value")!])));
}
/** runBacktest in Node on SYN-A with the very module text the page runs (transpiled the same way). */
async function nodeRun(source: string, params: Record<string, unknown>): Promise<BacktestResult> {
  const t = transpileStrategy(source);
  if (!t.ok) throw new Error(`does not transpile: ${t.problems.map((p) => p.message).join("; ")}`);
  const module = (await import(`data:text/javascript,${encodeURIComponent(t.code)}`)) as { default: Parameters<typeof defineStrategy>[0] };
  const bars = await readBars(opened!.site.sampleParquet, { symbol: "SYN-A" });
  return runBacktest({ bars, strategy: defineStrategy(module.default), params, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
}
/** How many updates this page's IndexedDB holds for the document. */
function storedUpdates(page: Page): Promise<number> {
  return page.evaluate((name) => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const count = open.result.transaction("updates").objectStore("updates").count();
      count.onsuccess = () => { resolve(count.result); open.result.close(); };
    };
  }), `qw-strategy/${DOC}`);
}

beforeAll(async () => {
  hubDir = await mkdtemp(join(tmpdir(), "qw-editor-hub-"));
  hub = await startTestHub(hubDir, ["alice", "bob"]);
  aliceLink = await networkLink(hub.hub.port);
  opened = await openBuiltSite("qw-editor-", editorUrl(aliceLink.wsUrl, "alice", hub.tokens.alice!, "#2563eb"));
  alice = opened.page;
  alice.on("pageerror", (e) => pageErrors.push(`alice: ${e.message}`));
  bobBrowser = await launchChromium();
  bob = await bobBrowser.context.newPage();
  bob.on("pageerror", (e) => pageErrors.push(`bob: ${e.message}`));
  await bob.goto(`${opened.server.origin}${editorUrl(hub.wsUrl, "bob", hub.tokens.bob!, "#dc2626")}`);
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await bobBrowser?.close();
  await opened?.close();
  await aliceLink?.close();
  await hub?.close();
  if (hubDir) await rm(hubDir, { recursive: true, force: true });
});

describe("two people editing one strategy in Chromium through the hub (built site, network off)", () => {
  it("both open it connected, see each other, and get the template once", async () => {
    for (const page of [alice, bob]) {
      await expect.poll(() => page.getByTestId("collab-status").getAttribute("data-state"), { timeout: 30_000 }).toBe("connected");
      await expect.poll(() => page.getByTestId("presence").getAttribute("data-names"), { timeout: 10_000 }).toMatch(/^(alice,bob|bob,alice)$/);
      await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 20_000 }).toBe(
        `✓ ${DOC}: 2 parameters · Long while the close is above its moving average, flat below it.`);
    }
    expect(await alice.getByTestId("presence").getAttribute("data-names")).toBe("alice,bob");
    // the name and colour are the hub's for the token
    expect(await alice.getByTestId("identity").innerText()).toBe("set by the hub for your token (can edit)");
    expect(await bob.getByTestId("user-color").inputValue()).toBe(colourFor("bob"));
    expect(await bob.getByTestId("presence").getAttribute("data-names")).toBe("bob,alice");
    const template = TEMPLATES[0]!.source(DOC);
    expect((await hubSource()).source).toBe(template);
    expect(await editorText(alice)).toBe(template);
    expect(await editorText(bob)).toBe(await editorText(alice));
    expect(pageErrors).toEqual([]);
  });

  it("each sees the other's edit and caret, with the other's name", async () => {
    await typeAtEndOfLine(alice, 1, " (alice)");
    await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain("browser's backtest worker. (alice)");
    await expect.poll(() => bob.locator("[data-testid=strategy-editor] .cm-ySelectionInfo").allInnerTexts(), { timeout: 10_000 }).toEqual(["alice"]);

    await typeAtEndOfLine(bob, 2, " (bob)");
    await expect.poll(() => editorText(alice), { timeout: 10_000 }).toContain("indicators and orders. (bob)");
    await expect.poll(() => alice.locator("[data-testid=strategy-editor] .cm-ySelectionInfo").allInnerTexts(), { timeout: 10_000 }).toEqual(["bob"]);
    // the caret is drawn in the other's colour: the one the hub gives that person
    expect(await alice.locator(".cm-ySelectionCaret").first().evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(rgb(colourFor("bob")));
    expect(await bob.locator(".cm-ySelectionCaret").first().evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(rgb(colourFor("alice")));

    await expect.poll(async () => (await hubSource()).source).toBe(await editorText(alice));
    expect(await editorText(bob)).toBe(await editorText(alice));

    // undo takes back one's own edit only; redo puts it back
    await alice.keyboard.press("Control+z");
    for (const page of [alice, bob]) {
      await expect.poll(() => editorText(page), { timeout: 10_000 }).not.toContain("(alice)");
      expect(await editorText(page)).toContain("indicators and orders. (bob)");
    }
    await alice.keyboard.press("Control+Shift+KeyZ");
    for (const page of [alice, bob]) await expect.poll(() => editorText(page), { timeout: 10_000 }).toContain("backtest worker. (alice)");
    await mkdir(OUT, { recursive: true });
    await alice.screenshot({ path: join(OUT, "editor-alice.png"), fullPage: true });
    await bob.locator("[data-testid=strategy-editor]").screenshot({ path: join(OUT, "editor-bob-cursor.png") });
  });

  it("shares the parameter values: both run and show the same metrics, those of runBacktest in Node", async () => {
    await alice.getByTestId("param-period").fill("30");
    await alice.getByTestId("param-period").dispatchEvent("change");
    await expect.poll(() => bob.getByTestId("param-period").inputValue(), { timeout: 10_000 }).toBe("30");
    await expect.poll(() => bob.getByTestId("run").isEnabled(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => alice.getByTestId("run").isEnabled(), { timeout: 60_000 }).toBe(true);
    for (const page of [alice, bob]) await page.getByTestId("run").click();
    for (const page of [alice, bob]) await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 60_000 }).toMatch(/^done in/);

    const { source, params } = await hubSource();
    expect(params).toEqual({ period: 30 });
    const ref = await nodeRun(source, params);
    expect(ref.metrics.numberOfTrades).toBeGreaterThan(5);
    const a = await shownMetrics(alice);
    expect(await shownMetrics(bob)).toEqual(a);
    expectNodeMetrics(a, ref);
    expect(await alice.getByTestId("result-summary").innerText()).toMatch(new RegExp(`^${DOC} period=30 allocation=0.5 on SYN-A`));
    await alice.screenshot({ path: join(OUT, "editor-run.png"), fullPage: true });
  });

  it("marks a syntax error at its line on both pages, and clears it when fixed", async () => {
    await typeAtEndOfLine(alice, 13, " +)");
    for (const page of [alice, bob]) {
      await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✗ line 13: syntax: Unexpected token/);
      expect(await page.locator("[data-testid=problems] li").evaluateAll((li) => li.map((l) => l.getAttribute("data-line")))).toEqual(["13"]);
      // the diagnostic underlines line 13 in the editor and marks its gutter
      await expect.poll(() => page.locator("[data-testid=strategy-editor] .cm-line:has(.cm-lintRange-error)").count()).toBe(1);
      const marked = await page.locator("[data-testid=strategy-editor] .cm-line:has(.cm-lintRange-error)").innerText();
      expect(marked).toContain("return { sma: ctx.sma(p.period) }; +)");
      expect(await page.locator("[data-testid=strategy-editor] .cm-lint-marker-error").count()).toBe(1);
    }
    await alice.locator("[data-testid=strategy-editor]").screenshot({ path: join(OUT, "editor-diagnostic.png") });
    // a run refuses, saying where
    await alice.getByTestId("run").click();
    await expect.poll(() => alice.getByTestId("run-error").innerText()).toMatch(/^Fix the code first: line 13: syntax: Unexpected token/);
    await alice.locator("[data-testid=strategy-editor] .cm-line").nth(12).click();
    await alice.keyboard.press("End");
    for (let i = 0; i < 3; i++) await alice.keyboard.press("Backspace");
    for (const page of [alice, bob]) {
      await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
      expect(await page.locator("[data-testid=problems] li").count()).toBe(0);
      expect(await page.locator("[data-testid=strategy-editor] .cm-lintRange-error").count()).toBe(0);
    }
  });

  it("completes the strategy API in the editor", async () => {
    await typeAtEndOfLine(alice, 16, " ctx.orderT");
    const options = alice.locator(".cm-tooltip-autocomplete li .cm-completionLabel");
    await expect.poll(() => options.allInnerTexts(), { timeout: 10_000 }).toEqual(["orderTargetPercent", "orderTargetQuantity"]);
    await expect(alice.locator(".cm-tooltip-autocomplete li[aria-selected] .cm-completionDetail").innerText()).resolves.toBe("(fraction, options?) → Order | undefined");
    await alice.locator("[data-testid=strategy-editor]").screenshot({ path: join(OUT, "editor-completion.png") });
    await alice.keyboard.press("Escape");
    for (let i = 0; i < " ctx.orderT".length; i++) await alice.keyboard.press("Backspace");
    await expect.poll(() => alice.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
  });

  it("stops a loop that never ends with the watchdog, at its line, and then runs again", async () => {
    const good = await editorText(alice);
    const endless = good.replace("if (!s.sma.ready) return;", "if (ctx.index === 500) for (;;) {}\n    if (!s.sma.ready) return;");
    const loopLine = endless.split("\n").findIndex((l) => l.includes("for (;;)")) + 1;
    await replaceAll(alice, endless);
    await expect.poll(() => alice.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
    await alice.getByTestId("watchdog").fill("2");
    await alice.getByTestId("run").click();
    await expect.poll(() => alice.getByTestId("run-status").innerText(), { timeout: 30_000 }).toBe("stopped by the watchdog");
    expect(await alice.getByTestId("run-error").innerText()).toMatch(new RegExp(
      `^Stopped by the watchdog: stopped: no progress for 2 s, probably an endless loop at line ${loopLine} \\(for \\(;;\\)\\)\\. The backtest worker was replaced`));
    expect(await alice.locator("[data-testid=problems] li").evaluateAll((li) => li.map((l) => l.getAttribute("data-line")))).toEqual([String(loopLine)]);
    await alice.locator("[data-testid=strategy-editor] .cm-line:has(.cm-lintRange-error)").waitFor();
    // the page stays usable: the previous results are still there, and a fixed strategy runs in a fresh worker
    expect(await alice.locator("[data-testid=metrics]").count()).toBe(1);
    await alice.screenshot({ path: join(OUT, "editor-watchdog.png"), fullPage: true });
    await replaceAll(alice, good);
    await expect.poll(() => alice.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
    await alice.getByTestId("run").click();
    await expect.poll(() => alice.getByTestId("run-status").innerText(), { timeout: 60_000 }).toMatch(/^done in/);
    expect(await alice.getByTestId("run-error").count()).toBe(0);
    await alice.getByTestId("watchdog").fill("5");
  });

  it("shows a throw in onBar at its line, with the results up to there", async () => {
    const good = await editorText(alice);
    const throwing = good.replace("if (!s.sma.ready) return;", 'if (ctx.index === 300) throw new Error("boom at 300"); if (!s.sma.ready) return;');
    await replaceAll(alice, throwing);
    await expect.poll(() => alice.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
    await alice.getByTestId("run").click();
    await expect.poll(() => alice.getByTestId("run-status").innerText(), { timeout: 30_000 }).toBe("stopped by an error");
    expect(await alice.getByTestId("run-error").innerText()).toMatch(/^The run stopped at line 16 \(\w+\): .*boom at 300.*\. The results below are those of the 30\d bars up to that point\.$/);
    expect(await alice.locator("[data-testid=problems] li").evaluateAll((li) => li.map((l) => l.getAttribute("data-line")))).toEqual(["16"]);
    expect(Number(await alice.getByTestId("result-summary").getAttribute("data-bars"))).toBeGreaterThan(299);
    await replaceAll(alice, good);
    await expect.poll(() => alice.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
    expect(await alice.locator("[data-testid=problems] li").count()).toBe(0);
  });

  it("says why the hub refuses a bad token, and the page still works on this browser's copy", async () => {
    const eve = await launchChromium();
    try {
      const page = await eve.context.newPage();
      await page.goto(`${opened!.server.origin}${editorUrl(hub!.wsUrl, "eve", "not-a-valid-token-at-all", "#9333ea")}`);
      await expect.poll(() => page.getByTestId("collab-status").innerText(), { timeout: 20_000 }).toBe("offline · refused by the hub (4401: unknown token)");
      // nothing of the shared document reached it: it starts from the template, in this browser only
      await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 20_000 }).toMatch(/^✓ /);
      expect(await editorText(page)).toBe(TEMPLATES[0]!.source(DOC));
      expect(await page.getByTestId("identity").innerText()).toBe("your name and caret colour, as the others see them");
      expect(eve.blocked).toEqual([]);
    } finally {
      await eve.close();
    }
    expect((await hubSource()).source).not.toContain("eve");
  });

  it("keeps an edit made offline across a reload and syncs it when the network is back", async () => {
    aliceLink!.cut();
    await expect.poll(() => alice.getByTestId("collab-status").getAttribute("data-state"), { timeout: 10_000 }).toBe("offline");
    await expect.poll(() => bob.getByTestId("presence").getAttribute("data-names"), { timeout: 40_000 }).toBe("bob");
    const before = await storedUpdates(alice);
    await typeAtEndOfLine(alice, 3, " // alice, offline");
    await expect.poll(() => storedUpdates(alice)).toBeGreaterThan(before);
    await typeAtEndOfLine(bob, 6, " // bob, meanwhile");
    await expect.poll(async () => (await hubSource()).source).toContain("// bob, meanwhile");
    expect((await hubSource()).source).not.toContain("alice, offline");

    // a reload while offline: the edit is still there, from this browser's IndexedDB
    await alice.reload();
    await expect.poll(() => editorText(alice), { timeout: 20_000 }).toContain('from "qw"; // alice, offline');
    expect(await alice.getByTestId("collab-status").getAttribute("data-state")).toBe("offline");
    await alice.screenshot({ path: join(OUT, "editor-offline.png"), fullPage: true });

    aliceLink!.restore();
    await expect.poll(() => alice.getByTestId("collab-status").getAttribute("data-state"), { timeout: 20_000 }).toBe("connected");
    for (const page of [alice, bob]) {
      await expect.poll(() => editorText(page), { timeout: 10_000 }).toContain('from "qw"; // alice, offline');
      await expect.poll(() => editorText(page)).toContain("name: \"" + DOC + "\", // bob, meanwhile");
    }
    expect(await editorText(alice)).toBe(await editorText(bob));
    await expect.poll(async () => (await hubSource()).source).toBe(await editorText(alice));
  });

  it("saves a named version on the hub, with a link to compare it", async () => {
    await alice.getByTestId("version-name").fill("after the offline edit");
    await alice.getByTestId("save-version").click();
    await expect.poll(() => alice.getByTestId("version-message").innerText(), { timeout: 10_000 })
      .toBe("Saved version 1 \"after the offline edit\". Compare it with the current code");
    expect(await alice.locator("[data-testid=version-message] a").getAttribute("href")).toBe(`./compare?a=${DOC}%401&b=${DOC}%40current`);
    const res = await fetch(`${hub!.httpUrl}/api/docs/strategy/${DOC}/versions`, { headers: { authorization: `Bearer ${hub!.tokens.bob}` } });
    const { versions } = (await res.json()) as { versions: { version: number; name: string; user: string }[] };
    expect(versions.map((v) => [v.version, v.name, v.user])).toEqual([[1, "after the offline edit", "alice"]]);
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    for (const browser of [opened!.browser, bobBrowser!]) {
      expect(browser.blocked).toEqual([]);
      expect(browser.requests.filter((url) => !/^(https?|wss?):\/\/127\.0\.0\.1:\d+\//.test(url) && !/^(data|blob):/.test(url))).toEqual([]);
    }
    expect(pageErrors).toEqual([]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
