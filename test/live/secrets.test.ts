/** Secrets never print themselves; credentials load from the environment, a .env file or a keystore, and missing ones are named, not shown. */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, inspect } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../engine/errors.js";
import { setKeystoreEntry } from "../../engine/node/live/keystore.js";
import {
  REDACTED, Secret, credentialSecrets, envSecret, loadCredentials, readEnvFile, redact, revealCredentials,
} from "../../engine/node/live/secrets.js";

const KEY = "AKIA-live-key-7f3a9c";
const SECRET = 'sk/"quoted"\\slash+plus=&amp?';
const CHEAP = { cost: { log2N: 12, r: 8, p: 1 } };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "secrets-"));
});

describe("Secret", () => {
  const secret = new Secret(SECRET, "env X");

  it("prints as [redacted] through every path that turns a value into text", () => {
    const holder = { apiKey: secret, nested: { list: [secret] } };
    const texts = [
      String(secret), `${secret}`, "" + secret, secret.toString(), JSON.stringify(secret), JSON.stringify(holder),
      inspect(secret), inspect(holder, { depth: 10 }), format("%s %o %O %j", secret, holder, holder, holder),
      JSON.stringify(structuredClone(holder)), JSON.stringify({ ...secret }), Object.keys(secret).join(","),
    ];
    for (const text of texts) expect(text).not.toContain("quoted");
    expect(String(secret)).toBe(REDACTED);
    expect(inspect(secret)).toBe(REDACTED);
    expect(JSON.stringify(holder)).toBe(`{"apiKey":"${REDACTED}","nested":{"list":["${REDACTED}"]}}`);
  });

  it("gives its value only through reveal()", () => {
    expect(secret.reveal()).toBe(SECRET);
    expect(secret.origin).toBe("env X");
  });
});

describe("redact", () => {
  it("removes raw, JSON-escaped and URL-encoded forms of each secret", () => {
    const text = [
      `raw ${SECRET}`, `json ${JSON.stringify({ s: SECRET })}`, `url https://x/?k=${encodeURIComponent(SECRET)}`, `key ${KEY}${KEY}`,
    ].join("\n");
    const out = redact(text, [new Secret(SECRET), KEY]);
    expect(out).not.toContain("quoted");
    expect(out).not.toContain("7f3a9c");
    expect(out).not.toContain(encodeURIComponent(SECRET));
    expect(out.split(REDACTED).length - 1).toBe(5);
  });

  it("replaces a longer secret before one it contains", () => {
    expect(redact("abcdef", ["abc", "abcdef"])).toBe(REDACTED);
  });

  it("leaves text alone when there is nothing to redact, and ignores empty secrets", () => {
    expect(redact("nothing here", ["", new Secret("")])).toBe("nothing here");
  });
});

describe("loadCredentials", () => {
  const source = { env: { apiKey: "QW_MAIN_API_KEY", secret: "QW_MAIN_API_SECRET", password: "QW_MAIN_PASSWORD" } };

  it("reads the named variables from the environment, wrapped", async () => {
    const creds = await loadCredentials(source, { env: { QW_MAIN_API_KEY: KEY, QW_MAIN_API_SECRET: SECRET } });
    expect(creds.apiKey).toBeInstanceOf(Secret);
    expect(revealCredentials(creds)).toEqual({ apiKey: KEY, secret: SECRET });
    expect(credentialSecrets(creds)).toHaveLength(2);
    expect(JSON.stringify(creds)).toBe(`{"apiKey":"${REDACTED}","secret":"${REDACTED}"}`);
    expect(inspect(creds)).not.toContain(KEY);
  });

  it("falls back to a .env file, the environment winning", async () => {
    const envFile = join(dir, "main.env");
    writeFileSync(envFile, `# keys\nQW_MAIN_API_KEY=from-file\nQW_MAIN_API_SECRET="${"s p a c e"}"\n`, { mode: 0o600 });
    const creds = await loadCredentials(source, { env: { QW_MAIN_API_KEY: KEY }, envFile });
    expect(revealCredentials(creds)).toEqual({ apiKey: KEY, secret: "s p a c e" });
    expect(envSecret("QW_MAIN_API_KEY", { env: {}, envFile })?.reveal()).toBe("from-file");
    expect(envSecret("NOPE", { env: {}, envFile })).toBeUndefined();
  });

  it("refuses a .env file that others may read", () => {
    const envFile = join(dir, "open.env");
    writeFileSync(envFile, `QW_MAIN_API_KEY=${KEY}\n`);
    chmodSync(envFile, 0o644);
    const error = catchSync(() => readEnvFile(envFile));
    expect(error.code).toBe("ENV_FILE_PERMISSIONS");
    expect(error.message).toContain("chmod 600");
    expect(error.message).not.toContain(KEY);
    expect(readEnvFile(join(dir, "absent.env"))).toEqual({});
  });

  it("names the missing variable and never a value", async () => {
    const error = await catchAsync(() => loadCredentials(source, { env: { QW_MAIN_API_KEY: KEY } }));
    expect(error.code).toBe("MISSING_CREDENTIALS");
    expect(error.message).toContain("QW_MAIN_API_SECRET");
    expect(error.message).not.toContain(KEY);
  });

  it("reads an entry of a keystore whose passphrase is in the environment", async () => {
    const file = join(dir, "creds.keystore");
    const passphrase = "correct horse battery staple";
    await setKeystoreEntry(file, new Secret(passphrase), "main", { apiKey: new Secret(KEY), secret: new Secret(SECRET) }, CHEAP);
    const ks = { keystore: { file, entry: "main", passphraseEnv: "QW_KEYSTORE_PASSPHRASE" } };
    const creds = await loadCredentials(ks, { env: { QW_KEYSTORE_PASSPHRASE: passphrase } });
    expect(revealCredentials(creds)).toEqual({ apiKey: KEY, secret: SECRET });
    expect(creds.apiKey.origin).toContain("entry main");

    const noEntry = await catchAsync(() => loadCredentials({ keystore: { ...ks.keystore, entry: "other" } }, { env: { QW_KEYSTORE_PASSPHRASE: passphrase } }));
    expect(noEntry.message).toContain('no entry "other"');
    expect(noEntry.message).toContain("main");
    const noPassphrase = await catchAsync(() => loadCredentials(ks, { env: {} }));
    expect(noPassphrase.message).toContain("QW_KEYSTORE_PASSPHRASE");
    const wrong = await catchAsync(() => loadCredentials(ks, { env: { QW_KEYSTORE_PASSPHRASE: "wrong passphrase!" } }));
    expect(wrong.code).toBe("KEYSTORE_DECRYPT");
    expect(wrong.message).not.toContain("wrong passphrase!");
  });
});

function catchSync(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

async function catchAsync(fn: () => Promise<unknown>): Promise<InputError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}
