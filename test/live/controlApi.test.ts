/**
 * Issue 5, test 9, and the control surface: the real trader process (live mode, on the
 * simulator) and its control API. Every route and the event stream refuse a request without the
 * token; with it, the reads answer, the actions act and are audited with who and when, /metrics
 * is Prometheus text, bad requests get 400 and change nothing, and neither the exchange keys nor
 * the token ever appear in a log line, an answer (errors included) or an event.
 */
import { rm } from "node:fs/promises";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedMinutes } from "../fixtures/binanceData.ts";
import { startBinanceSimulator, type BinanceSimulator } from "../fixtures/binanceSimulator.ts";
import {
  TOKEN, klinesSubscribed, startTrader, stepProcess, traderEnv, until, writeAccount, type AccountFolder, type ApiAnswer, type TraderProcess,
} from "./traderProcess.ts";

const T0 = Date.UTC(2024, 0, 1);
const START = T0 + 600 * 60_000;
const GETS = ["/status", "/positions", "/orders", "/fills", "/pnl", "/risk", "/audit", "/metrics"];
const POSTS = ["/pause", "/resume", "/kill", "/flatten", "/params", "/strategy/start", "/strategy/stop", "/strategy/restart"];

let sim: BinanceSimulator;
let account: AccountFolder;
let p: TraderProcess;
let events: WebSocket | undefined;
const eventTexts: string[] = [];

beforeAll(async () => {
  sim = await startBinanceSimulator({
    bars: { BTCUSDT: generatedMinutes(T0, T0 + 2 * 86_400_000) }, replay: { startMs: START },
    account: { balances: { USDT: 100_000, BTC: 0 } }, streams: { openNextKline: true },
  });
  account = await writeAccount(sim);
  p = await startTrader(account, traderEnv(sim));
  await klinesSubscribed(sim);
  events = new WebSocket(`${p.url.replace("http", "ws")}/events`, ["qw.events", `bearer.${TOKEN}`]);
  events.on("message", (d) => void eventTexts.push(String(d)));
  await until(() => eventTexts.length > 0, "the first event");
}, 120_000);

afterAll(async () => {
  events?.terminate();
  await p?.stop("SIGKILL");
  await sim?.close();
  if (account) await rm(account.dir, { recursive: true, force: true });
});

const step = (stopEarly?: () => boolean) => stepProcess(sim, p, stopEarly);
const audit = async () => (await p.api("/audit?limit=10000")).body as Array<{ seq: number; timeMs: number; actor: string; action: string; details: any }>;
const status = async () => (await p.api("/status")).body;

/** Opens /events and reports how the upgrade went: the HTTP status, and the first message when it opened. */
function tryEvents(path: string, protocols: string[] = [], headers: Record<string, string> = {}): Promise<{ status: number; protocol?: string; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${p.url.replace("http", "ws")}${path}`, protocols, { headers });
    ws.on("unexpected-response", (req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      req.destroy();
    });
    ws.on("message", (d) => {
      resolve({ status: 101, protocol: ws.protocol, first: String(d) });
      ws.close();
    });
    ws.on("error", (e) => { if (!/Unexpected server response/.test(e.message)) reject(e); });
  });
}

/** Prometheus text format 0.0.4, strictly: every sample's family has a TYPE, every line parses. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Array<{ name: string; labels: Record<string, string>; value: number }> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let m = new RegExp(`^# HELP (${NAME}) \\S.*$`).exec(line);
    if (m) { helps.add(m[1]!); continue; }
    m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|summary|histogram|untyped)$`).exec(line);
    if (m) { types.set(m[1]!, m[2]!); continue; }
    m = new RegExp(`^(${NAME})(?:\\{([^}]*)\\})? (\\S+)$`).exec(line);
    if (!m) throw new Error(`not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").split(",").filter((x) => x !== "")) {
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(l);
      if (!lm) throw new Error(`bad label ${l} in ${line}`);
      labels[lm[1]!] = lm[2]!;
    }
    const raw = m[3]!;
    const value = raw === "NaN" ? Number.NaN : raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    if (raw !== "NaN" && Number.isNaN(value)) throw new Error(`bad value in ${line}`);
    const family = types.has(m[1]!) ? m[1]! : m[1]!.replace(/_(sum|count|bucket)$/, "");
    if (!types.has(family) || !helps.has(family)) throw new Error(`no TYPE/HELP for ${m[1]}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples };
}

describe("the control API of the trader process", () => {
  it("refuses every route, and the event stream, without the token or with a wrong one (401), and says nothing about them", async () => {
    const wrong = [null, `x${TOKEN.slice(1)}`, "short", `${TOKEN}x`];
    const before = (await audit()).length;
    for (const path of [...GETS, "/nowhere"]) {
      for (const token of wrong) {
        const a = await p.api(path, { token });
        expect(a.status, `${path} with ${token}`).toBe(401);
        expect(a.body).toEqual({ error: "a valid bearer token is required" });
      }
    }
    for (const path of POSTS) {
      for (const token of wrong) expect((await p.api(path, { token, body: { reason: "x" } })).status).toBe(401);
    }
    // the token anywhere but the Authorization header does not count
    expect((await p.api(`/status?token=${TOKEN}`, { token: null })).status).toBe(401);
    expect((await p.api(`/${TOKEN}`, { token: null })).status).toBe(401);
    const basic = await fetch(`${p.url}/status`, { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` } });
    expect(basic.status).toBe(401);
    p.answers.push({ status: basic.status, text: await basic.text(), body: undefined });

    expect(await tryEvents("/events")).toEqual({ status: 401 });
    expect(await tryEvents("/events", ["qw.events", "bearer.wrong-token-of-some-length"])).toEqual({ status: 401 });
    expect(await tryEvents("/events", [], { authorization: "Bearer nope" })).toEqual({ status: 401 });
    expect(await tryEvents("/elsewhere")).toEqual({ status: 401 });
    const ok = await tryEvents("/events", ["qw.events", `bearer.${TOKEN}`]);
    expect(ok.status).toBe(101);
    expect(ok.protocol).toBe("qw.events"); // the token is not echoed back
    expect(JSON.parse(ok.first!).status.account).toBe("sim");
    eventTexts.push(ok.first!);
    expect((await tryEvents("/events", [], { authorization: `Bearer ${TOKEN}` })).status).toBe(101);

    expect((await audit()).length).toBe(before);
    expect((await status()).state).toBe("running");
  }, 60_000);

  it("answers status, positions, orders, fills, pnl, risk and audit with the token; /metrics is Prometheus text", async () => {
    // the exchange refuses the first order with a message that echoes the API key (some do)
    sim.faults.reject({ code: -1013, msg: `Filter failure: LOT_SIZE (account key ${sim.credentials.apiKey})` },
      { path: (r) => r.method === "POST" && r.path === "/api/v3/order" });
    for (let i = 0; i < 400 && sim.account.trades().length === 0; i++) await step();
    await until(async () => (await p.api("/fills")).body.length > 0, "the first fill is booked");
    expect(sim.faults.pending).toBe(0);
    const trade = sim.account.trades()[0]!;
    const s = await status();
    expect(s).toMatchObject({ account: "sim", mode: "live", state: "running", risk: "ACTIVE", killed: false, strategy: "sma-crossover" });
    expect(s.params).toEqual({ fast: 3, slow: 8, allocation: 0.9 });
    expect((await p.api("/positions")).body).toEqual(s.positions);
    expect(s.positions[0].quantity).toBeCloseTo(sim.account.balances().BTC!.free, 8);
    const orders = (await p.api("/orders")).body;
    expect(orders.map((o: any) => o.status)).toEqual(["rejected", "filled"]);
    expect(orders[0].reason).toMatch(/^InvalidOrder: .*account key \[redacted\]/);
    expect(orders[1].exchangeOrderId).toEqual(String(sim.account.orders()[0]!.orderId));
    expect((await p.api("/orders?limit=1")).body).toHaveLength(1);
    const fills = (await p.api("/fills")).body;
    expect(fills.map((f: any) => [f.tradeId, f.quantity, f.price])).toEqual([[String(trade.id), trade.qty, trade.price]]);
    const pnl = (await p.api("/pnl")).body;
    expect(pnl.equity).toBeCloseTo(pnl.cash + s.positions[0].quantity * s.positions[0].lastPrice, 6);
    expect((await p.api("/risk")).body).toEqual({ state: "ACTIVE", killed: false });
    expect((await audit()).some((e) => e.action === "reconciled" && e.actor === "trader")).toBe(true);

    const metrics = await p.api("/metrics");
    expect(metrics.status).toBe(200);
    const { types, samples } = parsePrometheus(metrics.text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    expect(types.get("qw_orders_sent_total")).toBe("counter");
    expect(value("qw_orders_sent_total", { account: "sim" })).toBe(2);
    expect(value("qw_fills_total")).toBe(1);
    expect(value("qw_orders_rejected_total")).toBe(1);
    expect(value("qw_risk_rejections_total")).toBe(0);
    expect(types.get("qw_order_latency_seconds")).toBe("summary");
    expect(value("qw_order_latency_seconds", { quantile: "0.99" })).toBeGreaterThanOrEqual(0);
    expect(value("qw_order_latency_seconds_count")).toBe(2);
    expect(value("qw_order_latency_seconds_sum")).toBeGreaterThanOrEqual(0);
    expect(value("qw_feed_lag_seconds", { symbol: "BTC/USDT" })).toBeGreaterThanOrEqual(0);
    expect(value("qw_feed_up", { symbol: "BTC/USDT" })).toBe(1);
    expect(value("qw_trading_state", { state: "ACTIVE" })).toBe(1);
  }, 180_000);

  it("refuses bad requests with 400 and changes nothing: a body over the limit, bad JSON, unknown keys or query parameters, a bad X-Actor", async () => {
    const before = await status();
    const entries = (await audit()).length;
    const bad: Array<[string, Parameters<TraderProcess["api"]>[1], string]> = [
      ["/kill", { body: { reason: "x".repeat(70_000) } }, "BODY_TOO_LARGE"],
      ["/kill", { body: "{\"reason\": " }, "BAD_JSON"],
      ["/kill", { body: { reason: "x", force: true } }, "BAD_REQUEST"],
      ["/kill", { body: {} }, "BAD_REQUEST"],
      ["/pause", { body: { now: true } }, "BAD_REQUEST"],
      ["/params", { body: { params: { fast: 4 }, also: 1 } }, "BAD_REQUEST"],
      ["/params", { body: { params: { fast: [4] } } }, "BAD_REQUEST"],
      ["/params", { body: "[1,2]" }, "BAD_REQUEST"],
      ["/flatten", { body: "not json" }, "BAD_JSON"],
      ["/pause", { body: {}, actor: "bad actor!" }, "BAD_ACTOR"],
      ["/orders?limit=abc", {}, "BAD_REQUEST"],
      ["/orders?limit=0", {}, "BAD_REQUEST"],
      ["/fills?limit=1&since=0", {}, "BAD_REQUEST"],
      ["/status?verbose=1", {}, "BAD_REQUEST"],
      ["/pause?now=1", { body: {} }, "BAD_REQUEST"],
    ];
    for (const [path, request, code] of bad) {
      const a = await p.api(path, request);
      expect([path, a.status, a.body?.code]).toEqual([path, 400, code]);
      expect(a.body.error).toMatch(/\S/);
    }
    const after = await status();
    expect([after.state, after.risk, after.killed, after.params]).toEqual([before.state, before.risk, before.killed, before.params]);
    expect((await audit()).length).toBe(entries);
    expect((await p.api("/status")).status).toBe(200); // the server is still fine after a body cut short
  }, 60_000);

  it("acts on pause (the next signal is refused TRADING_HALTED), resume, flatten, strategy stop/start/restart and kill, each audited with who and when", async () => {
    const act = async (path: string, actor: string, body: unknown = {}) => {
      const t0 = Date.now();
      const a = await p.api(path, { actor, body });
      expect(a.status, `${path}: ${a.text}`).toBe(200);
      return { t0, t1: Date.now(), body: a.body };
    };
    const paused = await act("/pause", "alice");
    expect(paused.body.risk).toBe("HALTED");
    const ordersBefore = sim.account.orders().length;
    const refused = () => audit().then((log) => log.filter((e) => e.actor === "risk" && e.action === "order_rejected"));
    for (let i = 0; i < 400 && (await refused()).length === 0; i++) await step();
    const [denial] = await refused();
    expect(denial!.details.code).toBe("TRADING_HALTED");
    expect(denial!.details.message).toMatch(/^TRADING_HALTED/);
    expect(sim.account.orders().length).toBe(ordersBefore);
    const metrics = parsePrometheus((await p.api("/metrics")).text).samples;
    expect(metrics.find((x) => x.name === "qw_risk_rejections_total")!.value).toBeGreaterThanOrEqual(1);

    const resumed = await act("/resume", "bob");
    expect(resumed.body.risk).toBe("ACTIVE");
    for (let i = 0; i < 400 && !((await status()).positions[0].quantity > 0); i++) await step();
    const flattened = await act("/flatten", "carol");
    expect(flattened.body).toEqual({ orders: 1 });
    await until(async () => (await status()).positions[0].quantity === 0, "the flatten order filled");
    expect(sim.account.balances().BTC!.free).toBeCloseTo(0, 8);

    const stopped = await act("/strategy/stop", "dave");
    expect(stopped.body.state).toBe("stopped");
    const started = await act("/strategy/start", "dave");
    expect(started.body.state).toBe("running");
    const restarted = await act("/strategy/restart", "erin");
    expect(restarted.body.state).toBe("running");
    await klinesSubscribed(sim);
    await step();
    const killed = await act("/kill", "frank", { reason: "end of the test" });
    expect(killed.body).toEqual({ canceled: [], failed: [] });
    expect((await p.api("/risk")).body).toEqual({ state: "HALTED", killed: true });
    expect((await status()).state).toBe("halted");

    const log = await audit();
    const mine = log.filter((e) => e.actor.startsWith("api:")).map((e) => [e.actor, e.action]);
    expect(mine).toEqual([
      ["api:alice", "pause"], ["api:bob", "resume"], ["api:carol", "flatten"], ["api:dave", "strategy_stop"], ["api:dave", "strategy_start"],
      ["api:erin", "strategy_stop"], ["api:erin", "strategy_start"], ["api:frank", "kill"],
    ]);
    const when = (actor: string, action: string) => log.find((e) => e.actor === actor && e.action === action)!.timeMs;
    for (const [actor, action, call] of [["api:alice", "pause", paused], ["api:bob", "resume", resumed], ["api:carol", "flatten", flattened],
      ["api:dave", "strategy_stop", stopped], ["api:erin", "strategy_start", restarted], ["api:frank", "kill", killed]] as const) {
      expect(when(actor, action)).toBeGreaterThanOrEqual(call.t0);
      expect(when(actor, action)).toBeLessThanOrEqual(call.t1);
    }
    expect(log.find((e) => e.action === "kill")!.details.reason).toBe("end of the test");
  }, 240_000);

  it("never shows the exchange keys or the token: not in a log line, an answer (errors included) or an event", async () => {
    // an exchange that echoes the key in its refusal, and requests that put the token where it could be echoed
    const { apiKey, secret } = sim.credentials;
    await p.api(`/${TOKEN}`, { token: null });
    await p.api(`/nowhere/${TOKEN}`);
    await p.api(`/kill`, { body: { reason: `because ${TOKEN} and ${apiKey}` } });
    const orders = (await p.api("/orders")).body;
    expect(orders.length).toBeGreaterThan(0);
    const log = (await p.api("/audit?limit=10000")).text;
    expect(log).toContain("[redacted]");
    await p.stop("SIGTERM");
    expect(p.answers.length).toBeGreaterThan(100);
    for (const needle of [apiKey, secret, TOKEN]) {
      for (const line of p.lines) expect(line).not.toContain(needle);
      for (const a of p.answers) expect(a.text).not.toContain(needle);
      for (const e of eventTexts) expect(e).not.toContain(needle);
    }
    expect(p.lines.some((l) => l.includes("[redacted]"))).toBe(true);
  }, 60_000);
});

export type { ApiAnswer };
