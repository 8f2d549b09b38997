/**
 * The order-instruction drop folder: a person or another system writes a CSV of orders into a
 * watched folder; each file is validated line by line and handed over once.
 *
 *   symbol,side,quantity,type,limit_price,stop_price,time_in_force,reduce_only,tag
 *   BTC/USDT,buy,0.5,limit,42000,,GTC,,rebalance
 *
 * Only symbol, side and quantity are required (type defaults to market); header names ignore case,
 * "_", "-" and spaces, and `qty`, `limit`, `stop`, `tif` are accepted; blank lines and lines
 * starting with # are skipped. A file with any bad line is rejected whole (a half-applied order
 * list is worse than none) and moved to rejected/ with NAME.errors.txt listing every problem as
 * `file:line: column N "name": what is wrong`. A good file's orders go to `onOrders`, then the file
 * moves to processed/. Renames stay inside the folder, so each move is atomic.
 *
 * Exactly once, across restarts: the content hash is recorded in the account store as
 * "processing" before the orders are handed over and as "processed" once they were. Every order
 * carries a client order id derived from the hash and its line, so if the process dies in
 * between, the next scan hands the same orders over again with the same ids, and the runner's
 * recordIntent (false for a known id) keeps them from being sent twice. Content already processed
 * or rejected is refused as a duplicate. The folder is polled, and fs.watch only makes a scan come
 * sooner, since watch events can be lost or coalesced.
 */
import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { z } from "zod";
import type { OrderSide, OrderType, TimeInForce } from "../../orders.js";
import type { AccountStore } from "./accountStore.js";

/** One validated order line of a drop file. */
export interface DroppedOrder {
  /** `drop-<first 16 hex of the file hash>-<line>`: the same for the same content, always. */
  readonly clientOrderId: string;
  /** Line of the file it came from (1-based). */
  readonly line: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: Exclude<OrderType, "trailing_stop">;
  readonly quantity: number;
  readonly limitPrice?: number | undefined;
  readonly stopPrice?: number | undefined;
  readonly timeInForce?: TimeInForce | undefined;
  readonly reduceOnly: boolean;
  readonly tag?: string | undefined;
}

/** A good file, handed to onOrders. */
export interface DropFile {
  readonly name: string;
  /** sha256 of its bytes, hex. */
  readonly hash: string;
  readonly orders: readonly DroppedOrder[];
}

/** What is wrong, and where: `file:line: column N "name": message`. */
export interface DropProblem {
  readonly file: string;
  readonly line: number;
  /** 1-based column and its header name, when one column is at fault. */
  readonly column?: { readonly index: number; readonly name: string } | undefined;
  readonly message: string;
}

export const formatProblem = (p: DropProblem): string =>
  `${p.file}:${p.line}: ${p.column ? `column ${p.column.index} "${p.column.name}": ` : ""}${p.message}`;

export interface OrderDropOptions {
  folder: string;
  /** Where the content hashes are kept (the account store). */
  store: Pick<AccountStore, "processedFile" | "recordProcessedFile">;
  /**
   * Receives each good file's orders (the runner risk-checks and submits them). If it throws, the
   * file stays where it is and is offered again on a later scan.
   */
  onOrders: (file: DropFile) => void | Promise<void>;
  /** Told about each rejected file. */
  onRejected?: (name: string, problems: readonly DropProblem[]) => void;
  /** Told about failures (onOrders threw, a file could not be read or moved). */
  onError?: (error: unknown, name: string | undefined) => void;
  /** Symbols the account trades; a line with another symbol is an error. */
  symbols?: readonly string[];
  /** Scan interval; default 1000 ms. */
  pollMs?: number;
  /** A file changed less than this long ago may still be being written and waits; default 500 ms. */
  settleMs?: number;
  /** Largest file accepted; default 1 MB. */
  maxBytes?: number;
  now?: () => number;
}

export interface ScanResult {
  readonly processed: string[];
  readonly rejected: string[];
  /** Not settled yet, or onOrders failed: offered again later. */
  readonly waiting: string[];
}

type Field = "symbol" | "side" | "quantity" | "type" | "limitPrice" | "stopPrice" | "timeInForce" | "reduceOnly" | "tag";

const HEADER_NAMES: Readonly<Record<string, Field>> = {
  symbol: "symbol", side: "side", quantity: "quantity", qty: "quantity", type: "type", ordertype: "type",
  limitprice: "limitPrice", limit: "limitPrice", stopprice: "stopPrice", stop: "stopPrice",
  timeinforce: "timeInForce", tif: "timeInForce", reduceonly: "reduceOnly", tag: "tag",
};
const REQUIRED: readonly Field[] = ["symbol", "side", "quantity"];

const blankToUndefined = (s: string) => (s.trim() === "" ? undefined : s.trim());
const positiveNumber = z.string().regex(/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, "must be a positive number")
  .transform(Number).pipe(z.number().positive("must be a positive number").finite());
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((s) => blankToUndefined(String(s)), schema.optional());
const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.string().transform((s) => s.trim().toLowerCase().replace(/-/g, "_"))
    .pipe(z.enum(values, { error: (issue) => `must be ${what}, got "${String(issue.input)}"` }));

const lineSchema = z.object({
  symbol: z.string().trim().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/, "must be a symbol such as BTC/USDT"),
  side: lowerEnum(["buy", "sell"], "buy or sell"),
  quantity: z.string().trim().pipe(positiveNumber),
  type: z.string().transform((s) => s.trim() === "" ? "market" : s).pipe(lowerEnum(["market", "limit", "stop", "stop_limit"], "market, limit, stop or stop_limit")),
  limitPrice: optional(positiveNumber),
  stopPrice: optional(positiveNumber),
  timeInForce: optional(z.string().transform((s) => s.toUpperCase()).pipe(z.enum(["GTC", "DAY", "IOC"], { error: "must be GTC, DAY or IOC" }))),
  reduceOnly: z.string().transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(["", "true", "false", "1", "0", "yes", "no"], { error: "must be true or false" }))
    .transform((s) => s === "true" || s === "1" || s === "yes"),
  tag: optional(z.string().max(64, "must be at most 64 characters")),
}).superRefine((o, ctx) => {
  const needsLimit = o.type === "limit" || o.type === "stop_limit";
  const needsStop = o.type === "stop" || o.type === "stop_limit";
  if (needsLimit && o.limitPrice === undefined) ctx.addIssue({ code: "custom", path: ["limitPrice"], message: `is required for a ${o.type} order` });
  if (!needsLimit && o.limitPrice !== undefined) ctx.addIssue({ code: "custom", path: ["limitPrice"], message: `must be empty for a ${o.type} order` });
  if (needsStop && o.stopPrice === undefined) ctx.addIssue({ code: "custom", path: ["stopPrice"], message: `is required for a ${o.type} order` });
  if (!needsStop && o.stopPrice !== undefined) ctx.addIssue({ code: "custom", path: ["stopPrice"], message: `must be empty for a ${o.type} order` });
});

/**
 * Parses and validates a drop file's text. Returns the orders, or every problem found (then no
 * orders: the file is rejected whole). `hash` seeds the client order ids.
 */
export function parseOrderCsv(text: string, file: string, hash: string, options: { symbols?: readonly string[] } = {}):
  { orders: DroppedOrder[]; problems: DropProblem[] } {
  const problems: DropProblem[] = [];
  const orders: DroppedOrder[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let header: { fields: (Field | undefined)[]; names: string[] } | undefined;
  const allowed = options.symbols ? new Set(options.symbols) : undefined;

  let headerProblems = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    // Rows under a broken header would only repeat its problem on every line.
    if (headerProblems || raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const split = splitCsvLine(raw);
    if (typeof split === "string") {
      problems.push({ file, line, message: split });
      headerProblems = !header;
      return;
    }
    if (!header) {
      header = { fields: [], names: split.map((s) => s.trim()) };
      const seen = new Set<Field>();
      split.forEach((name, c) => {
        const field = HEADER_NAMES[name.trim().toLowerCase().replace(/[\s_-]/g, "")];
        const column = { index: c + 1, name: name.trim() };
        if (!field) {
          problems.push({ file, line, column, message: `unknown column; columns: symbol, side, quantity, type, limit_price, stop_price, time_in_force, reduce_only, tag` });
        } else if (seen.has(field)) {
          problems.push({ file, line, column, message: `the column ${field} appears twice` });
        }
        seen.add(field!);
        header!.fields.push(field);
      });
      for (const field of REQUIRED) {
        if (!seen.has(field)) problems.push({ file, line, message: `the header has no "${field}" column (required: ${REQUIRED.join(", ")})` });
      }
      headerProblems = problems.length > 0;
      return;
    }
    if (split.length !== header.fields.length) {
      problems.push({ file, line, message: `has ${split.length} fields but the header has ${header.fields.length}` });
      return;
    }
    const values: Record<Field, string> = { symbol: "", side: "", quantity: "", type: "", limitPrice: "", stopPrice: "", timeInForce: "", reduceOnly: "", tag: "" };
    header.fields.forEach((field, c) => { if (field) values[field] = split[c]!; });
    const columnOf = (field: Field) => {
      const c = header!.fields.indexOf(field);
      return c < 0 ? undefined : { index: c + 1, name: header!.names[c]! };
    };
    const parsed = lineSchema.safeParse(values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as Field;
        const column = columnOf(field);
        const given = values[field]?.trim();
        const message = column ? `${issue.message}${issue.message.includes("got") || given === "" ? "" : `, got "${given}"`}` : `${field} ${issue.message}`;
        problems.push({ file, line, column, message });
      }
      return;
    }
    const o = parsed.data;
    if (allowed && !allowed.has(o.symbol)) {
      problems.push({ file, line, column: columnOf("symbol"), message: `${o.symbol} is not traded by this account (${[...allowed].join(", ")})` });
      return;
    }
    orders.push({ clientOrderId: `drop-${hash.slice(0, 16)}-${line}`, line, ...o });
  });
  if (!header) problems.push({ file, line: 1, message: "the file is empty; the first line must be a header such as symbol,side,quantity" });
  else if (problems.length === 0 && orders.length === 0) problems.push({ file, line: lines.length, message: "the file has a header but no orders" });
  return problems.length > 0 ? { orders: [], problems } : { orders, problems };
}

/** Fields of one CSV line; double quotes may wrap a field ("" is a quote). A string is an error message. */
function splitCsvLine(line: string): string[] | string {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (ch === ",") {
      out.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  if (quoted) return "a quoted field is not closed on this line";
  out.push(field);
  return out;
}

/** Watches a drop folder; see the module comment. */
export class OrderDrop {
  readonly #o: Required<Omit<OrderDropOptions, "symbols" | "onRejected" | "onError">> & Pick<OrderDropOptions, "symbols" | "onRejected" | "onError">;
  #timer: ReturnType<typeof setInterval> | undefined;
  #watcher: FSWatcher | undefined;
  #scanning: Promise<ScanResult> | undefined;
  #again = false;

  constructor(options: OrderDropOptions) {
    this.#o = { pollMs: 1000, settleMs: 500, maxBytes: 1_000_000, now: Date.now, ...options };
  }

  get processedFolder(): string { return join(this.#o.folder, "processed"); }
  get rejectedFolder(): string { return join(this.#o.folder, "rejected"); }

  /** Creates the folders, scans once and then on every poll and watch event. */
  async start(): Promise<void> {
    await this.#folders();
    this.#timer = setInterval(() => void this.scan(), this.#o.pollMs);
    this.#timer.unref?.();
    try {
      this.#watcher = watch(this.#o.folder, () => void this.scan());
      this.#watcher.on("error", () => undefined); // polling carries on
    } catch {
      // Some file systems cannot be watched; the poll covers them.
    }
    void this.scan();
  }

  /** Stops watching and waits for a scan in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher?.close();
    this.#timer = undefined;
    this.#watcher = undefined;
    await this.#scanning;
  }

  /** Handles every settled file in the folder once. Overlapping calls share one scan (and another follows it). */
  scan(): Promise<ScanResult> {
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = this.#scanOnce().finally(() => {
      this.#scanning = undefined;
      if (this.#again) {
        this.#again = false;
        void this.scan();
      }
    });
    return this.#scanning;
  }

  async #folders(): Promise<void> {
    await mkdir(this.processedFolder, { recursive: true });
    await mkdir(this.rejectedFolder, { recursive: true });
  }

  async #scanOnce(): Promise<ScanResult> {
    const result: ScanResult = { processed: [], rejected: [], waiting: [] };
    await this.#folders();
    const entries = await readdir(this.#o.folder, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith(".") && extname(e.name).toLowerCase() === ".csv").map((e) => e.name).sort();
    for (const name of names) {
      try {
        const outcome = await this.#handle(name);
        if (outcome) result[outcome].push(name);
      } catch (error) {
        result.waiting.push(name);
        this.#o.onError?.(error, name);
      }
    }
    return result;
  }

  /** One file; returns where it went, or undefined when it vanished meanwhile. */
  async #handle(name: string): Promise<keyof ScanResult | undefined> {
    const path = join(this.#o.folder, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) return undefined;
    if (this.#o.now() - info.mtimeMs < this.#o.settleMs) return "waiting";
    if (info.size > this.#o.maxBytes) {
      await this.#reject(name, undefined, [{ file: name, line: 1, message: `the file has ${info.size} bytes; at most ${this.#o.maxBytes} are accepted` }]);
      return "rejected";
    }
    const bytes = await readFile(path);
    const hash = createHash("sha256").update(bytes).digest("hex");
    const prior = await this.#o.store.processedFile(hash);
    if (prior && prior.outcome !== "processing") {
      const when = new Date(prior.timeMs).toISOString();
      await this.#reject(name, undefined, [{ file: name, line: 1,
        message: `the same content was already ${prior.outcome} as ${prior.name} at ${when}; a file is handled once (change it, e.g. add a # comment line, to send it again)` }]);
      return "rejected";
    }
    const { orders, problems } = parseOrderCsv(bytes.toString("utf8"), name, hash, this.#o.symbols ? { symbols: this.#o.symbols } : {});
    if (problems.length > 0) {
      await this.#reject(name, hash, problems);
      return "rejected";
    }
    await this.#o.store.recordProcessedFile({ hash, name, timeMs: this.#o.now(), outcome: "processing", orders: orders.length });
    await this.#o.onOrders({ name, hash, orders });
    // Recorded before the move: a crash in between leaves a file that the next scan refuses as
    // already processed (visibly, in rejected/), rather than one it would hand over again.
    await this.#o.store.recordProcessedFile({ hash, name, timeMs: this.#o.now(), outcome: "processed", orders: orders.length });
    await this.#move(name, this.processedFolder, hash);
    return "processed";
  }

  async #reject(name: string, hash: string | undefined, problems: readonly DropProblem[]): Promise<void> {
    const text = problems.map(formatProblem).join("\n");
    const target = await this.#target(name, this.rejectedFolder, hash ?? String(this.#o.now()));
    // the list is complete before the file shows up in rejected/: whoever sees the file can read why
    await writeFile(`${target}.errors.txt.tmp`, `${text}\n`);
    await rename(`${target}.errors.txt.tmp`, `${target}.errors.txt`);
    await rename(join(this.#o.folder, name), target);
    if (hash) {
      await this.#o.store.recordProcessedFile({ hash, name, timeMs: this.#o.now(), outcome: "rejected", orders: 0, error: text.slice(0, 4000) });
    }
    this.#o.onRejected?.(name, problems);
  }

  /** Renames into `folder` (see #target); returns the new path. */
  async #move(name: string, folder: string, hash: string): Promise<string> {
    const target = await this.#target(name, folder, hash);
    await rename(join(this.#o.folder, name), target);
    return target;
  }

  /** Where `name` goes in `folder`: its own name, or with part of the hash added when that one is taken. */
  async #target(name: string, folder: string, hash: string): Promise<string> {
    const target = join(folder, name);
    if (!(await stat(target).then(() => true, () => false))) return target;
    const ext = extname(name);
    return join(folder, `${name.slice(0, name.length - ext.length)}-${hash.slice(0, 12)}${ext}`);
  }
}
