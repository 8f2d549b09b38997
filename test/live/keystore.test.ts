/**
 * The keystore round-trips, and fails closed: a wrong passphrase, any changed byte, a truncated
 * file, another version or an open file mode all give an error that holds neither the passphrase
 * nor a secret, and return nothing. The CLI reads secrets from stdin, never argv.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../engine/errors.js";
import {
  DEFAULT_KEYSTORE_COST, createKeystore, openKeystore, removeKeystoreEntry, rotateKeystore, setKeystoreEntry,
} from "../../engine/node/live/keystore.js";
import { main, type CliIO } from "../../engine/node/live/keystoreCli.js";
import { Secret, revealCredentials } from "../../engine/node/live/secrets.js";

const PASS = "tr0ub4dor & 3 horses";
const KEY = "binance-key-5d1e0f2a";
const SECRET = "binance-secret-9b8c7d6e";
const CHEAP = { cost: { log2N: 12, r: 8, p: 1 } };
let dir: string;
let n = 0;
const fresh = () => join(dir, `ks-${++n}.keystore`);

async function filled(): Promise<string> {
  const file = fresh();
  await setKeystoreEntry(file, new Secret(PASS), "main", { apiKey: new Secret(KEY), secret: new Secret(SECRET) }, CHEAP);
  return file;
}

/** Opens expecting a failure; checks that the message leaks nothing and returns the error. */
async function failsClosed(file: string, passphrase = PASS): Promise<InputError> {
  let opened: unknown;
  try {
    opened = await openKeystore(file, new Secret(passphrase));
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const error = e as InputError;
    const text = `${error.message} ${JSON.stringify(error.context)} ${String(error.stack)}`;
    for (const secret of [PASS, passphrase, KEY, SECRET]) expect(text).not.toContain(secret);
    expect(error.message).toContain(file);
    expect(error.cause).toBeUndefined();
    return error;
  }
  throw new Error(`expected opening ${file} to fail, got ${JSON.stringify(opened)}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "keystore-"));
});

describe("keystore", () => {
  it("round-trips named credentials in a 0600 file that contains no plaintext", async () => {
    const file = await filled();
    await setKeystoreEntry(file, new Secret(PASS), "sub", { apiKey: new Secret("k2"), secret: new Secret("s2"), password: new Secret("p2") });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    for (const s of [KEY, SECRET, "main", "apiKey"]) expect(bytes.includes(Buffer.from(s))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const ks = await openKeystore(file, new Secret(PASS));
    expect(ks.names()).toEqual(["main", "sub"]);
    expect(ks.cost).toEqual(CHEAP.cost);
    expect(revealCredentials(ks.get("main")!)).toEqual({ apiKey: KEY, secret: SECRET });
    expect(revealCredentials(ks.get("sub")!)).toEqual({ apiKey: "k2", secret: "s2", password: "p2" });
    expect(JSON.stringify(ks.get("main"))).not.toContain(KEY);

    expect(await removeKeystoreEntry(file, new Secret(PASS), "sub")).toBe(true);
    expect(await removeKeystoreEntry(file, new Secret(PASS), "sub")).toBe(false);
    expect((await openKeystore(file, new Secret(PASS))).names()).toEqual(["main"]);
  });

  it("draws a new salt and iv on every write", async () => {
    const file = await filled();
    const before = readFileSync(file);
    await rotateKeystore(file, new Secret(PASS), new Secret(PASS));
    const after = readFileSync(file);
    expect(after.length).toBe(before.length);
    expect(after.subarray(12, 40).equals(before.subarray(12, 40))).toBe(false);
  });

  it("rotates to a new passphrase; the old one then fails", async () => {
    const file = await filled();
    const next = "a completely new passphrase";
    await rotateKeystore(file, new Secret(PASS), new Secret(next));
    expect(revealCredentials((await openKeystore(file, new Secret(next))).get("main")!).apiKey).toBe(KEY);
    expect((await failsClosed(file, PASS)).code).toBe("KEYSTORE_DECRYPT");
  });

  it("works at the default cost", async () => {
    const file = fresh();
    await createKeystore(file, new Secret(PASS));
    const ks = await openKeystore(file, new Secret(PASS));
    expect(ks.cost).toEqual(DEFAULT_KEYSTORE_COST);
    expect(ks.names()).toEqual([]);
    await expect(createKeystore(file, new Secret(PASS))).rejects.toMatchObject({ code: "KEYSTORE_EXISTS" });
  });

  it("fails closed on a wrong passphrase", async () => {
    const error = await failsClosed(await filled(), "not the passphrase at all");
    expect(error.code).toBe("KEYSTORE_DECRYPT");
    expect(error.message).toMatch(/passphrase is wrong, or the file was modified/);
  });

  it("fails closed when any single byte is changed", async () => {
    const file = await filled();
    const original = readFileSync(file);
    // every header byte (magic, version, cost, salt, iv), then samples of ciphertext and tag
    const positions = [...Array.from({ length: 40 }, (_, i) => i), 40, 41, Math.floor(original.length / 2), original.length - 17, original.length - 1];
    const codes = new Set<string>();
    for (const at of positions) {
      const bytes = Buffer.from(original);
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(file, bytes, { mode: 0o600 });
      codes.add((await failsClosed(file)).code);
    }
    expect([...codes].sort()).toEqual(["KEYSTORE_CORRUPT", "KEYSTORE_COST", "KEYSTORE_DECRYPT", "KEYSTORE_VERSION"]);
  });

  it("fails closed on a truncated file", async () => {
    const file = await filled();
    const original = readFileSync(file);
    for (const length of [0, 10, 55, original.length - 1]) {
      writeFileSync(file, original.subarray(0, length), { mode: 0o600 });
      const error = await failsClosed(file);
      expect(["KEYSTORE_CORRUPT", "KEYSTORE_DECRYPT"]).toContain(error.code);
    }
  });

  it("refuses another format version and a forged cost", async () => {
    const file = await filled();
    const bytes = readFileSync(file);
    bytes[8] = 2;
    writeFileSync(file, bytes, { mode: 0o600 });
    const version = await failsClosed(file);
    expect(version.code).toBe("KEYSTORE_VERSION");
    expect(version.message).toContain("version 2");
    bytes[8] = 1;
    bytes[9] = 40; // N = 2^40 would need terabytes
    writeFileSync(file, bytes, { mode: 0o600 });
    expect((await failsClosed(file)).code).toBe("KEYSTORE_COST");
  });

  it("refuses a file that group or others may read, before reading it", async () => {
    const file = await filled();
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      const error = await failsClosed(file);
      expect(error.code).toBe("KEYSTORE_PERMISSIONS");
      expect(error.message).toContain(`chmod 600 ${file}`);
    }
    chmodSync(file, 0o600);
    expect((await openKeystore(file, new Secret(PASS))).names()).toEqual(["main"]);
  });

  it("says so when the file is missing, and refuses a short passphrase on write", async () => {
    expect((await failsClosed(join(dir, "absent.keystore"))).code).toBe("KEYSTORE_NOT_FOUND");
    await expect(createKeystore(fresh(), new Secret("short"), CHEAP)).rejects.toMatchObject({ code: "KEYSTORE_PASSPHRASE" });
  });
});

describe("keystore CLI", () => {
  function io(stdin: string, env: Record<string, string> = { QW_KEYSTORE_PASSPHRASE: PASS }) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIO = { env, stdin: Readable.from([stdin]), out: (t) => out.push(t), err: (t) => err.push(t) };
    return { cli, out, err, all: () => [...out, ...err].join("\n") };
  }

  it("sets from stdin (KEY=VALUE or JSON), lists names only, removes", async () => {
    const file = fresh();
    const a = io(`apiKey=${KEY}\nsecret=${SECRET}\n`);
    expect(await main(["set", "--file", file, "--name", "main", "--log2n", "12"], a.cli)).toBe(0);
    expect(a.all()).toContain('stored entry "main" (apiKey, secret)');
    const b = io(JSON.stringify({ apiKey: "k2", secret: "s2", password: "p2" }));
    expect(await main(["set", "--file", file, "--name", "sub"], b.cli)).toBe(0);

    const list = io("");
    expect(await main(["list", "--file", file], list.cli)).toBe(0);
    expect(list.out).toEqual(["main\tapiKey,secret", "sub\tapiKey,secret,password"]);
    for (const t of [a, b, list]) for (const s of [KEY, SECRET, PASS, "s2", "p2"]) expect(t.all()).not.toContain(s);

    expect(await main(["remove", "--file", file, "--name", "sub"], io("").cli)).toBe(0);
    const gone = io("");
    expect(await main(["remove", "--file", file, "--name", "sub"], gone.cli)).toBe(2);
    expect(gone.err.join("")).toContain('no entry "sub"');
    expect(revealCredentials((await openKeystore(file, new Secret(PASS))).get("main")!)).toEqual({ apiKey: KEY, secret: SECRET });
  });

  it("runs as the npm script runs it (tsx), reading the secret from a pipe", () => {
    const file = fresh();
    const root = resolve(import.meta.dirname, "../..");
    const run = (args: string[], input: string) => spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), "engine/node/live/keystoreCli.ts", ...args],
      { cwd: root, input, encoding: "utf8", env: { ...process.env, QW_KEYSTORE_PASSPHRASE: PASS } });
    const set = run(["set", "--file", file, "--name", "main", "--log2n", "12"], `apiKey=${KEY}\nsecret=${SECRET}\n`);
    expect(set.stderr).toBe("");
    expect(set.status).toBe(0);
    const list = run(["list", "--file", file], "");
    expect(list.stdout).toBe("main\tapiKey,secret\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("rotates with the new passphrase from the environment", async () => {
    const file = await filled();
    const next = "the next passphrase, long enough";
    expect(await main(["rotate", "--file", file], io("", { QW_KEYSTORE_PASSPHRASE: PASS, QW_KEYSTORE_NEW_PASSPHRASE: next }).cli)).toBe(0);
    expect((await openKeystore(file, new Secret(next))).names()).toEqual(["main"]);
  });

  it("reports bad input with exit code 2 and no secret in the output", async () => {
    const file = await filled();
    const cases: Array<[string[], string, Record<string, string> | undefined, RegExp]> = [
      [["list", "--file", file], "", {}, /QW_KEYSTORE_PASSPHRASE/],
      [["list", "--file", file], "", { QW_KEYSTORE_PASSPHRASE: "wrong but long enough" }, /could not be decrypted/],
      [["set", "--file", file, "--name", "x"], `apiKey=${KEY}\n`, undefined, /apiKey and secret/],
      [["set", "--file", file, "--name", "x"], `apiKey=${KEY}\nsecret=${SECRET}\ntoken=zzz\n`, undefined, /unknown credential field "token"/],
      [["set", "--file", file, "--name", "x"], `{"apiKey": "${KEY}", "secret": }`, undefined, /not a JSON object/],
      [["set", "--file", file], "", undefined, /needs --name/],
      [["set", "--file", file, "--name", "x", "--secret", SECRET], "", undefined, /Unknown option/],
      [["frobnicate", "--file", file], "", undefined, /exactly one command/],
    ];
    for (const [argv, stdin, env, message] of cases) {
      const t = io(stdin, env);
      expect(await main(argv, t.cli)).toBe(2);
      expect(t.err.join("\n")).toMatch(message);
      for (const s of [KEY, SECRET, PASS]) expect(t.all()).not.toContain(s);
    }
  });
});
