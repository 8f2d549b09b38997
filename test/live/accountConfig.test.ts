/** Account config files: defaults, resolved paths, and errors that name the file and the JSON path; live needs its switch and its keys. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../engine/errors.js";
import { accountConfigPath, listAccounts, loadAccount, loadAccountConfig, parseAccountConfig } from "../../engine/node/live/accountConfig.js";
import { setKeystoreEntry } from "../../engine/node/live/keystore.js";
import { Secret, revealCredentials } from "../../engine/node/live/secrets.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/accounts");
const MINIMAL = {
  name: "main", exchange: { id: "binance" },
  markets: { symbols: ["BTC/USDT"], timeframe: "1h" },
  strategy: { name: "sma-crossover" },
};
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "accounts-"));
});

function write(name: string, config: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  return file;
}

/** The error for a config, as `message`; checks it names the file and carries the path. */
function configError(config: unknown, name = "main"): { message: string; path: string } {
  const file = write(name, config);
  try {
    loadAccountConfig(file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const error = e as InputError;
    expect(error.code).toBe("ACCOUNT_CONFIG");
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    return { message: error.message.slice(file.length + 2), path: String(error.context.path) };
  }
  throw new Error("expected the config to be refused");
}

describe("account config", () => {
  it("fills every default into a minimal file", () => {
    const file = write("main", MINIMAL);
    const c = loadAccountConfig(file);
    expect(c).toMatchObject({
      file, name: "main", exchange: { id: "binance" }, mode: "paper", liveConfirm: false,
      markets: { symbols: ["BTC/USDT"], timeframe: "1h" },
      strategy: { name: "sma-crossover", params: expect.objectContaining({ fast: 10, slow: 30 }) },
      paper: { cash: 10_000 }, risk: {},
      control: { host: "127.0.0.1", port: 0, tokenEnv: "QW_MAIN_CONTROL_TOKEN" },
      credentials: { env: { apiKey: "QW_MAIN_API_KEY", secret: "QW_MAIN_API_SECRET" } },
      throttle: { ordersPerSecond: 5, cancelsPerSecond: 5, debounceMs: 250 },
      staleFeedMs: 3 * 3_600_000, schedules: [], storeFile: join(dir, "main.duckdb"),
    });
    expect(c.orderDrop).toBeUndefined();
  });

  it("reads the example fixture, resolving paths against its folder", () => {
    expect(listAccounts(FIXTURES)).toContain("paper-demo");
    const c = loadAccountConfig(accountConfigPath(FIXTURES, "paper-demo"));
    expect(c.exchange.urls).toEqual({ rest: "http://127.0.0.1:18080", ws: "ws://127.0.0.1:18080/ws" });
    expect(c.strategy.params).toMatchObject({ fast: 5, slow: 20 });
    expect(c.schedules.map((s) => `${s.action} ${s.at} ${s.tz}`)).toEqual([
      "connect 08:55 America/New_York", "flatten 15:55 America/New_York", "disconnect 21:00 UTC",
    ]);
    expect(c.orderDrop).toEqual({ folder: join(FIXTURES, "drop/paper-demo"), pollMs: 1000 });
    expect(c.storeFile).toBe(join(FIXTURES, "paper-demo.duckdb"));
    expect(c.control.tokenEnv).toBe("QW_PAPER_DEMO_CONTROL_TOKEN");
    expect(c.risk).toMatchObject({ maxOrderNotional: 5000, dailyLossStop: 0.05 });
  });

  it.each([
    ["a wrong type deep inside", { ...MINIMAL, risk: { maxOrderNotional: "5000" } }, "risk.maxOrderNotional", /expected number/],
    ["an unknown key", { ...MINIMAL, risk: { maxOrderNotionl: 5 } }, "risk.maxOrderNotionl", /unknown key/],
    ["an unknown top-level key", { ...MINIMAL, moed: "live" }, "moed", /unknown key/],
    ["a bad symbol in a list", { ...MINIMAL, markets: { symbols: ["BTC/USDT", "ETHUSDT"], timeframe: "1h" } }, "markets.symbols[1]", /ccxt symbol/],
    ["a duplicate symbol", { ...MINIMAL, markets: { symbols: ["BTC/USDT", "BTC/USDT"], timeframe: "1h" } }, "markets.symbols[1]", /listed twice/],
    ["an unknown timeframe", { ...MINIMAL, markets: { symbols: ["BTC/USDT"], timeframe: "7m" } }, "markets.timeframe", /timeframe/],
    ["a missing section", { ...MINIMAL, exchange: undefined }, "exchange", /expected object/],
    ["a bad exchange id", { ...MINIMAL, exchange: { id: "Binance US" } }, "exchange.id", /ccxt exchange id/],
    ["an exchange url that is no url", { ...MINIMAL, exchange: { id: "binance", urls: { rest: "127.0.0.1:80" } } }, "exchange.urls.rest", /URL/],
    ["an unknown strategy", { ...MINIMAL, strategy: { name: "get-rich" } }, "strategy.name", /no strategy "get-rich".*sma-crossover/],
    ["a parameter out of range", { ...MINIMAL, strategy: { name: "sma-crossover", params: { fast: 1 } } }, "strategy.params.fast", /outside its range/],
    ["an unknown parameter", { ...MINIMAL, strategy: { name: "sma-crossover", params: { fats: 5 } } }, "strategy.params.fats", /no parameter "fats"/],
    ["a risk key without its companion", { ...MINIMAL, risk: { dailyLossState: "REDUCING" } }, "risk.dailyLossState", /only applies together with dailyLossStop/],
    ["a bad schedule time", { ...MINIMAL, schedules: [{ at: "9:30", action: "connect" }] }, "schedules[0].at", /HH:MM/],
    ["a bad time zone", { ...MINIMAL, schedules: [{ at: "09:30", tz: "New York", action: "connect" }] }, "schedules[0].tz", /IANA/],
    ["a flatten of an untraded symbol", { ...MINIMAL, schedules: [{ at: "09:30", action: "flatten", symbols: ["ETH/USDT"] }] }, "schedules[0].symbols[0]", /not one of markets.symbols/],
    ["a port out of range", { ...MINIMAL, control: { port: 70000 } }, "control.port", /65535/],
    ["a bad env var name", { ...MINIMAL, credentials: { env: { apiKey: "MY-KEY", secret: "S" } } }, "credentials.env.apiKey", /environment variable name/],
    ["a name that is not the file's", { ...MINIMAL, name: "other" }, "name", /must equal the file name/],
    ["live without its switch", { ...MINIMAL, mode: "live" }, "liveConfirm", /liveConfirm is not true/],
    ["not an object", [1, 2], "", /expected object/],
  ])("names the path of %s", (_what, config, path, message) => {
    const error = configError(config);
    expect(error.path).toBe(path);
    expect(error.message.startsWith(`${path || "(top level)"}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it("gives line and column of a JSON syntax error", () => {
    const error = configError('{\n  "name": "main",\n  "mode": "paper",\n}\n');
    expect(error.message).toMatch(/^not valid JSON \(line 4, column 1: Expected double-quoted property name\)$/);
  });

  it("says when the file does not exist", async () => {
    await expect(loadAccount(dir, "nobody")).rejects.toThrow(/nobody\.json: no such account config file/);
    await expect(loadAccount(dir, "../etc/passwd")).rejects.toThrow(/must be 1–64 letters/);
  });
});

describe("loadAccount", () => {
  const live = { ...MINIMAL, mode: "live", liveConfirm: true };

  it("never loads keys in paper mode", async () => {
    write("main", MINIMAL);
    const account = await loadAccount(dir, "main", { env: {} });
    expect(account.credentials).toBeUndefined();
  });

  it("loads the keys of a live account from the default variables", async () => {
    write("main", live);
    const account = await loadAccount(dir, "main", { env: { QW_MAIN_API_KEY: "k-123456", QW_MAIN_API_SECRET: "s-654321" } });
    expect(revealCredentials(account.credentials!)).toEqual({ apiKey: "k-123456", secret: "s-654321" });
  });

  it("refuses a live account whose keys are missing, naming the variable", async () => {
    write("main", live);
    const error = await loadAccount(dir, "main", { env: { QW_MAIN_API_KEY: "k-123456" } }).then(() => undefined, (e: InputError) => e);
    expect(error?.code).toBe("MISSING_CREDENTIALS");
    expect(error?.message).toContain(join(dir, "main.json"));
    expect(error?.message).toContain('mode is "live"');
    expect(error?.message).toContain("QW_MAIN_API_SECRET");
    expect(error?.message).not.toContain("k-123456");
  });

  it("loads a live account's keys from a keystore next to the config", async () => {
    const sub = join(dir, "ks");
    mkdirSync(sub, { recursive: true });
    copyFileSync(join(FIXTURES, "paper-demo.json"), join(sub, "paper-demo.json"));
    await setKeystoreEntry(join(sub, "keys.keystore"), new Secret("keystore passphrase 1"), "binance-main",
      { apiKey: new Secret("ks-key"), secret: new Secret("ks-secret") }, { cost: { log2N: 12, r: 8, p: 1 } });
    writeFileSync(join(sub, "trader.json"), JSON.stringify({
      ...live, name: "trader", credentials: { keystore: { file: "keys.keystore", entry: "binance-main" } },
    }));
    const account = await loadAccount(sub, "trader", { env: { QW_KEYSTORE_PASSPHRASE: "keystore passphrase 1" } });
    expect(account.config.credentials).toEqual({ keystore: { file: join(sub, "keys.keystore"), entry: "binance-main", passphraseEnv: "QW_KEYSTORE_PASSPHRASE" } });
    expect(revealCredentials(account.credentials!)).toEqual({ apiKey: "ks-key", secret: "ks-secret" });
    expect(listAccounts(sub)).toEqual(["paper-demo", "trader"]);
  });

  it("validates an object given directly", () => {
    expect(parseAccountConfig(MINIMAL, "/x/main.json").storeFile).toBe("/x/main.duckdb");
  });
});
