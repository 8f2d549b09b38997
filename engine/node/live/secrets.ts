/**
 * Exchange credentials for the trader process, which is the only process that ever holds them.
 * Values travel wrapped in `Secret`, which prints as "[redacted]" through every path Node and
 * JSON offer (String(), template literals, JSON.stringify, util.inspect / console.log), so a key
 * cannot leak by being logged or serialized; `reveal()` is the one deliberate way out.
 */
import { statSync, readFileSync } from "node:fs";
import { inspect, parseEnv } from "node:util";
import { InputError } from "../../errors.js";
import { openKeystore } from "./keystore.js";

/** What a secret prints as, everywhere. */
export const REDACTED = "[redacted]";

/** A secret string that never prints itself. */
export class Secret {
  readonly #value: string;
  /** Where the value came from, e.g. `env QW_MAIN_API_KEY`; safe to log. */
  readonly origin: string;

  constructor(value: string, origin = "") {
    this.#value = value;
    this.origin = origin;
  }

  /** The plain value; call it only where the value must leave (signing, the ccxt constructor). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The credential fields ccxt takes that a keystore entry or the environment may hold. */
export const CREDENTIAL_FIELDS = ["apiKey", "secret", "password", "uid"] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

/** An exchange login: apiKey and secret always, password / uid for the venues that need them. */
export type Credentials = { readonly apiKey: Secret; readonly secret: Secret } & { readonly [K in "password" | "uid"]?: Secret };

/** Where an account's credentials come from (the `credentials` section of the account config). */
export type CredentialSource =
  | { readonly env: { readonly apiKey: string; readonly secret: string; readonly password?: string | undefined; readonly uid?: string | undefined } }
  | { readonly keystore: { readonly file: string; readonly entry: string; readonly passphraseEnv: string } };

export interface EnvOptions {
  /** The environment to read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * A `.env` file consulted for names the environment lacks (the environment wins, as with
   * dotenv). A missing file is ignored; one readable by group or others is refused.
   */
  envFile?: string;
}

/**
 * Reads a `.env` file with Node's own parser (util.parseEnv) without touching process.env, so the
 * keys are not inherited by child processes. Returns {} when the file does not exist.
 * Throws InputError ENV_FILE_PERMISSIONS when group or others may read or write it.
 */
export function readEnvFile(file: string): Record<string, string> {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return {};
  }
  if ((mode & 0o077) !== 0) {
    throw new InputError("ENV_FILE_PERMISSIONS", { file, mode: (mode & 0o777).toString(8) },
      `${file} holds secrets but is readable or writable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
  }
  return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
}

/** A lookup of environment variables: the environment first, then the `.env` file. Empty values count as unset. */
export function envLookup(options: EnvOptions = {}): (name: string) => string | undefined {
  const env = options.env ?? process.env;
  let fromFile: Record<string, string> | undefined;
  return (name) => {
    const direct = env[name];
    if (direct !== undefined && direct !== "") return direct;
    fromFile ??= options.envFile ? readEnvFile(options.envFile) : {};
    const value = fromFile[name];
    return value === undefined || value === "" ? undefined : value;
  };
}

/** One variable as a Secret, or undefined when it is unset (e.g. the control API token). */
export function envSecret(name: string, options: EnvOptions = {}): Secret | undefined {
  const value = envLookup(options)(name);
  return value === undefined ? undefined : new Secret(value, `env ${name}`);
}

/**
 * Loads credentials from their source. Env: every named variable that is set; apiKey and secret
 * are required. Keystore: the passphrase is read from the variable `passphraseEnv`, the file is
 * opened (see openKeystore: it fails closed) and the entry is taken.
 * Throws InputError MISSING_CREDENTIALS naming the variable or entry that is missing, never a value.
 */
export async function loadCredentials(source: CredentialSource, options: EnvOptions = {}): Promise<Credentials> {
  const lookup = envLookup(options);
  const where = options.envFile ? `the environment or ${options.envFile}` : "the environment";
  if ("env" in source) {
    const out: Partial<Record<CredentialField, Secret>> = {};
    for (const field of CREDENTIAL_FIELDS) {
      const name = source.env[field];
      if (name === undefined) continue;
      const value = lookup(name);
      if (value === undefined) {
        if (field === "apiKey" || field === "secret") {
          throw new InputError("MISSING_CREDENTIALS", { variable: name },
            `credentials: ${field} is read from the variable ${name}, which is not set in ${where}; set it, or use a keystore`);
        }
        continue;
      }
      out[field] = new Secret(value, `env ${name}`);
    }
    return Object.freeze(out) as Credentials;
  }
  const { file, entry, passphraseEnv } = source.keystore;
  const passphrase = lookup(passphraseEnv);
  if (passphrase === undefined) {
    throw new InputError("MISSING_CREDENTIALS", { variable: passphraseEnv, file },
      `credentials: the passphrase of keystore ${file} is read from the variable ${passphraseEnv}, which is not set in ${where}`);
  }
  const store = await openKeystore(file, new Secret(passphrase, `env ${passphraseEnv}`));
  const found = store.get(entry);
  if (!found) {
    throw new InputError("MISSING_CREDENTIALS", { file, entry },
      `credentials: keystore ${file} has no entry "${entry}"; its entries: ${store.names().join(", ") || "none"} ` +
      `(add one with: npm run keystore -- set --file ${file} --name ${entry})`);
  }
  return found;
}

/** The plain values, for the one place that needs them (the ccxt exchange constructor). */
export function revealCredentials(credentials: Credentials): Partial<Record<CredentialField, string>> {
  const out: Partial<Record<CredentialField, string>> = {};
  for (const field of CREDENTIAL_FIELDS) {
    const secret = credentials[field];
    if (secret) out[field] = secret.reveal();
  }
  return out;
}

/** Every secret of a credentials object, to register with the logger. */
export function credentialSecrets(credentials: Credentials): Secret[] {
  return CREDENTIAL_FIELDS.map((field) => credentials[field]).filter((s): s is Secret => s !== undefined);
}

/**
 * `text` with every occurrence of each secret replaced by "[redacted]": the value as it is, as it
 * appears inside a JSON string (escaped once or twice) and URL-encoded (a query string or form body).
 * Longer values are replaced first so that a secret containing another is not half-replaced.
 */
export function redact(text: string, secrets: Iterable<Secret | string>): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    const value = typeof s === "string" ? s : s.reveal();
    if (value === "") continue;
    const escaped = JSON.stringify(value).slice(1, -1);
    forms.add(value);
    forms.add(escaped);
    forms.add(JSON.stringify(escaped).slice(1, -1)); // a JSON body logged inside a JSON line
    forms.add(encodeURIComponent(value));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}
