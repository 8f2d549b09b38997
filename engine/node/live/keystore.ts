/**
 * An encrypted file of named exchange credentials.
 *
 * Layout (version 1), all integers unsigned bytes:
 *
 *   "QWKSTORE" (8) | version (1) | log2 N (1) | r (1) | p (1) | salt (16) | iv (12) | ciphertext | tag (16)
 *
 * The key is scrypt(passphrase, salt, N, r, p) → 32 bytes; the payload is AES-256-GCM encrypted
 * with the whole 40-byte header as additional authenticated data, so changing any byte of the
 * file (cost, salt, iv, ciphertext or tag) makes decryption fail. Every write draws a new salt and
 * iv. The file is replaced atomically (temp file, fsync, rename) with mode 0600, and a file that
 * group or others may read, or another user owns, is refused before a byte of it is read.
 *
 * Failures are InputErrors whose message names the file and never the passphrase or any plaintext;
 * nothing is returned on failure (fail closed).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from "node:crypto";
import { chmod, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { CREDENTIAL_FIELDS, Secret, type CredentialField, type Credentials } from "./secrets.js";

/** scrypt cost: N = 2^log2N, block size r, parallelism p (memory ≈ 128 · N · r bytes). */
export interface KeystoreCost {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/** 2^17 · 8 · 128 B = 128 MiB and a few hundred ms per open: OWASP's scrypt recommendation. */
export const DEFAULT_KEYSTORE_COST: KeystoreCost = Object.freeze({ log2N: 17, r: 8, p: 1 });

/** The shortest passphrase accepted when a keystore is written. */
export const MIN_PASSPHRASE_LENGTH = 12;

/** An opened keystore: entry names and their credentials (as Secrets). */
export interface Keystore {
  readonly file: string;
  readonly cost: KeystoreCost;
  names(): string[];
  get(name: string): Credentials | undefined;
}

export interface KeystoreWriteOptions {
  /** scrypt cost for the new file; default DEFAULT_KEYSTORE_COST (tests use a cheaper one). */
  cost?: KeystoreCost;
}

const MAGIC = Buffer.from("QWKSTORE", "latin1");
const VERSION = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 4 + SALT_BYTES + IV_BYTES;
const KEY_BYTES = 32;
/** Bounds on the cost read from a header, so a forged header cannot make us allocate gigabytes. */
const COST_LIMITS = { log2N: [12, 20], r: [1, 32], p: [1, 16] } as const;
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;
const ENTRY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

const entrySchema = z.strictObject({ apiKey: z.string().min(1), secret: z.string().min(1), password: z.string().optional(), uid: z.string().optional() });
const payloadSchema = z.strictObject({ entries: z.record(z.string().regex(ENTRY_NAME), entrySchema) });
type Entries = Record<string, Partial<Record<CredentialField, string>>>;

/**
 * Opens and decrypts a keystore. Throws InputError: KEYSTORE_NOT_FOUND, KEYSTORE_PERMISSIONS
 * (group/other bits set, or owned by another user), KEYSTORE_CORRUPT (not a keystore, or too
 * short), KEYSTORE_VERSION, KEYSTORE_COST (cost outside the accepted bounds), KEYSTORE_DECRYPT
 * (wrong passphrase, or the file was changed or truncated: GCM cannot tell these apart).
 *
 * @example
 * const ks = await openKeystore("accounts/main.keystore", new Secret(process.env.QW_KEYSTORE_PASSPHRASE!));
 * const creds = ks.get("binance-main");
 */
export async function openKeystore(file: string, passphrase: Secret): Promise<Keystore> {
  const { entries, cost } = await readEntries(file, passphrase);
  const frozen = new Map<string, Credentials>();
  for (const [name, values] of Object.entries(entries)) {
    const out: Partial<Record<CredentialField, Secret>> = {};
    for (const field of CREDENTIAL_FIELDS) {
      const value = values[field];
      if (value !== undefined) out[field] = new Secret(value, `keystore ${file} entry ${name}`);
    }
    frozen.set(name, Object.freeze(out) as Credentials);
  }
  return Object.freeze({ file, cost, names: () => [...frozen.keys()].sort(), get: (name: string) => frozen.get(name) });
}

/** Writes a new, empty keystore; refuses (KEYSTORE_EXISTS) to overwrite a file. */
export async function createKeystore(file: string, passphrase: Secret, options: KeystoreWriteOptions = {}): Promise<void> {
  await writeEntries(file, passphrase, {}, options.cost ?? DEFAULT_KEYSTORE_COST, true);
}

/**
 * Adds or replaces the entry `name` (creating the keystore when the file does not exist yet);
 * apiKey and secret are required. Keeps the file's cost unless options.cost is given.
 */
export async function setKeystoreEntry(file: string, passphrase: Secret, name: string, values: Partial<Record<CredentialField, Secret>>,
  options: KeystoreWriteOptions = {}): Promise<void> {
  checkEntryName(file, name);
  if (!values.apiKey || !values.secret) {
    throw new InputError("KEYSTORE_ENTRY", { file, entry: name }, `keystore ${file}: entry "${name}" needs both apiKey and secret`);
  }
  const existing = (await exists(file)) ? await readEntries(file, passphrase) : { entries: {}, cost: options.cost ?? DEFAULT_KEYSTORE_COST };
  const plain: Partial<Record<CredentialField, string>> = {};
  for (const field of CREDENTIAL_FIELDS) {
    const value = values[field]?.reveal();
    if (value !== undefined && value !== "") plain[field] = value;
  }
  await writeEntries(file, passphrase, { ...existing.entries, [name]: plain }, options.cost ?? existing.cost, false);
}

/** Removes the entry `name`; returns false (and leaves the file alone) when there is none. */
export async function removeKeystoreEntry(file: string, passphrase: Secret, name: string): Promise<boolean> {
  const { entries, cost } = await readEntries(file, passphrase);
  if (!Object.hasOwn(entries, name)) return false;
  const rest = { ...entries };
  delete rest[name];
  await writeEntries(file, passphrase, rest, cost, false);
  return true;
}

/** Re-encrypts the keystore under a new passphrase (new salt and iv; optionally a new cost). */
export async function rotateKeystore(file: string, oldPassphrase: Secret, newPassphrase: Secret, options: KeystoreWriteOptions = {}): Promise<void> {
  const { entries, cost } = await readEntries(file, oldPassphrase);
  await writeEntries(file, newPassphrase, entries, options.cost ?? cost, false);
}

// ---------------------------------------------------------------------------------------------

async function exists(file: string): Promise<boolean> {
  try {
    await (await open(file, "r")).close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

function checkEntryName(file: string, name: string): void {
  if (!ENTRY_NAME.test(name)) {
    throw new InputError("KEYSTORE_ENTRY", { file, entry: name },
      `keystore ${file}: entry name "${name}" must be 1–64 letters, digits, ".", "_" or "-"`);
  }
}

function checkCost(file: string, cost: KeystoreCost): void {
  const ok = (Object.keys(COST_LIMITS) as (keyof KeystoreCost)[])
    .every((k) => Number.isInteger(cost[k]) && cost[k] >= COST_LIMITS[k][0] && cost[k] <= COST_LIMITS[k][1]);
  if (!ok || scryptMemory(cost) > MAX_SCRYPT_MEMORY) {
    throw new InputError("KEYSTORE_COST", { file, log2N: cost.log2N, r: cost.r, p: cost.p },
      `keystore ${file}: scrypt cost log2N=${cost.log2N} r=${cost.r} p=${cost.p} is outside the accepted bounds ` +
      `(log2N ${COST_LIMITS.log2N.join("–")}, r ${COST_LIMITS.r.join("–")}, p ${COST_LIMITS.p.join("–")}, at most 1 GiB)`);
  }
}

const scryptMemory = (cost: KeystoreCost): number => 128 * 2 ** cost.log2N * cost.r;

function deriveKey(passphrase: Secret, salt: Buffer, cost: KeystoreCost): Promise<Buffer> {
  const secret = Buffer.from(passphrase.reveal(), "utf8");
  const options: ScryptOptions = { N: 2 ** cost.log2N, r: cost.r, p: cost.p, maxmem: scryptMemory(cost) + 32 * 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (error, key) => {
      secret.fill(0);
      if (error) reject(error);
      else resolve(key);
    });
  });
}

async function readEntries(file: string, passphrase: Secret): Promise<{ entries: Entries; cost: KeystoreCost }> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new InputError("KEYSTORE_NOT_FOUND", { file }, `keystore ${file} does not exist; create it with: npm run keystore -- set --file ${file} --name NAME`);
    }
    throw new InputError("KEYSTORE_UNREADABLE", { file }, `keystore ${file} could not be opened (${code ?? "error"})`);
  }
  let bytes: Buffer;
  try {
    // Checked on the open handle, so the file cannot be swapped between the check and the read.
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError("KEYSTORE_CORRUPT", { file }, `keystore ${file} is not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8);
      throw new InputError("KEYSTORE_PERMISSIONS", { file, mode },
        `keystore ${file} is accessible by group or others (mode ${mode}); refusing to use it. Run: chmod 600 ${file}`);
    }
    const uid = process.getuid?.();
    if (uid !== undefined && uid !== 0 && info.uid !== uid) {
      throw new InputError("KEYSTORE_PERMISSIONS", { file, owner: info.uid },
        `keystore ${file} is owned by another user (uid ${info.uid}); refusing to use it`);
    }
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (bytes.length < HEADER_BYTES + TAG_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new InputError("KEYSTORE_CORRUPT", { file },
      `${file} is not a keystore or is truncated (${bytes.length} bytes); restore it from a backup or create a new one`);
  }
  const version = bytes[MAGIC.length]!;
  if (version !== VERSION) {
    throw new InputError("KEYSTORE_VERSION", { file, version },
      `keystore ${file} has format version ${version}, but this build reads version ${VERSION}`);
  }
  const cost: KeystoreCost = { log2N: bytes[MAGIC.length + 1]!, r: bytes[MAGIC.length + 2]!, p: bytes[MAGIC.length + 3]! };
  checkCost(file, cost);
  const header = bytes.subarray(0, HEADER_BYTES);
  const salt = header.subarray(MAGIC.length + 4, MAGIC.length + 4 + SALT_BYTES);
  const iv = header.subarray(HEADER_BYTES - IV_BYTES, HEADER_BYTES);
  const ciphertext = bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const key = await deriveKey(passphrase, salt, cost);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    // No cause attached: nothing from the cipher needs to travel with the error.
    throw new InputError("KEYSTORE_DECRYPT", { file },
      `keystore ${file} could not be decrypted: the passphrase is wrong, or the file was modified or truncated`);
  } finally {
    key.fill(0);
  }
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(plaintext.toString("utf8")));
    if (!parsed.success) throw new Error("schema");
    return { entries: parsed.data.entries as Entries, cost };
  } catch {
    throw new InputError("KEYSTORE_CORRUPT", { file }, `keystore ${file} decrypted, but its content is not a valid credentials list`);
  } finally {
    plaintext.fill(0);
  }
}

async function writeEntries(file: string, passphrase: Secret, entries: Entries, cost: KeystoreCost, mustBeNew: boolean): Promise<void> {
  checkCost(file, cost);
  if (passphrase.reveal().length < MIN_PASSPHRASE_LENGTH) {
    throw new InputError("KEYSTORE_PASSPHRASE", { file }, `keystore ${file}: the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  if (mustBeNew && (await exists(file))) {
    throw new InputError("KEYSTORE_EXISTS", { file }, `keystore ${file} already exists; use set/remove to change it`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = VERSION;
  header[MAGIC.length + 1] = cost.log2N;
  header[MAGIC.length + 2] = cost.r;
  header[MAGIC.length + 3] = cost.p;
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  salt.copy(header, MAGIC.length + 4);
  iv.copy(header, HEADER_BYTES - IV_BYTES);
  const key = await deriveKey(passphrase, salt, cost);
  const plaintext = Buffer.from(JSON.stringify({ entries }), "utf8");
  let sealed: Buffer;
  try {
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    sealed = Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  } finally {
    key.fill(0);
    plaintext.fill(0);
  }
  await writeAtomically(file, sealed);
}

/** Temp file (created 0600, exclusive) → fsync → rename over `file` → fsync the folder. */
async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  await chmod(file, 0o600);
  const folder = await open(dirname(file), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
