/**
 * The trader's structured log: one JSON object per line (`time`, `level`, `msg`, then the fields),
 * with every registered secret redacted from the finished line, so a key cannot reach the log
 * through the message, a field, an error message or a nested object (see secrets.ts `redact`).
 */
import { redact, type Secret } from "./secrets.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line and shares this one's sink and secrets. */
  child(fields: LogFields): Logger;
  /** Registers values to redact from every later line of this logger and its relatives. */
  addSecrets(...secrets: Array<Secret | string>): void;
}

export interface LoggerOptions {
  /** Where finished lines go (without the newline); default process.stdout. */
  sink?: (line: string) => void;
  /** Lowest level written; default "info". */
  level?: LogLevel;
  /** Fields on every line, e.g. { account: "main" }. */
  fields?: LogFields;
  /** Secrets known from the start. */
  secrets?: Iterable<Secret | string>;
  /** Clock for the `time` field; default Date.now. */
  now?: () => number;
}

/**
 * @example
 * const log = createLogger({ fields: { account: "main" } });
 * log.addSecrets(...credentialSecrets(credentials));
 * log.info("order sent", { clientOrderId, symbol: "BTC/USDT" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const shared = {
    sink: options.sink ?? ((line: string) => void process.stdout.write(`${line}\n`)),
    minRank: RANK[options.level ?? "info"],
    secrets: [...(options.secrets ?? [])] as Array<Secret | string>,
    now: options.now ?? Date.now,
  };
  const make = (base: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (RANK[level] < shared.minRank) return;
      const record = { time: new Date(shared.now()).toISOString(), level, msg, ...base, ...(fields ?? {}) };
      shared.sink(redact(safeStringify(record), shared.secrets));
    };
    return {
      debug: (msg, fields) => write("debug", msg, fields),
      info: (msg, fields) => write("info", msg, fields),
      warn: (msg, fields) => write("warn", msg, fields),
      error: (msg, fields) => write("error", msg, fields),
      child: (fields) => make({ ...base, ...fields }),
      addSecrets: (...secrets) => void shared.secrets.push(...secrets),
    };
  };
  return make(options.fields ?? {});
}

/**
 * JSON that never throws: Errors become {name, message, code, context, stack}, bigints strings,
 * non-finite numbers null, cycles "[circular]". (A Secret serializes itself as "[redacted]".)
 */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function (_key, v: unknown) {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    if (v instanceof Error) {
      const e = v as Error & { code?: unknown; context?: unknown };
      return { name: e.name, message: e.message, ...(e.code !== undefined ? { code: e.code } : {}),
        ...(e.context !== undefined ? { context: e.context } : {}), stack: e.stack };
    }
    if (v !== null && typeof v === "object") {
      if (seen.has(v)) return "[circular]";
      seen.add(v);
    }
    return v;
  });
}
