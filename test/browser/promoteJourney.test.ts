/**
 * Issue 7's journey, end to end, on the built site in Chromium with nothing but 127.0.0.1: a
 * strategy is edited in the browser editor, backtested and promoted through the real hub; a real
 * trader process (paper, against the local Binance simulator) is started on that bundle's id and
 * trades as the simulator's bars close; the Live monitor page shows what it runs and its orders,
 * and its live-versus-backtest report finds no drift on the simulator's data — also after a
 * notebook pushed new parameter values to the running trader. A promotion whose backtest does not
 * match is refused and the editor says so; a tampered bundle is refused by the trader, which the
 * monitor shows; Kill through the monitor asks for a reason and halts the trader.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSettings } from "../../engine/node/hub/hubConfig.ts";
import { startHub, type Hub } from "../../engine/node/hub/hubServer.ts";
import { createLogger } from "../../engine/node/live/logger.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";
import { TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { generatedMinutes } from "../fixtures/binanceData.ts";
import { startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import { BUILD_TIMEOUT_MS, openBuiltSite, ROOT, type OpenedSite } from "../helpers/builtSite.ts";
import { TOKEN, klinesSubscribed, startTrader, stepProcess, traderEnv, writeAccount, type AccountFolder, type TraderProcess } from "../live/traderProcess.ts";

const OUT = join(ROOT, "test-output");
const DOC = `journey-${Date.now().toString(36)}`;
const NOTEBOOK = `journey-push-${Date.now().toString(36)}`;
const ALICE = "alice-token-0123456789abcdef";
const T0 = Date.UTC(2024, 0, 1);
const START = T0 + 600 * 60_000;

let sim: BinanceSimulator;
let hub: Hub;
let hubDir = "";
let opened: OpenedSite | undefined;
let page: Page;
let trader: TraderProcess | undefined;
const folders: AccountFolder[] = [];
let controlPort = 0;
let bundleId = "";
let source = "";

/** A port nothing listens on now (taken, then given back): the trader is started on it later. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function hubGet(path: string): Promise<any> {
  const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${ALICE}` } });
  return res.json();
}

/** Takes a screenshot with the pointer out of the way. */
async function shoot(name: string): Promise<void> {
  await page.mouse.move(1, 1);
  await page.screenshot({ path: join(OUT, name), fullPage: true });
}

/** Closes bars at the simulator until the trader has at least `n` fills. */
async function stepUntilFills(n: number): Promise<unknown[]> {
  for (let i = 0; i < 400; i++) {
    const fills = (await trader!.api("/fills?limit=10000")).body as unknown[];
    if (fills.length >= n) return fills;
    await stepProcess(sim, trader!);
  }
  throw new Error(`the trader did not reach ${n} fills in 400 bars`);
}

const card = (account: string) => page.getByTestId(`account-${account}`);

/** Types `text` into a notebook cell's editor. */
async function typeInto(cell: Locator, text: string): Promise<void> {
  await cell.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  sim = await startBinanceSimulator({
    bars: { BTCUSDT: generatedMinutes(T0, T0 + 2 * 86_400_000) }, replay: { startMs: START },
    account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true },
  });
  controlPort = await freePort();
  hubDir = await mkdtemp(join(tmpdir(), "qw-journey-hub-"));
  await writeFile(join(hubDir, "hub.json"), JSON.stringify({
    traders: [
      { account: "sim", url: `http://127.0.0.1:${controlPort}`, tokenEnv: "QW_SIM_CONTROL_TOKEN" },
      { account: "tampered", url: `http://127.0.0.1:${await freePort()}`, tokenEnv: "QW_SIM_CONTROL_TOKEN" },
    ],
  }));
  hub = await startHub(resolveSettings({
    configFile: join(hubDir, "hub.json"), dataDir: join(hubDir, "data"), notebooksDir: join(hubDir, "notebooks"), port: 0, cwd: hubDir,
    env: { QW_HUB_TOKENS: `alice:write:${ALICE}`, QW_SIM_CONTROL_TOKEN: TOKEN },
  }), { log: createLogger({ sink: () => {}, fields: { service: "hub" } }) });
  opened = await openBuiltSite("qw-journey-", `/editor?doc=${DOC}&hub=${encodeURIComponent(hub.wsUrl)}&token=${ALICE}&name=alice`);
  page = opened.page;
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await trader?.stop("SIGKILL");
  await opened?.close();
  await hub?.close();
  await sim?.close();
  for (const f of folders) await rm(f.dir, { recursive: true, force: true });
  if (hubDir) await rm(hubDir, { recursive: true, force: true });
});

describe("edit → backtest → promote → the trader runs the bundle → monitor → no drift (built site, network off)", () => {
  it("edits the strategy in the browser editor and backtests it", async () => {
    await expect.poll(() => page.getByTestId("collab-status").getAttribute("data-state"), { timeout: 30_000 }).toBe("connected");
    await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 30_000 }).toMatch(/^✓ /);
    // the edit: the orders carry why they were made, which the trader journals and the drift report compares
    source = TEMPLATES[0]!.source(DOC)
      .replace("ctx.orderTargetPercent(ctx.params.allocation);", "ctx.orderTargetPercent(ctx.params.allocation, { tag: \"above\" });")
      .replace("ctx.orderTargetPercent(0);", "ctx.orderTargetPercent(0, { tag: \"below\" });");
    expect(source).toContain("tag: \"below\"");
    await page.locator("[data-testid=strategy-editor] .cm-content").click();
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText(source);
    await expect.poll(() => page.getByTestId("check-status").innerText(), { timeout: 10_000 }).toMatch(/^✓ /);
    await page.getByTestId("param-period").fill("10");
    await page.getByTestId("param-period").dispatchEvent("change");
    await expect.poll(() => page.getByTestId("run").isEnabled(), { timeout: 60_000 }).toBe(true);
    // promoting needs a run of exactly this code and these values
    expect(await page.getByTestId("promote").isDisabled()).toBe(true);
    await page.getByTestId("run").click();
    await expect.poll(() => page.getByTestId("run-status").innerText(), { timeout: 60_000 }).toMatch(/^done in/);
    await expect.poll(() => page.getByTestId("promote").isEnabled(), { timeout: 10_000 }).toBe(true);
  });

  it("refuses a promotion whose metrics are not its backtest's, and the page says so", async () => {
    // what a client sending another run's numbers would send: the hub runs the backtest again and compares
    await page.route(`${hub.url}/api/bundles`, async (route) => {
      const body = JSON.parse(route.request().postData() ?? "{}");
      body.content.backtest.metrics.sharpe += 0.25;
      await route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByTestId("promote").click();
    await expect.poll(() => page.getByTestId("promote-message").innerText(), { timeout: 60_000 }).toMatch(/^Not promoted: .*sharpe/i);
    expect(await page.getByTestId("promote-message").getAttribute("class")).toBe("qw-bad");
    await page.unroute(`${hub.url}/api/bundles`);
    expect((await hubGet("/api/bundles")).length).toBe(0);
  });

  it("promotes it: the hub keeps a bundle of exactly that code, those parameters and that backtest", async () => {
    await page.getByTestId("promote").click();
    await page.getByTestId("promote-id").waitFor({ timeout: 60_000 });
    bundleId = await page.getByTestId("promote-id").innerText();
    expect(bundleId).toMatch(/^[0-9a-f]{64}$/);
    await shoot("journey-promoted.png");
    const bundle = await hubGet(`/api/bundles/${bundleId}`);
    expect(bundle.id).toBe(bundleId);
    const t = transpileStrategy(source);
    if (!t.ok) throw new Error("the edited source does not transpile");
    expect(bundle.content.strategy.code).toBe(t.code);
    expect(bundle.content.params).toEqual({ period: 10, allocation: 0.5 });
    const shown = await page.locator("[data-testid=metrics] td[data-metric]").evaluateAll((cells) =>
      Object.fromEntries(cells.map((c) => [c.getAttribute("data-metric")!, c.getAttribute("data-value")!])));
    expect(Number(shown.numberOfTrades)).toBeGreaterThan(5);
    expect(bundle.content.backtest.metrics.numberOfTrades).toBe(Number(shown.numberOfTrades));
    expect(bundle.content.backtest.metrics.sharpe).toBe(Number(shown.sharpe));
  });

  it("a trader process started on the bundle's id runs that exact bundle, and trades as the bars close", async () => {
    const account = await writeAccount(sim, { mode: "paper", strategy: { bundle: bundleId, hub: hub.url }, control: { port: controlPort } });
    folders.push(account);
    trader = await startTrader(account, traderEnv(sim, { QW_SIM_HUB_TOKEN: ALICE }));
    await klinesSubscribed(sim);
    expect((await trader.api("/bundle")).body).toMatchObject({ id: bundleId });
    expect((await trader.api("/status")).body).toMatchObject({ mode: "paper", state: "running", strategy: DOC, params: { period: 10, allocation: 0.5 } });
    const fills = await stepUntilFills(4);
    expect(fills.length).toBeGreaterThanOrEqual(4);
  });

  it("the monitor page shows the bundle it runs and its orders, through the hub", async () => {
    await page.goto(`${opened!.server.origin}/monitor`);
    await expect.poll(() => card("sim").getByTestId("bundle-id").getAttribute("data-id"), { timeout: 30_000 }).toBe(bundleId);
    const orders = (await trader!.api("/orders?limit=20")).body as Array<{ createdMs: number; side: string; quantity: number; status: string; tag: string }>;
    expect(orders.length).toBeGreaterThanOrEqual(4);
    await expect.poll(() => card("sim").locator("[data-testid=orders] tbody tr").count(), { timeout: 10_000 }).toBe(orders.length);
    const rows = await card("sim").locator("[data-testid=orders] tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(rows.map((r) => [r[0], r[2], r[7], r[8]])).toEqual(orders.map((o) => [
      new Date(o.createdMs).toISOString().slice(0, 19).replace("T", " "), o.side, o.status, `strategy · ${o.tag}`]));
    expect(await card("sim").getByTestId("mode").innerText()).toBe("paper");
    expect(await card("sim").getByTestId("state").innerText()).toBe("running");
    expect(await card("sim").getByTestId("risk").innerText()).toBe("risk ACTIVE");
    expect(await card("sim").getByTestId("feed").innerText()).toMatch(/BTC\/USDT ok/);
    const status = (await trader!.api("/status")).body;
    expect(await card("sim").getByTestId("stat-equity").innerText()).toBe(status.equity.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    // the account whose trader is not there says so, and the page stays usable
    expect(await card("tampered").getAttribute("data-state")).toBe("unreachable");
  });

  it("the live-versus-backtest report finds no drift on the simulator's data, trade by trade", async () => {
    const fills = (await trader!.api("/fills?limit=10000")).body as unknown[];
    await card("sim").getByTestId("drift-run").click();
    await expect.poll(() => card("sim").getByTestId("drift-verdict").getAttribute("data-ok"), { timeout: 60_000 }).toBe("true");
    expect(await card("sim").getByTestId("drift-verdict").innerText()).toBe(`No drift: all ${fills.length} trades match the replay, price and time.`);
    expect(await card("sim").locator("[data-testid=drift-table] tbody tr[data-kind=match]").count()).toBe(fills.length);
    const api = await hubGet("/api/accounts/sim/drift");
    expect(api).toMatchObject({ account: "sim", bundle: bundleId, strategy: DOC });
    expect(api.report.summary).toMatchObject({ matches: fills.length, drifts: 0, missing: 0, extra: 0, maxPriceBps: 0 });
    expect(api.report.rows.every((r: any) => r.live.tag === r.replay.tag && /^(above|below)$/.test(r.live.tag))).toBe(true);
    await shoot("monitor.png");
  });

  it("a notebook pushes new parameter values to the running trader; a value out of range is the cell's error", async () => {
    await page.goto(`${opened!.server.origin}/notebook?notebook=${NOTEBOOK}`);
    await page.locator("[data-testid=collab-status][data-state=connected]").waitFor({ timeout: 60_000 });
    await page.getByTestId("add-js").click();
    await typeInto(page.locator("[data-testid=cell]").last(), "const pushed = await pushParams(\"sim\", { allocation: 0.25 });");
    await expect.poll(() => page.locator("[data-testid=cell]").last().locator("[data-testid=cell-defines] [data-name=pushed]").innerText(), { timeout: 30_000 })
      .toMatch(/allocation.*0\.25/);
    await page.getByTestId("add-js").click();
    await typeInto(page.locator("[data-testid=cell]").last(), "await pushParams(\"sim\", { allocation: 5 })");
    await expect.poll(() => page.locator("[data-testid=cell]").last().getByTestId("cell-error").innerText(), { timeout: 30_000 })
      .toMatch(/sim refused the parameters: .*allocation/);
    expect((await trader!.api("/status")).body.params).toEqual({ period: 10, allocation: 0.25 });
    await shoot("journey-notebook-push.png");

    // the trader trades on with the new allocation; the report replays the change at its bar and still finds no drift
    const before = ((await trader!.api("/fills?limit=10000")).body as unknown[]).length;
    const fills = await stepUntilFills(before + 2);
    const api = await hubGet("/api/accounts/sim/drift");
    expect(api.report.notes).toEqual(["1 parameter change was replayed at the bar it took effect"]);
    expect(api.report.summary).toMatchObject({ matches: fills.length, drifts: 0, missing: 0, extra: 0 });
  });

  it("a tampered bundle is refused by the trader before it connects, and the monitor shows that account down", async () => {
    const { id, content } = await hubGet(`/api/bundles/${bundleId}`);
    const account = await writeAccount(sim, { mode: "paper", strategy: { bundleFile: "tampered.json" }, control: { port: 0 } });
    folders.push(account);
    await writeFile(join(account.accounts, "tampered.json"), JSON.stringify({ id, content: { ...content, params: { ...content.params, allocation: 1 } } }));
    const refused = await startTrader(account, traderEnv(sim)).then(() => "started", (error: Error) => error.message);
    expect(refused).toMatch(/exited \(\{"code":2/);
    expect(refused).toMatch(new RegExp(`bundle ${id} does not match its id`));
    await page.goto(`${opened!.server.origin}/monitor`);
    await expect.poll(() => card("tampered").getByTestId("account-error").innerText(), { timeout: 30_000 }).toMatch(/^account tampered: the trader at .* cannot be reached/);
  });

  it("Kill on the monitor asks why, then halts the trader; the reason is in its audit log and the hub's", async () => {
    await card("sim").getByTestId("action-kill").click();
    await card("sim").getByTestId("kill-confirm").click();
    expect(await card("sim").getByTestId("action-message").innerText()).toMatch(/^say why/);
    expect((await trader!.api("/status")).body.killed).toBe(false);
    await card("sim").getByTestId("kill-reason").fill("journey over");
    await card("sim").getByTestId("kill-confirm").click();
    await expect.poll(() => card("sim").getAttribute("data-state"), { timeout: 15_000 }).toBe("halted");
    expect(await card("sim").getByTestId("killed").innerText()).toBe("killed");
    const audit = (await trader!.api("/audit?limit=10000")).body as Array<{ actor: string; action: string; details: any }>;
    expect(audit.find((e) => e.action === "kill")).toMatchObject({ actor: "api:hub:alice", details: { reason: "journey over" } });
    const hubRows = (await hubGet("/api/audit?event=account-action")).rows;
    expect(hubRows.map((r: any) => [r.user, r.account, r.action, r.status])).toContainEqual(["alice", "sim", "kill", 200]);
    await shoot("monitor-killed.png");
  });

  it("made no request outside 127.0.0.1 and threw no page error", () => {
    expect(opened!.browser.blocked).toEqual([]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
