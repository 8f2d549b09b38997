/**
 * The Compare page (src/compare.md) in the built site, against the real hub on 127.0.0.1: two
 * named versions of a strategy (written by a Node Yjs client, saved through the hub's API) are
 * shown as a side-by-side line diff with the change in their parameter values, beside both
 * backtests, whose metrics are runBacktest's in Node on the same module text; pasted code with a
 * syntax error is refused at its line while the page stays usable.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { runBacktest, type BacktestResult } from "../../engine/backtest.ts";
import { readBars } from "../../engine/node/readBars.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { diffLines, diffStats, sideBySide } from "../../src/components/lineDiff.ts";
import { TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, ROOT, type OpenedSite } from "../helpers/builtSite.ts";
import { startTestHub, type TestHub } from "../helpers/testHub.ts";

const DOC = `cmp-${Date.now().toString(36)}`;
const V1 = TEMPLATES[0]!.source(DOC);
const V2 = V1.replace("ctx.sma(p.period)", "ctx.ema(p.period)").replace("moving average, flat", "exponential average, flat")
  .replace("    if (!s.sma.ready) return;\n", "    if (!s.sma.ready) return;\n    if (ctx.volume === 0) return;\n");

let hub: TestHub | undefined;
let hubDir = "";
let opened: OpenedSite | undefined;
let page: Page;

async function api(path: string, init: RequestInit = {}) {
  const res = await fetch(`${hub!.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${hub!.tokens.carol}`, "content-type": "application/json" } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Writes `source` and `params` into the document through a Node Yjs client, and waits until the hub has them. */
async function write(source: string, params: Record<string, number>) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(hub!.wsUrl, `strategy/${DOC}`, doc, { WebSocketPolyfill: WebSocket as never, params: { token: hub!.tokens.carol! } });
  try {
    await new Promise<void>((resolve) => provider.once("sync", () => resolve()));
    doc.transact(() => {
      const text = doc.getText("source");
      text.delete(0, text.length);
      text.insert(0, source);
      const map = doc.getMap("params");
      for (const [k, v] of Object.entries(params)) map.set(k, v);
    });
    // the hub has it once its API shows it (beforeAll cannot use expect.poll)
    for (let i = 0; ; i++) {
      const stored = await api(`/api/docs/strategy/${DOC}`).catch(() => undefined);
      if ((stored?.content as { source?: string } | undefined)?.source === source) break;
      if (i === 200) throw new Error("the hub never got the strategy's source");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

/** runBacktest in Node on SYN-A with the module text the page runs. */
async function nodeRun(source: string, params: Record<string, unknown>): Promise<BacktestResult> {
  const t = transpileStrategy(source);
  if (!t.ok) throw new Error("does not transpile");
  const module = (await import(`data:text/javascript,${encodeURIComponent(t.code)}`)) as { default: Parameters<typeof defineStrategy>[0] };
  const bars = await readBars(opened!.site.sampleParquet, { symbol: "SYN-A" });
  return runBacktest({ bars, strategy: defineStrategy(module.default), params, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
}

/** The metrics of run `n` (1 = A, 2 = B) in the comparison table. */
function shown(n: number): Promise<Record<string, string>> {
  return page.locator(`[data-testid=compare-metrics] td[data-run='${n}'][data-metric]`).evaluateAll((cells) =>
    Object.fromEntries(cells.map((c) => [c.getAttribute("data-metric")!, c.getAttribute("data-value")!])));
}
/** Equal to Node's, to the last digit but for the two Math.pow metrics (see editor.test.ts). */
function expectNodeMetrics(values: Record<string, string>, ref: BacktestResult) {
  expect(Object.keys(values).length).toBeGreaterThan(15);
  for (const [key, value] of Object.entries(values)) {
    const want = ref.metrics[key as keyof typeof ref.metrics];
    if (key === "cagr" || key === "calmar") expect(Math.abs(Number(value) - want), key).toBeLessThanOrEqual(1e-14 * Math.abs(want));
    else expect([key, value]).toEqual([key, String(want)]);
  }
}

beforeAll(async () => {
  hubDir = await mkdtemp(join(tmpdir(), "qw-compare-hub-"));
  hub = await startTestHub(hubDir, ["carol"]);
  await write(V1, { period: 40 });
  await api(`/api/docs/strategy/${DOC}/versions`, { method: "POST", body: JSON.stringify({ name: "first" }) });
  await write(V2, { period: 20 });
  await api(`/api/docs/strategy/${DOC}/versions`, { method: "POST", body: JSON.stringify({ name: "ema" }) });
  opened = await openBuiltSite("qw-compare-versions-",
    `/compare?a=${DOC}@1&b=${DOC}@2&hub=${encodeURIComponent(hub.wsUrl)}&token=${hub.tokens.carol}`);
  page = opened.page;
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  await opened?.close();
  await hub?.close();
  if (hubDir) await rm(hubDir, { recursive: true, force: true });
});

describe("comparing two versions of a strategy (built site, real hub, network off)", () => {
  it("lists the hub's versions and compares the two named in the link at once", async () => {
    await expect.poll(() => page.getByTestId("compare-status").innerText(), { timeout: 60_000 }).toBe("done");
    for (const side of ["a", "b"]) {
      const options = await page.getByTestId(`${side}-version`).locator("option").allInnerTexts();
      expect(options.map((o) => o.replace(/ · \d{4}-.*$/, ""))).toEqual(["as it is now", "version 2 “ema” · carol", "version 1 “first” · carol"]);
    }
    expect(await page.getByTestId("a-version").inputValue()).toBe("1");
    expect(await page.getByTestId("b-version").inputValue()).toBe("2");
  });

  it("shows the source diff side by side, as diffLines gives it, and the change in parameter values", async () => {
    const ops = diffLines(V1, V2);
    const stats = diffStats(ops);
    expect([stats.deleted, stats.inserted]).toEqual([2, 3]);
    const diff = page.getByTestId("diff");
    expect([await diff.getAttribute("data-deleted"), await diff.getAttribute("data-inserted"), await diff.getAttribute("data-same")])
      .toEqual([String(stats.deleted), String(stats.inserted), String(stats.same)]);
    const kinds = sideBySide(ops).map((r) => r.kind).filter((k) => k !== "same");
    expect(await page.locator("[data-testid=diff] tbody tr:not([data-kind=same]):not([data-kind=fold])").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")))).toEqual(kinds);
    // the changed part of a changed line is marked on each side: sma → ema differ in their first letter
    const row = page.locator("[data-testid=diff] tr[data-kind=changed]", { hasText: "ctx.ema" });
    expect(await row.locator("td[data-side=a] mark").innerText()).toBe("s");
    expect(await row.locator("td[data-side=b] mark").innerText()).toBe("e");
    const described = page.locator("[data-testid=diff] tr[data-kind=changed]", { hasText: "exponential" });
    expect(await described.locator("td[data-side=a] mark").innerText()).toBe("moving");
    expect(await described.locator("td[data-side=b] mark").innerText()).toBe("exponential");
    expect(await row.locator("td.qw-diff-num[data-side=b]").innerText()).toBe(String(V2.split("\n").findIndex((l) => l.includes("ctx.ema")) + 1));
    expect(await page.locator("[data-testid=diff] tr[data-kind=inserted] td[data-side=b].qw-diff-text").innerText()).toBe("    if (ctx.volume === 0) return;");
    expect(await page.getByTestId("params-diff").innerText()).toBe("Parameter values: period 40 → 20");
    // a fold opens on a click and shows the lines it hid
    const folds = page.locator("[data-testid=diff] tr[data-kind=fold]");
    const before = await page.locator("[data-testid=diff] tbody tr").count();
    await folds.first().click();
    expect(await page.locator("[data-testid=diff] tbody tr").count()).toBeGreaterThan(before);
  });

  it("backtests both with the values each version holds: metrics equal runBacktest's in Node, equity overlaid", async () => {
    const a = await nodeRun(V1, { period: 40 });
    const b = await nodeRun(V2, { period: 20 });
    expect(a.metrics.finalEquity).not.toBe(b.metrics.finalEquity);
    expectNodeMetrics(await shown(1), a);
    expectNodeMetrics(await shown(2), b);
    expect(await page.locator("[data-testid=compare-chart] g.qw-equity path").count()).toBe(2);
    const heads = await page.locator("[data-testid=compare-metrics] thead th[data-run]").allInnerTexts();
    expect(heads[0]).toContain(`A · ${DOC} · version 1 “first” · period=40 allocation=0.5 · SYN-A`);
    expect(heads[1]).toContain(`B · ${DOC} · version 2 “ema” · period=20 allocation=0.5 · SYN-A`);
    await mkdir(join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-output", "compare-versions.png"), fullPage: true });
  });

  it("refuses pasted code with a syntax error at its line, keeps the page usable, then compares pasted code", async () => {
    await page.getByTestId("b-mode-code").check();
    const broken = V2.replace("if (ctx.volume === 0) return;", "if (ctx.volume === 0 return;");
    await page.getByTestId("b-code").fill(broken);
    await page.getByTestId("compare").click();
    await expect.poll(() => page.getByTestId("compare-status").innerText(), { timeout: 30_000 }).toBe("done, with problems");
    const line = broken.split("\n").findIndex((l) => l.includes("ctx.volume === 0 return")) + 1;
    expect(await page.getByTestId("b-run-error").innerText()).toMatch(new RegExp(`^B could not run: line ${line}: syntax: Unexpected token`));
    expect(await page.getByTestId("diff").getAttribute("data-inserted")).toBe("3");
    expect(await page.locator("[data-testid=compare-chart]").count()).toBe(0);

    await page.getByTestId("b-code").fill(V2);
    await page.getByTestId("compare").click();
    await expect.poll(() => page.getByTestId("compare-status").innerText(), { timeout: 30_000 }).toBe("done");
    expect(await page.getByTestId("b-run-error").count()).toBe(0);
    // pasted code holds no parameter values: it runs with its defaults
    expectNodeMetrics(await shown(2), await nodeRun(V2, {}));
    expect(await page.getByTestId("params-diff").innerText()).toBe("Parameter values: period 40 → default");
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(opened!.browser.blocked).toEqual([]);
    expect(opened!.browser.requests.filter((url) => !/^(https?|wss?):\/\/127\.0\.0\.1:\d+\//.test(url) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
