/**
 * The real trader process for tests: `node --import tsx engine/node/cli/live.ts --account NAME`,
 * with an account folder in a temp dir pointed at a simulator in the test process, the keys and
 * the control token in the child's environment only, every output line kept, and the control API
 * at hand (every answer kept too, so a test can scan them all for secrets).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BinanceSimulator } from "../fixtures/binanceSimulator.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The control API's bearer token in these tests (the child reads it from QW_SIM_CONTROL_TOKEN). */
export const TOKEN = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
export const ACCOUNT = "sim";

export interface AccountFolder {
  /** The temp folder holding everything of the account. */
  readonly dir: string;
  /** The accounts folder (--accounts). */
  readonly accounts: string;
  /** The account file. */
  readonly file: string;
  /** The account's DuckDB store. */
  readonly storeFile: string;
  /** The account file's JSON, as written. */
  readonly json: Record<string, unknown>;
}

/**
 * Writes `sim.json` into a new temp accounts folder: the simulator's REST and WebSocket URLs,
 * BTC/USDT 1m, sma-crossover 3/8, throttles that never delay a test; `overrides` replace top-level keys.
 */
export async function writeAccount(sim: BinanceSimulator, overrides: Record<string, unknown> = {}): Promise<AccountFolder> {
  const dir = await mkdtemp(join(tmpdir(), "qw-trader-"));
  const accounts = join(dir, "accounts");
  await mkdir(accounts);
  const mode = (overrides.mode as string | undefined) ?? "live";
  const json = {
    name: ACCOUNT, exchange: { id: "binance", urls: { rest: sim.url, ws: sim.wsUrl } }, mode, liveConfirm: mode === "live",
    markets: { symbols: ["BTC/USDT"], timeframe: "1m" },
    strategy: { name: "sma-crossover", params: { fast: 3, slow: 8, allocation: 0.9 } },
    paper: { cash: 100_000 }, throttle: { ordersPerSecond: 50, cancelsPerSecond: 50, debounceMs: 0 },
    ...overrides,
  };
  const file = join(accounts, `${ACCOUNT}.json`);
  await writeFile(file, JSON.stringify(json, null, 2));
  return { dir, accounts, file, storeFile: join(accounts, `${ACCOUNT}.duckdb`), json };
}

/** One answer of the control API. */
export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly body: any;
}

export interface ApiRequest {
  readonly method?: string;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
  /** The bearer token; default TOKEN; null sends no Authorization header. */
  readonly token?: string | null;
  /** X-Actor. */
  readonly actor?: string;
}

export interface TraderProcess {
  readonly child: ChildProcess;
  /** Every line the process wrote, stdout and stderr, in order. */
  readonly lines: string[];
  /** The control API's base URL, from the "ready" line. */
  readonly url: string;
  /** Every answer the control API gave through `api`. */
  readonly answers: ApiAnswer[];
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  api(path: string, request?: ApiRequest): Promise<ApiAnswer>;
  /** The log lines parsed (those that are JSON). */
  logs(): Array<Record<string, any>>;
  /** Sends `signal` and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment the trader gets: the simulator's key pair and the token, nothing else of ours. */
export function traderEnv(sim: BinanceSimulator, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("QW_") && !k.startsWith("VITEST") && k !== "NODE_OPTIONS") env[k] = v;
  return { ...env, QW_SIM_API_KEY: sim.credentials.apiKey, QW_SIM_API_SECRET: sim.credentials.secret, QW_SIM_CONTROL_TOKEN: TOKEN, ...extra };
}

/**
 * Starts the trader of `account` and resolves once it logged "ready" (reconciled, warmed up, feed
 * started, control API listening). Rejects with its output when it exits first.
 */
export async function startTrader(account: AccountFolder, env: Record<string, string>, readyTries = 6000): Promise<TraderProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "engine/node/cli/live.ts", "--account", ACCOUNT, "--accounts", account.accounts], {
    cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      lines.push(...parts.filter((l) => l !== ""));
    });
    stream.on("end", () => { if (rest !== "") lines.push(rest); });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve((ended = { code, signal })));
  });
  const logs = () => lines.flatMap((l) => { try { return [JSON.parse(l) as Record<string, any>]; } catch { return []; } });
  let ready: Record<string, any> | undefined;
  for (let i = 0; i < readyTries && !ready; i++) {
    if (ended) throw new Error(`the trader exited (${JSON.stringify(ended)}) before it was ready:\n${lines.join("\n")}`);
    ready = logs().find((l) => l.msg === "ready");
    if (!ready) await new Promise((r) => setTimeout(r, 10));
  }
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`the trader did not get ready:\n${lines.join("\n")}`);
  }
  const url = String(ready.url);
  const answers: ApiAnswer[] = [];
  return {
    child, lines, url, answers, exited, logs,
    async api(path, request = {}) {
      const token = request.token === undefined ? TOKEN : request.token;
      const body = request.body === undefined ? undefined : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
      const res = await fetch(`${url}${path}`, {
        method: request.method ?? (body === undefined ? "GET" : "POST"),
        headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(request.actor ? { "x-actor": request.actor } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch { parsed = undefined; }
      const answer = { status: res.status, text, body: parsed };
      answers.push(answer);
      return answer;
    },
    async stop(signal = "SIGTERM") {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Waits (it only bounds a hang; not a timed assertion) until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 3000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** Waits until some connection at the simulator listens to the BTCUSDT 1m klines. */
export function klinesSubscribed(sim: BinanceSimulator): Promise<void> {
  return until(() => sim.streams.connections().some((c) => c.streams.includes("btcusdt@kline_1m")), "the trader subscribed to the kline stream");
}

/**
 * Closes the next bar at the simulator and waits until the process has handled it (decided and
 * sent its orders), or until `stopEarly` holds (e.g. an order's answer is being held).
 */
export async function stepProcess(sim: BinanceSimulator, p: TraderProcess, stopEarly: () => boolean = () => false): Promise<void> {
  const t = sim.clock.nextOpenMs;
  await sim.clock.advance();
  await until(async () => stopEarly() || ((await p.api("/status")).body?.lastBarMs ?? -1) >= t, `the trader handled the bar of ${new Date(t).toISOString()}`);
}
