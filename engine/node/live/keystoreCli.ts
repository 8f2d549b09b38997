/**
 * `npm run keystore -- create|set|list|remove|rotate --file FILE [--name NAME]`: manages an
 * encrypted keystore (see keystore.ts). The passphrase comes from QW_KEYSTORE_PASSPHRASE (rotate:
 * the new one from QW_KEYSTORE_NEW_PASSPHRASE); secret values are read from stdin, never from the
 * command line, where they would sit in the shell history and in `ps`. Exit codes: 0 ok, 2 bad
 * input (message on stderr), 1 unexpected failure.
 */
import { parseArgs, parseEnv } from "node:util";
import { EngineError, InputError } from "../../errors.js";
import {
  DEFAULT_KEYSTORE_COST, createKeystore, openKeystore, removeKeystoreEntry, rotateKeystore, setKeystoreEntry, type KeystoreCost,
} from "./keystore.js";
import { CREDENTIAL_FIELDS, Secret, type CredentialField } from "./secrets.js";

export const PASSPHRASE_ENV = "QW_KEYSTORE_PASSPHRASE";
export const NEW_PASSPHRASE_ENV = "QW_KEYSTORE_NEW_PASSPHRASE";

const USAGE = `usage: npm run keystore -- <command> --file FILE [--name NAME] [--log2n N]
  create  --file F            write a new, empty keystore
  set     --file F --name N   add or replace entry N (creates the file if needed); reads from stdin
                              either JSON {"apiKey": "...", "secret": "..."} or KEY=VALUE lines
                              (fields: ${CREDENTIAL_FIELDS.join(", ")}); on a terminal it asks, without echo
  list    --file F            entry names and the fields each holds (never the values)
  remove  --file F --name N   delete entry N
  rotate  --file F            re-encrypt under the passphrase in ${NEW_PASSPHRASE_ENV}
  --log2n N                   scrypt cost 2^N for create/set/rotate (default ${DEFAULT_KEYSTORE_COST.log2N})
The passphrase is read from ${PASSPHRASE_ENV}.`;

/** What the CLI touches, injectable for tests. */
export interface CliIO {
  env: Readonly<Record<string, string | undefined>>;
  /** Secret input; a TTY (isTTY true) is prompted field by field without echo. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO = (): CliIO => ({
  env: process.env, stdin: process.stdin,
  out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`),
});

/** Runs one command; returns the exit code. Errors are printed, never thrown. */
export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof EngineError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    // Unexpected failures print only their class and message; keystore code never puts a secret there.
    io.err(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : "unexpected failure"}`);
    return 1;
  }
}

async function run(argv: readonly string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  const command = positionals[0];
  if (values.help || command === "help") {
    io.out(USAGE);
    return;
  }
  if (positionals.length !== 1 || !["create", "set", "list", "remove", "rotate"].includes(command ?? "")) {
    throw new InputError("USAGE", {}, `give exactly one command: create, set, list, remove or rotate\n${USAGE}`);
  }
  const file = values.file;
  if (!file) throw new InputError("USAGE", {}, `--file is required\n${USAGE}`);
  const cost: KeystoreCost | undefined = values.log2n === undefined ? undefined : { ...DEFAULT_KEYSTORE_COST, log2N: Number(values.log2n) };
  const costOption = cost ? { cost } : {};
  const passphrase = passphraseFrom(io.env, PASSPHRASE_ENV);
  const needName = (): string => {
    if (!values.name) throw new InputError("USAGE", {}, `${command} needs --name NAME\n${USAGE}`);
    return values.name;
  };

  switch (command) {
    case "create":
      await createKeystore(file, passphrase, costOption);
      io.out(`created ${file} (mode 600)`);
      return;
    case "set": {
      const name = needName();
      const fields = await readCredentialFields(io);
      await setKeystoreEntry(file, passphrase, name, fields, costOption);
      io.out(`stored entry "${name}" (${Object.keys(fields).join(", ")}) in ${file}`);
      return;
    }
    case "list": {
      const store = await openKeystore(file, passphrase);
      const names = store.names();
      if (names.length === 0) io.out(`${file}: no entries`);
      for (const name of names) {
        const entry = store.get(name)!;
        io.out(`${name}\t${CREDENTIAL_FIELDS.filter((f) => entry[f] !== undefined).join(",")}`);
      }
      return;
    }
    case "remove": {
      const name = needName();
      const removed = await removeKeystoreEntry(file, passphrase, name);
      if (!removed) throw new InputError("KEYSTORE_ENTRY", { file, entry: name }, `keystore ${file} has no entry "${name}"`);
      io.out(`removed entry "${name}" from ${file}`);
      return;
    }
    case "rotate":
      await rotateKeystore(file, passphrase, passphraseFrom(io.env, NEW_PASSPHRASE_ENV), costOption);
      io.out(`re-encrypted ${file} under the new passphrase; update ${PASSPHRASE_ENV} wherever the trader runs`);
      return;
  }
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        file: { type: "string" },
        name: { type: "string" },
        log2n: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new InputError("USAGE", {}, `${(error as Error).message}\n${USAGE}`);
  }
}

function passphraseFrom(env: CliIO["env"], name: string): Secret {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new InputError("MISSING_PASSPHRASE", { variable: name }, `set the keystore passphrase in the environment variable ${name}`);
  }
  return new Secret(value, `env ${name}`);
}

/** The credential fields from stdin: JSON or KEY=VALUE lines when piped, hidden prompts on a terminal. */
async function readCredentialFields(io: CliIO): Promise<Partial<Record<CredentialField, Secret>>> {
  const raw: Record<string, unknown> = io.stdin.isTTY ? await promptFields(io) : parseFields(await readAll(io.stdin));
  const out: Partial<Record<CredentialField, Secret>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(CREDENTIAL_FIELDS as readonly string[]).includes(key)) {
      throw new InputError("KEYSTORE_ENTRY", { field: key }, `unknown credential field "${key}" on stdin; fields: ${CREDENTIAL_FIELDS.join(", ")}`);
    }
    if (typeof value !== "string") throw new InputError("KEYSTORE_ENTRY", { field: key }, `credential field "${key}" must be a string`);
    if (value !== "") out[key as CredentialField] = new Secret(value, `stdin ${key}`);
  }
  if (!out.apiKey || !out.secret) {
    throw new InputError("KEYSTORE_ENTRY", {}, `stdin must give apiKey and secret, e.g.  printf 'apiKey=...\\nsecret=...\\n' | npm run keystore -- set ...`);
  }
  return out;
}

function parseFields(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Deliberately no detail: JSON.parse quotes the offending text, which may be the secret.
    }
    throw new InputError("KEYSTORE_ENTRY", {}, "stdin starts with { but is not a JSON object of credential fields");
  }
  return parseEnv(text);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Asks for each field on the terminal with echo off (raw mode); empty optional fields are skipped. */
async function promptFields(io: CliIO): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const field of CREDENTIAL_FIELDS) {
    const optional = field !== "apiKey" && field !== "secret";
    process.stderr.write(`${field}${optional ? " (optional, Enter to skip)" : ""}: `);
    const value = await readHiddenLine(io.stdin);
    process.stderr.write("\n");
    if (value !== "") out[field] = value;
  }
  return out;
}

function readHiddenLine(stdin: CliIO["stdin"]): Promise<string> {
  return new Promise((resolve, reject) => {
    let line = "";
    stdin.setRawMode?.(true);
    stdin.resume();
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === "\u0003") return finish(new InputError("CANCELLED", {}, "cancelled"));
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1);
        else line += ch;
      }
    };
    const finish = (error?: Error) => {
      stdin.removeListener("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      if (error) reject(error);
      else resolve(line);
    };
    stdin.on("data", onData);
  });
}

if (process.argv[1]?.endsWith("live/keystoreCli.ts")) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
