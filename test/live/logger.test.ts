/** The JSON-lines logger: one object per line, levels, child fields, and no registered secret in any line, however it got there. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { InputError } from "../../engine/errors.js";
import { createLogger, safeStringify } from "../../engine/node/live/logger.js";
import { Secret, credentialSecrets, loadCredentials } from "../../engine/node/live/secrets.js";

const KEY = "live-api-key-31c0ffee";
const SECRET = "live/api+secret=\"42\"";
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 6);

function capture(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), now: () => T0, fields: { account: "main" }, ...(level ? { level } : {}) });
  return { log, lines };
}

describe("logger", () => {
  it("writes one JSON object per line with time, level, message and fields", () => {
    const { log, lines } = capture();
    log.info("order sent", { clientOrderId: "c-1", qty: 0.5 });
    log.child({ component: "feed" }).warn("stale", { symbol: "BTC/USDT", ageMs: Infinity, n: 3n });
    log.debug("not written at info");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: "2025-01-02T03:04:05.006Z", level: "info", msg: "order sent", account: "main", clientOrderId: "c-1", qty: 0.5 },
      { time: "2025-01-02T03:04:05.006Z", level: "warn", msg: "stale", account: "main", component: "feed", symbol: "BTC/USDT", ageMs: null, n: "3" },
    ]);
    for (const line of lines) expect(line).not.toContain("\n");
  });

  it("keeps errors readable and survives cycles", () => {
    const { log, lines } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    log.error("failed", { error: new InputError("BAD", { file: "x.csv" }, "x.csv is bad"), cyclic });
    const record = JSON.parse(lines[0]!);
    expect(record.error).toMatchObject({ name: "InputError", message: "x.csv is bad", code: "BAD", context: { file: "x.csv" } });
    expect(record.cyclic).toEqual({ a: 1, self: "[circular]" });
  });

  it("redacts registered secrets from messages, fields, nested values and error messages", async () => {
    const { log, lines } = capture("debug");
    const creds = await loadCredentials({ env: { apiKey: "K", secret: "S" } }, { env: { K: KEY, S: SECRET } });
    log.addSecrets(...credentialSecrets(creds));
    const child = log.child({ component: "gateway" });
    const leaks = [
      () => log.info(`connecting with key ${KEY}`),
      () => log.debug("request", { url: `https://api.x/order?apiKey=${encodeURIComponent(KEY)}&sig=1`, headers: { "X-KEY": KEY } }),
      () => child.error("venue said no", { error: new Error(`invalid signature for secret ${SECRET}`) }),
      () => log.warn("body", { body: JSON.stringify({ secret: SECRET }) }),
      () => log.info("creds object", { creds, raw: creds.apiKey.reveal(), list: [[{ deep: SECRET }]] }),
      () => child.info(`inspect: ${inspect(creds)} ${String(creds.secret)}`),
    ];
    for (const leak of leaks) leak();
    expect(lines).toHaveLength(leaks.length);
    for (const line of lines) {
      expect(line).not.toContain("31c0ffee");
      expect(line).not.toContain("api+secret");
      expect(line).not.toContain(encodeURIComponent(SECRET));
      expect(line).toContain("[redacted]");
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it("redacts secrets registered on a child for the whole family, and ones given up front", () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l), secrets: [new Secret("up-front-secret")] });
    log.child({ c: 1 }).addSecrets("later-secret");
    log.info("up-front-secret and later-secret");
    expect(JSON.parse(lines[0]!).msg).toBe("[redacted] and [redacted]");
  });

  it("serializes a Secret as [redacted] even with no registration", () => {
    expect(safeStringify({ k: new Secret(KEY) })).toBe('{"k":"[redacted]"}');
  });
});
