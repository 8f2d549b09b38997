/**
 * Issue 7, promotion on the hub: POST /api/bundles stores a bundle only when the hub's own
 * backtest of its code and parameters (a child process) gives the metrics it records, and only
 * from its author; metrics that do not match, or code changed after the backtest, are refused
 * (422) and stored nowhere. An approval policy (global, per account) holds a bundle back until a
 * write user other than its author approves it; self-approval is refused. A bundle is written
 * once and never replaced; one damaged on disk is not served. Every step is in the audit log.
 * POST /api/reports publishes a run as a report spec.
 */
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bundle } from "../../engine/bundle.ts";
import { AuditLog } from "../../engine/node/hub/auditLog.ts";
import { BundleRegistry } from "../../engine/node/hub/bundleRegistry.ts";
import { metricDifferences, rerunBundle } from "../../engine/node/hub/bundleRerun.ts";
import { TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { editorBundle, type EditorBundleOptions } from "../helpers/testBundles.ts";
import { ROOT, startTestHub, tempDir, TOKENS, type TestHub } from "./hubHarness.ts";

const tmp = tempDir("hub-bundles-");
let hub: TestHub;
beforeAll(async () => {
  // a project for POST /api/reports to publish into: the engine (whose sources the report is pinned to) and package.json of this one
  mkdirSync(join(tmp.dir, "project"));
  for (const f of ["engine", "package.json"]) symlinkSync(join(ROOT, f), join(tmp.dir, "project", f));
  // every account needs one approval, but "paper" none
  hub = await startTestHub(tmp.dir, { policy: { requireApprovals: 1, accounts: { paper: { requireApprovals: 0 } } }, reportsRoot: join(tmp.dir, "project") });
});
afterAll(async () => {
  await hub.close();
  tmp.remove();
});

const NAME = "trend-1";
const SOURCE = TEMPLATES[0]!.source(NAME);
const PARAMS = { period: 24, allocation: 0.8 };

const bundleOf = (source: string, options: Partial<EditorBundleOptions> = {}): Promise<Bundle> => editorBundle(source, { params: PARAMS, ...options });

const rows = (event: string) => hub.api("GET", `/api/audit?event=${event}&limit=1000`, TOKENS.reader).then((r) => r.body.rows as Record<string, any>[]);

describe("promotion", () => {
  let accepted: Bundle;

  it("accepts a bundle whose metrics the hub's own backtest reproduces, from its author: 201 with the content's hash as id", async () => {
    accepted = await bundleOf(SOURCE);
    expect(accepted.content.backtest.metrics.numberOfTrades).toBeGreaterThan(5);
    const res = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: accepted.content });
    expect(res).toEqual({ status: 201, body: { id: accepted.id, created: true } });
    const got = await hub.api("GET", `/api/bundles/${accepted.id}`, TOKENS.reader);
    expect(got.status).toBe(200);
    expect({ id: got.body.id, content: got.body.content }).toEqual(accepted);
    expect(got.body).toMatchObject({ approvals: 0, approvedBy: [], required: 1, status: "awaiting-approval" });
    expect((await hub.api("GET", "/api/bundles", TOKENS.reader)).body).toEqual([
      { id: accepted.id, name: NAME, author: "alice", createdMs: accepted.content.createdMs, approvals: 0, status: "awaiting-approval" }]);
    expect(JSON.parse(readFileSync(join(hub.dataDir, "bundles", `${accepted.id}.json`), "utf8"))).toEqual(accepted);
    expect(await rows("bundle-promote")).toEqual([expect.objectContaining({ user: "alice", bundle: accepted.id, name: NAME, dataset: "sample-1h", symbols: ["SYN-A", "SYN-B"] })]);
  }, 60_000);

  it("refuses a bundle whose metrics are not its backtest's, naming each metric that differs; nothing is stored", async () => {
    const bad = await bundleOf(SOURCE, { edit: (c) => ({ ...c, backtest: { ...c.backtest, metrics: { ...c.backtest.metrics, sharpe: (c.backtest.metrics.sharpe ?? 0) + 0.5 } } }) });
    const res = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: bad.content });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe(`promotion refused: its metrics are not those of a backtest of this code with these parameters on sample-1h (run again on the hub): sharpe: recorded ${bad.content.backtest.metrics.sharpe}, re-run ${accepted.content.backtest.metrics.sharpe}`);
    expect((await hub.api("GET", `/api/bundles/${bad.id}`, TOKENS.reader)).status).toBe(404);
    expect(existsSync(join(hub.dataDir, "bundles", `${bad.id}.json`))).toBe(false);
    expect((await rows("bundle-refused")).at(-1)).toMatchObject({ user: "alice", bundle: bad.id, differences: [expect.stringMatching(/^sharpe: /)] });
  }, 60_000);

  it("refuses a bundle whose code was changed after the backtest its metrics come from", async () => {
    const edited = SOURCE.replace("ctx.close > s.sma.value", "ctx.close > s.sma.value * 1.002");
    expect(edited).not.toBe(SOURCE);
    const stale = await bundleOf(edited, { metricsOf: SOURCE });
    expect(stale.content.backtest.metrics).toEqual(accepted.content.backtest.metrics);
    const res = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: stale.content });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/^promotion refused: its metrics are not those of a backtest of this code .*numberOfTrades: recorded \d+, re-run \d+/);
    expect((await hub.api("GET", "/api/bundles", TOKENS.reader)).body.map((b: { id: string }) => b.id)).toEqual([accepted.id]);
    // the same with other parameters than those backtested
    const params = await bundleOf(SOURCE, { edit: (c) => ({ ...c, params: { ...c.params, period: 30 } }) });
    expect((await hub.api("POST", "/api/bundles", TOKENS.alice, { content: params.content })).status).toBe(422);
  }, 60_000);

  it("refuses a bundle promoted by someone else than its author, a reader, a malformed one, and one whose code fails", async () => {
    const asBob = await hub.api("POST", "/api/bundles", TOKENS.bob, { content: accepted.content });
    expect(asBob).toEqual({ status: 422, body: { error: `promotion refused: the bundle's author is "alice" but you are "bob": a bundle is promoted by the person who wrote it` } });
    expect((await hub.api("POST", "/api/bundles", TOKENS.reader, { content: accepted.content })).status).toBe(403);
    const malformed = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: { ...accepted.content, params: { period: 1 } } });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error).toMatch(/promotion refused: not a valid bundle: params: .*"period".*outside its range/);
    const throwing = await bundleOf(SOURCE, { edit: (c) => ({ ...c, strategy: { ...c.strategy, code: c.strategy.code.replace("return { sma: ctx.sma(p.period) };", "throw new Error(\"no data for me\");") } }) });
    const failed = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: throwing.content });
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatch(/^promotion refused: the hub could not run the bundle's backtest again: .*no data for me/);
    expect((await hub.api("POST", "/api/bundles", TOKENS.alice, { nope: 1 })).status).toBe(400);
  }, 60_000);

  it("never replaces a stored bundle: the same content again is 200 with the same id and nothing written", async () => {
    const file = join(hub.dataDir, "bundles", `${accepted.id}.json`);
    const before = statSync(file);
    const again = await hub.api("POST", "/api/bundles", TOKENS.alice, { content: accepted.content });
    expect(again).toEqual({ status: 200, body: { id: accepted.id, created: false } });
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(file).ino).toBe(before.ino);
    expect((await rows("bundle-promote")).length).toBe(1);
  });

  it("does not serve a bundle whose file was changed on disk (a hub started on it finds out)", async () => {
    const dir = join(tmp.dir, "damaged");
    const audit = new AuditLog(join(dir, "audit.jsonl"));
    const registry = new BundleRegistry({ dir, audit, datasetsDir: dir, rerun: async () => ({ ok: true, metrics: accepted.content.backtest.metrics }) });
    expect(await registry.promote(accepted.content, { name: "alice", role: "write", colour: "#000000" })).toEqual({ id: accepted.id, created: true });
    const file = join(dir, `${accepted.id}.json`);
    writeFileSync(file, readFileSync(file, "utf8").replace(`"period":24`, `"period":25`));
    const reopened = new BundleRegistry({ dir, audit, datasetsDir: dir });
    await expect(reopened.get(accepted.id)).rejects.toThrow(new RegExp(`the stored bundle ${accepted.id} is damaged and is not served: bundle ${accepted.id} does not match its id`));
    expect(await reopened.list()).toEqual([]);
    audit.close();
  });
});

describe("approvals", () => {
  let id: string;
  beforeAll(async () => {
    const bundle = await bundleOf(SOURCE, { params: { period: 48, allocation: 0.5 }, author: "bob" });
    id = bundle.id;
    expect((await hub.api("POST", "/api/bundles", TOKENS.bob, { content: bundle.content })).status).toBe(201);
  }, 60_000);

  it("holds a bundle back until a write user other than its author approves it, per the account's policy", async () => {
    expect((await hub.api("GET", `/api/bundles/${id}?account=main`, TOKENS.reader)).body).toMatchObject({ required: 1, approvals: 0, status: "awaiting-approval" });
    expect((await hub.api("GET", `/api/bundles/${id}?account=paper`, TOKENS.reader)).body).toMatchObject({ required: 0, status: "approved" });
    const self = await hub.api("POST", `/api/bundles/${id}/approve`, TOKENS.bob);
    expect(self).toEqual({ status: 403, body: { error: `bob is the author of bundle ${id}: an approval must come from someone else` } });
    expect((await hub.api("POST", `/api/bundles/${id}/approve`, TOKENS.reader)).status).toBe(403);
    expect((await hub.api("GET", `/api/bundles/${id}?account=main`, TOKENS.reader)).body.status).toBe("awaiting-approval");
    expect(await hub.api("POST", `/api/bundles/${id}/approve`, TOKENS.carol)).toEqual({ status: 200, body: { id, approvals: 1 } });
    // once per person
    expect(await hub.api("POST", `/api/bundles/${id}/approve`, TOKENS.carol)).toEqual({ status: 200, body: { id, approvals: 1 } });
    expect((await hub.api("GET", `/api/bundles/${id}?account=main`, TOKENS.reader)).body).toMatchObject({ approvals: 1, approvedBy: ["carol"], status: "approved" });
    expect((await hub.api("GET", "/api/bundles", TOKENS.reader)).body.find((b: { id: string }) => b.id === id)).toMatchObject({ author: "bob", approvals: 1, status: "approved" });
    expect((await rows("bundle-approve")).map((r) => [r.user, r.bundle, r.approvals])).toEqual([["carol", id, 1]]);
    expect((await rows("bundle-refused")).filter((r) => r.reason === "self-approval").map((r) => [r.user, r.bundle])).toEqual([["bob", id]]);
    expect((await hub.api("POST", `/api/bundles/${"f".repeat(64)}/approve`, TOKENS.carol)).status).toBe(404);
  });

  it("audit-logs what a trader reports doing with a bundle", async () => {
    const res = await hub.api("POST", `/api/bundles/${id}/events`, TOKENS.reader, { event: "start", account: "main", mode: "paper" });
    expect(res).toEqual({ status: 200, body: { ok: true } });
    expect((await hub.api("POST", `/api/bundles/${id}/events`, TOKENS.reader, { event: "explode", account: "main" })).status).toBe(400);
    expect(await rows("bundle-event")).toEqual([expect.objectContaining({ user: "reader", bundle: id, action: "start", account: "main", mode: "paper" })]);
  });
});

describe("the re-run", () => {
  it("compares exactly, but CAGR and Calmar to 1e-12 relative (Math.pow differs by an ulp between Chromium and Node)", () => {
    expect(metricDifferences({ sharpe: 1, cagr: 0.1, calmar: 2, winRate: null }, { sharpe: 1, cagr: 0.1 * (1 + 5e-13), calmar: 2 * (1 - 5e-13), winRate: null })).toEqual([]);
    expect(metricDifferences({ sharpe: 1, cagr: 0.1 }, { sharpe: 1 + 1e-15, cagr: 0.1 * (1 + 1e-11) })).toEqual([`cagr: recorded 0.1, re-run ${0.1 * (1 + 1e-11)}`, `sharpe: recorded 1, re-run ${1 + 1e-15}`]);
    expect(metricDifferences({ trades: 3 }, { trades: 3, turnover: 1 })).toEqual(["turnover: recorded absent, re-run 1"]);
  });

  it("kills a backtest that never ends, and the hub is left unharmed", async () => {
    const looping = await bundleOf(SOURCE, { edit: (c) => ({ ...c, strategy: { ...c.strategy, code: c.strategy.code.replace("if (!s.sma.ready) return;", "for (;;) {}") } }) });
    const outcome = await rerunBundle(looping.content, { datasetsDir: tmp.dir, timeoutMs: 4000 });
    expect(outcome).toEqual({ ok: false, error: "the backtest did not finish within 4 s (an endless loop in the strategy?)" });
  }, 30_000);
});

describe("POST /api/reports", () => {
  it("publishes a run as a report spec (write role) and answers its page's path", async () => {
    const bundle = await bundleOf(SOURCE);
    const run = { dataset: "sample-1h", symbols: ["SYN-A"], strategy: NAME, source: bundle.content.strategy.code, params: PARAMS, commission: 0.001 };
    const res = await hub.api("POST", "/api/reports", TOKENS.alice, { title: "Trend on SYN-A", run });
    expect(res.body.error).toBeUndefined();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ path: `/reports/${res.body.id}`, file: `src/reports/specs/${res.body.id}.json`, created: true });
    expect(JSON.parse(readFileSync(join(tmp.dir, "project", res.body.file), "utf8"))).toMatchObject({ title: "Trend on SYN-A", dataset: "sample-1h", symbols: ["SYN-A"] });
    expect((await hub.api("POST", "/api/reports", TOKENS.reader, { title: "x", run })).status).toBe(403);
    const bad = await hub.api("POST", "/api/reports", TOKENS.alice, { title: "x", run: { ...run, symbols: ["NOPE"] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatch(/NOPE/);
    expect((await rows("report-publish")).map((r) => [r.user, r.report])).toEqual([["alice", res.body.id]]);
  }, 60_000);
});
