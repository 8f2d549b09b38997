/**
 * The account's embedded database: one DuckDB file per account holding orders and their events,
 * fills, positions, balance snapshots, bars and ticks received, the audit log, parameter history,
 * the order-drop files already handled, and a few named JSON values of the runner's own state.
 *
 * Crash safety: every method that writes returns only after its transaction has committed, and a
 * DuckDB commit is durable (appended to the write-ahead log, which is replayed on the next open),
 * so a process killed with SIGKILL loses nothing a write promise had resolved for. Writes that must
 * agree (an order and its event, a fill and its event) share one transaction. Calls are serialized
 * on the one connection, so concurrent callers cannot interleave inside a transaction.
 *
 * One writer: DuckDB locks the file against other processes, and a second open in this process is
 * refused too; both give STORE_LOCKED. Research reads the file once the trader has closed it (or a
 * copy): the schema is plain tables, times are UTC ms (BIGINT) and bars use the canonical columns
 * (symbol, timeframe, time, open, high, low, close, volume).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { barSeries, type BarSeries } from "../../bars.js";
import { InputError } from "../../errors.js";
import type { OrderSide, OrderType, TimeInForce } from "../../orders.js";
import { appendColumns } from "../appendColumns.js";
import { fetchDoubles } from "../readBars.js";
import type { LiveBar } from "../../live/liveSeries.js";

export const STORE_SCHEMA_VERSION = 1;

/** The engine's order states plus those only a live venue has: not yet sent, lost track of, never sent. */
export type StoredOrderStatus =
  | "pending_submit" | "new" | "partially_filled" | "filled" | "canceled" | "rejected" | "expired" | "unknown"
  /** Final: the request is known never to have reached the venue. */
  | "never_placed";
export const OPEN_ORDER_STATUSES: readonly StoredOrderStatus[] = ["pending_submit", "new", "partially_filled", "unknown"];

/** An order as decided, recorded before any request for it leaves the process. */
export interface OrderIntent {
  /** Idempotency key sent to the exchange; unique per account forever. */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly limitPrice?: number | undefined;
  readonly stopPrice?: number | undefined;
  readonly timeInForce?: TimeInForce | undefined;
  readonly reduceOnly?: boolean | undefined;
  /** Who asked: "strategy", "order-drop", "manual", "schedule", … */
  readonly source: string;
  readonly bundle?: string | undefined;
  readonly strategy?: string | undefined;
  readonly reason?: string | undefined;
  readonly tag?: string | undefined;
  /** The engine's order id, for strategy orders. */
  readonly engineId?: number | undefined;
  readonly createdMs: number;
}

export interface StoredOrder extends OrderIntent {
  readonly exchangeOrderId: string | undefined;
  readonly status: StoredOrderStatus;
  readonly filledQuantity: number;
  readonly averagePrice: number | undefined;
  readonly updatedMs: number;
}

/** A change of an order's state, as the venue or the runner reports it. */
export interface OrderUpdate {
  readonly timeMs: number;
  /** What happened, for the event row: "submitted", "acknowledged", "cancel_requested", "reconciled", … */
  readonly event: string;
  readonly status?: StoredOrderStatus;
  readonly exchangeOrderId?: string;
  readonly filledQuantity?: number;
  readonly averagePrice?: number;
  /** The order's size once fixed, for an order sized at its fill (a target order's estimate is journaled first). */
  readonly quantity?: number;
  readonly reason?: string;
  /** Anything else worth keeping (serialized as JSON). */
  readonly details?: unknown;
}

export interface OrderEvent {
  readonly seq: number;
  readonly clientOrderId: string;
  readonly timeMs: number;
  readonly event: string;
  readonly status: StoredOrderStatus | undefined;
  readonly details: unknown;
}

export interface FillRecord {
  /** The exchange's trade id: a fill seen twice (a replay, a reconnect) is stored once. */
  readonly tradeId: string;
  readonly clientOrderId?: string | undefined;
  readonly exchangeOrderId?: string | undefined;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  readonly feeCurrency?: string | undefined;
  readonly liquidity?: "maker" | "taker" | undefined;
  readonly timeMs: number;
}

export interface PositionRecord {
  readonly symbol: string;
  readonly quantity: number;
  readonly averagePrice: number;
  readonly timeMs: number;
}

export interface BalanceRecord {
  readonly currency: string;
  readonly free: number;
  readonly used: number;
  readonly total: number;
  readonly timeMs: number;
}

/** A closed bar as the feed delivered it (open time in UTC ms), with its symbol and timeframe. */
export interface BarRecord extends LiveBar {
  readonly symbol: string;
  readonly timeframe: string;
}

export interface TickRecord {
  readonly symbol: string;
  readonly timeMs: number;
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly last?: number | undefined;
}

export interface AuditRecord {
  readonly seq: number;
  readonly timeMs: number;
  /** Who: "runner", "control-api:<user>", "schedule:<name>", … */
  readonly actor: string;
  readonly action: string;
  readonly details: unknown;
}

export interface ParamsChange {
  readonly timeMs: number;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly actor: string;
  readonly bundle?: string | undefined;
  /** false: the change was asked for and refused (reason says why); default true. */
  readonly accepted?: boolean | undefined;
  readonly reason?: string | undefined;
}

export interface ProcessedFile {
  /** sha256 of the file's bytes, hex. */
  readonly hash: string;
  readonly name: string;
  readonly timeMs: number;
  /** "processing": its orders are being handed over (a crash here is resumed, idempotently); then "processed" or "rejected". */
  readonly outcome: "processing" | "processed" | "rejected";
  readonly orders: number;
  readonly error?: string | undefined;
}

export interface AccountStoreOptions {
  /** Account name; recorded on creation and checked on every later open, so two accounts never share a file. */
  account?: string;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS orders (
     client_order_id VARCHAR PRIMARY KEY, exchange_order_id VARCHAR,
     symbol VARCHAR NOT NULL, side VARCHAR NOT NULL, type VARCHAR NOT NULL, quantity DOUBLE NOT NULL,
     limit_price DOUBLE, stop_price DOUBLE, time_in_force VARCHAR, reduce_only BOOLEAN NOT NULL,
     status VARCHAR NOT NULL, filled_quantity DOUBLE NOT NULL, average_price DOUBLE,
     created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
     source VARCHAR NOT NULL, bundle VARCHAR, strategy VARCHAR, reason VARCHAR, tag VARCHAR, engine_id BIGINT)`,
  `CREATE SEQUENCE IF NOT EXISTS order_event_seq`,
  `CREATE TABLE IF NOT EXISTS order_events (
     seq BIGINT PRIMARY KEY DEFAULT nextval('order_event_seq'), client_order_id VARCHAR NOT NULL,
     time_ms BIGINT NOT NULL, event VARCHAR NOT NULL, status VARCHAR, details JSON)`,
  `CREATE TABLE IF NOT EXISTS fills (
     trade_id VARCHAR PRIMARY KEY, client_order_id VARCHAR, exchange_order_id VARCHAR,
     symbol VARCHAR NOT NULL, side VARCHAR NOT NULL, quantity DOUBLE NOT NULL, price DOUBLE NOT NULL,
     fee DOUBLE NOT NULL, fee_currency VARCHAR, liquidity VARCHAR, time_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS positions (
     symbol VARCHAR PRIMARY KEY, quantity DOUBLE NOT NULL, average_price DOUBLE NOT NULL, time_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS balances (
     time_ms BIGINT NOT NULL, currency VARCHAR NOT NULL, free DOUBLE NOT NULL, used DOUBLE NOT NULL, total DOUBLE NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS bars (
     symbol VARCHAR NOT NULL, timeframe VARCHAR NOT NULL, time BIGINT NOT NULL,
     open DOUBLE NOT NULL, high DOUBLE NOT NULL, low DOUBLE NOT NULL, close DOUBLE NOT NULL, volume DOUBLE NOT NULL,
     PRIMARY KEY (symbol, timeframe, time))`,
  `CREATE TABLE IF NOT EXISTS ticks (symbol VARCHAR NOT NULL, time_ms BIGINT NOT NULL, bid DOUBLE, ask DOUBLE, last DOUBLE)`,
  `CREATE SEQUENCE IF NOT EXISTS audit_seq`,
  `CREATE TABLE IF NOT EXISTS audit (
     seq BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'), time_ms BIGINT NOT NULL,
     actor VARCHAR NOT NULL, action VARCHAR NOT NULL, details JSON)`,
  `CREATE TABLE IF NOT EXISTS params (
     time_ms BIGINT NOT NULL, strategy VARCHAR NOT NULL, params JSON NOT NULL, actor VARCHAR NOT NULL, bundle VARCHAR,
     accepted BOOLEAN NOT NULL, reason VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS state (key VARCHAR PRIMARY KEY, value JSON NOT NULL, time_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS processed_files (
     hash VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, time_ms BIGINT NOT NULL, outcome VARCHAR NOT NULL,
     orders INTEGER NOT NULL, error VARCHAR)`,
];

/** Files open in this process: DuckDB's lock is per process, so a second open here would not be caught by it. */
const openHere = new Set<string>();

type Row = Record<string, unknown>;
const orNull = <T>(x: T | undefined): T | null => (x === undefined ? null : x);
const num = (x: unknown): number => Number(x);
const optNum = (x: unknown): number | undefined => (x === null || x === undefined ? undefined : Number(x));
const optStr = (x: unknown): string | undefined => (x === null || x === undefined ? undefined : String(x));
const json = (x: unknown): string | null => (x === undefined ? null : JSON.stringify(x));
const fromJson = (x: unknown): unknown => (x === null || x === undefined ? undefined : JSON.parse(String(x)));

export class AccountStore {
  readonly file: string;
  readonly #instance: DuckDBInstance;
  readonly #db: DuckDBConnection;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(file: string, instance: DuckDBInstance, db: DuckDBConnection) {
    this.file = file;
    this.#instance = instance;
    this.#db = db;
  }

  /**
   * Opens (creating when absent, with its folder) the store at `file`. Throws InputError
   * STORE_LOCKED when another process or this one has it open, STORE_VERSION for a file written
   * by a newer schema, STORE_ACCOUNT when it belongs to another account.
   */
  static async open(file: string, options: AccountStoreOptions = {}): Promise<AccountStore> {
    const path = resolve(file);
    if (openHere.has(path)) {
      throw new InputError("STORE_LOCKED", { file }, `account store ${file} is already open in this process; only one trader per account may run`);
    }
    mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path);
    } catch (e) {
      const message = (e as Error).message;
      if (/Could not set lock on file/.test(message)) {
        const pid = /\(PID (\d+)\)/.exec(message)?.[1];
        throw new InputError("STORE_LOCKED", { file, pid },
          `account store ${file} is in use by another process${pid ? ` (PID ${pid})` : ""}; only one trader per account may run`);
      }
      throw new InputError("STORE_OPEN", { file }, `account store ${file} could not be opened: ${message.split("\n")[0]}`);
    }
    openHere.add(path);
    let db: DuckDBConnection | undefined;
    try {
      db = await instance.connect();
      const store = new AccountStore(path, instance, db);
      await store.#init(options.account);
      return store;
    } catch (e) {
      db?.closeSync();
      instance.closeSync();
      openHere.delete(path);
      throw e;
    }
  }

  async #init(account: string | undefined): Promise<void> {
    await this.#tx(async (db) => {
      for (const sql of SCHEMA) await db.run(sql);
      const meta = new Map((await db.runAndReadAll("SELECT key, value FROM meta")).getRows().map(([k, v]) => [String(k), String(v)]));
      const version = Number(meta.get("schema_version") ?? STORE_SCHEMA_VERSION);
      if (version > STORE_SCHEMA_VERSION) {
        throw new InputError("STORE_VERSION", { file: this.file, version },
          `account store ${this.file} has schema version ${version}; this build knows up to ${STORE_SCHEMA_VERSION}. Upgrade the trader`);
      }
      const owner = meta.get("account");
      if (account !== undefined && owner !== undefined && owner !== account) {
        throw new InputError("STORE_ACCOUNT", { file: this.file, account, owner },
          `account store ${this.file} belongs to account "${owner}", not "${account}"; give each account its own file`);
      }
      await db.run("INSERT INTO meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING", [String(STORE_SCHEMA_VERSION)]);
      if (account !== undefined) await db.run("INSERT INTO meta VALUES ('account', $1) ON CONFLICT DO NOTHING", [account]);
    });
  }

  /** Runs `fn` after every earlier call has finished. */
  #serial<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new InputError("STORE_CLOSED", { file: this.file }, `account store ${this.file} is closed`);
      return fn(this.#db);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** `fn` inside one transaction; resolves only after COMMIT has returned. */
  #tx<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.#serial(async (db) => {
      await db.run("BEGIN TRANSACTION");
      try {
        const result = await fn(db);
        await db.run("COMMIT");
        return result;
      } catch (e) {
        await db.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  async #rows(sql: string, values: DuckDBValue[] = []): Promise<Row[]> {
    return this.#serial(async (db) => (await db.runAndReadAll(sql, values)).getRowObjectsJS() as Row[]);
  }

  // -------------------------------------------------------------------------------------------
  // Orders

  /**
   * Records an order before it is sent (status "pending_submit"), with an "intent" event, and
   * resolves after the commit: only then may the request leave. Returns false, writing nothing,
   * when this client order id is already recorded; the order must then not be sent again.
   */
  recordIntent(order: OrderIntent): Promise<boolean> {
    return this.#tx(async (db) => {
      const inserted = await db.run(
        `INSERT INTO orders VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, 'pending_submit', 0, NULL, $10, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT DO NOTHING`,
        [order.clientOrderId, order.symbol, order.side, order.type, order.quantity, orNull(order.limitPrice), orNull(order.stopPrice),
          orNull(order.timeInForce), order.reduceOnly ?? false, order.createdMs, order.source, orNull(order.bundle), orNull(order.strategy),
          orNull(order.reason), orNull(order.tag), orNull(order.engineId)]);
      if (inserted.rowsChanged === 0) return false;
      await this.#event(db, order.clientOrderId, order.createdMs, "intent", "pending_submit", undefined);
      return true;
    });
  }

  /** Applies a state change to an order and appends its event, atomically. Throws STORE_NO_ORDER for an unknown id. */
  updateOrder(clientOrderId: string, update: OrderUpdate): Promise<void> {
    return this.#tx(async (db) => {
      const result = await db.run(
        `UPDATE orders SET status = coalesce($2, status), exchange_order_id = coalesce($3, exchange_order_id),
           filled_quantity = coalesce($4, filled_quantity), average_price = coalesce($5, average_price),
           reason = coalesce($6, reason), updated_ms = $7, quantity = coalesce($8, quantity)
         WHERE client_order_id = $1`,
        [clientOrderId, orNull(update.status), orNull(update.exchangeOrderId), orNull(update.filledQuantity),
          orNull(update.averagePrice), orNull(update.reason), update.timeMs, orNull(update.quantity)]);
      if (result.rowsChanged === 0) {
        throw new InputError("STORE_NO_ORDER", { file: this.file, clientOrderId }, `account store has no order "${clientOrderId}"`);
      }
      await this.#event(db, clientOrderId, update.timeMs, update.event, update.status,
        update.details ?? (update.reason !== undefined ? { reason: update.reason } : undefined));
    });
  }

  async #event(db: DuckDBConnection, id: string, timeMs: number, event: string, status: string | undefined, details: unknown): Promise<void> {
    await db.run("INSERT INTO order_events (client_order_id, time_ms, event, status, details) VALUES ($1, $2, $3, $4, $5)",
      [id, timeMs, event, orNull(status), json(details)]);
  }

  async order(clientOrderId: string): Promise<StoredOrder | undefined> {
    const rows = await this.#rows("SELECT * FROM orders WHERE client_order_id = $1", [clientOrderId]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /**
   * Orders by creation time; `open: true` keeps those not yet final (incl. pending_submit and
   * unknown, for reconciliation); `limit` keeps the latest n.
   */
  async orders(filter: { open?: boolean; symbol?: string; limit?: number } = {}): Promise<StoredOrder[]> {
    const where: string[] = [];
    const values: DuckDBValue[] = [];
    if (filter.open) where.push(`status IN (${OPEN_ORDER_STATUSES.map((s) => `'${s}'`).join(", ")})`);
    if (filter.symbol !== undefined) {
      values.push(filter.symbol);
      where.push(`symbol = $${values.length}`);
    }
    const rows = await this.#rows(
      `SELECT * FROM (SELECT * FROM orders ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_ms DESC, client_order_id DESC LIMIT ${limitOf(filter.limit)}) ORDER BY created_ms, client_order_id`, values);
    return rows.map(toOrder);
  }

  async orderEvents(clientOrderId: string): Promise<OrderEvent[]> {
    const rows = await this.#rows("SELECT * FROM order_events WHERE client_order_id = $1 ORDER BY seq", [clientOrderId]);
    return rows.map((r) => ({
      seq: num(r.seq), clientOrderId: String(r.client_order_id), timeMs: num(r.time_ms), event: String(r.event),
      status: optStr(r.status) as StoredOrderStatus | undefined, details: fromJson(r.details),
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Fills, positions, balances

  /**
   * Stores a fill once: a trade id already stored is ignored and false is returned, so replays
   * after a reconnect or restart never double-count. A new fill of a known order also gets a
   * "fill" event on that order, in the same transaction.
   */
  recordFill(fill: FillRecord): Promise<boolean> {
    return this.#tx(async (db) => {
      const inserted = await db.run(
        `INSERT INTO fills VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
        [fill.tradeId, orNull(fill.clientOrderId), orNull(fill.exchangeOrderId), fill.symbol, fill.side, fill.quantity, fill.price,
          fill.fee, orNull(fill.feeCurrency), orNull(fill.liquidity), fill.timeMs]);
      if (inserted.rowsChanged === 0) return false;
      if (fill.clientOrderId !== undefined) {
        await this.#event(db, fill.clientOrderId, fill.timeMs, "fill", undefined, { tradeId: fill.tradeId, quantity: fill.quantity, price: fill.price });
      }
      return true;
    });
  }

  /** Fills by time; `limit` keeps the latest n. */
  async fills(filter: { sinceMs?: number; clientOrderId?: string; limit?: number } = {}): Promise<FillRecord[]> {
    const rows = await this.#rows(
      `SELECT * FROM (SELECT * FROM fills WHERE time_ms >= $1 AND ($2 IS NULL OR client_order_id = $2)
       ORDER BY time_ms DESC, trade_id DESC LIMIT ${limitOf(filter.limit)}) ORDER BY time_ms, trade_id`,
      [filter.sinceMs ?? -Number.MAX_SAFE_INTEGER, orNull(filter.clientOrderId)]);
    return rows.map((r) => ({
      tradeId: String(r.trade_id), clientOrderId: optStr(r.client_order_id), exchangeOrderId: optStr(r.exchange_order_id),
      symbol: String(r.symbol), side: String(r.side) as OrderSide, quantity: num(r.quantity), price: num(r.price), fee: num(r.fee),
      feeCurrency: optStr(r.fee_currency), liquidity: optStr(r.liquidity) as FillRecord["liquidity"], timeMs: num(r.time_ms),
    }));
  }

  /** Sets the current position of each symbol (one row per symbol, replaced). */
  setPositions(positions: readonly PositionRecord[]): Promise<void> {
    return this.#tx(async (db) => {
      for (const p of positions) {
        await db.run(
          `INSERT INTO positions VALUES ($1, $2, $3, $4)
           ON CONFLICT (symbol) DO UPDATE SET quantity = excluded.quantity, average_price = excluded.average_price, time_ms = excluded.time_ms`,
          [p.symbol, p.quantity, p.averagePrice, p.timeMs]);
      }
    });
  }

  async positions(): Promise<PositionRecord[]> {
    const rows = await this.#rows("SELECT * FROM positions ORDER BY symbol");
    return rows.map((r) => ({ symbol: String(r.symbol), quantity: num(r.quantity), averagePrice: num(r.average_price), timeMs: num(r.time_ms) }));
  }

  /** Appends one balance snapshot (history is kept). */
  recordBalances(balances: readonly BalanceRecord[]): Promise<void> {
    return this.#tx(async (db) => {
      for (const b of balances) await db.run("INSERT INTO balances VALUES ($1, $2, $3, $4, $5)", [b.timeMs, b.currency, b.free, b.used, b.total]);
    });
  }

  /** The latest snapshot of each currency. */
  async latestBalances(): Promise<BalanceRecord[]> {
    const rows = await this.#rows(
      "SELECT * FROM balances QUALIFY row_number() OVER (PARTITION BY currency ORDER BY time_ms DESC) = 1 ORDER BY currency");
    return rows.map((r) => ({ currency: String(r.currency), free: num(r.free), used: num(r.used), total: num(r.total), timeMs: num(r.time_ms) }));
  }

  // -------------------------------------------------------------------------------------------
  // Market data

  /**
   * Stores closed bars; a bar already stored (same symbol, timeframe and open time) is kept as
   * it was and not stored again. Returns how many were new.
   */
  recordBars(series: BarSeries): Promise<number> {
    if (series.timeframe === "") {
      throw new InputError("STORE_BARS", { symbol: series.symbol }, `bars of ${series.symbol} need a timeframe to be recorded`);
    }
    return this.#tx(async (db) => {
      await db.run("CREATE OR REPLACE TEMP TABLE incoming_bars (time DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)");
      await appendColumns(db, "incoming_bars", [series.time, series.open, series.high, series.low, series.close, series.volume]);
      const result = await db.run(
        `INSERT INTO bars SELECT $1, $2, CAST(time AS BIGINT), open, high, low, close, volume FROM incoming_bars ON CONFLICT DO NOTHING`,
        [series.symbol, series.timeframe]);
      await db.run("DROP TABLE incoming_bars");
      return result.rowsChanged;
    });
  }

  /** Stores one closed bar (validated as barSeries validates); false when it was already stored. */
  async recordBar(bar: BarRecord): Promise<boolean> {
    const series = barSeries({
      symbol: bar.symbol, timeframe: bar.timeframe, time: [bar.time], open: [bar.open], high: [bar.high], low: [bar.low],
      close: [bar.close], volume: [bar.volume],
    });
    return (await this.recordBars(series)) === 1;
  }

  /**
   * The recorded bars of one symbol and timeframe as a BarSeries (fromMs ≤ time < toMs; `last`:
   * only the latest n of those, e.g. to warm a strategy up), for the engine and for research.
   */
  async recordedBars(symbol: string, timeframe: string, range: { fromMs?: number; toMs?: number; last?: number } = {}): Promise<BarSeries> {
    const [time, open, high, low, close, volume] = await this.#serial((db) => fetchDoubles(db,
      `SELECT * FROM (SELECT CAST(time AS DOUBLE) AS t, open, high, low, close, volume FROM bars
         WHERE symbol = ${sqlString(symbol)} AND timeframe = ${sqlString(timeframe)}
           AND time >= ${Math.ceil(range.fromMs ?? -Number.MAX_SAFE_INTEGER)} AND time < ${Math.ceil(range.toMs ?? Number.MAX_SAFE_INTEGER)}
         ORDER BY time DESC LIMIT ${limitOf(range.last)})
       ORDER BY t`, 6));
    return barSeries({ symbol, timeframe, time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume!, source: { file: this.file } });
  }

  recordTicks(ticks: readonly TickRecord[]): Promise<void> {
    return this.#tx(async (db) => {
      for (const t of ticks) await db.run("INSERT INTO ticks VALUES ($1, $2, $3, $4, $5)", [t.symbol, t.timeMs, orNull(t.bid), orNull(t.ask), orNull(t.last)]);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Audit, parameters, processed files

  /** Appends an audit line (committed on return). `details` is stored as JSON; pass no secrets. */
  audit(entry: { timeMs: number; actor: string; action: string; details?: unknown }): Promise<void> {
    return this.#tx(async (db) => {
      await db.run("INSERT INTO audit (time_ms, actor, action, details) VALUES ($1, $2, $3, $4)",
        [entry.timeMs, entry.actor, entry.action, json(entry.details)]);
    });
  }

  async auditLog(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    const rows = await this.#rows(`SELECT * FROM (SELECT * FROM audit ORDER BY seq DESC LIMIT ${limitOf(filter.limit)}) ORDER BY seq`);
    return rows.map((r) => ({ seq: num(r.seq), timeMs: num(r.time_ms), actor: String(r.actor), action: String(r.action), details: fromJson(r.details) }));
  }

  /** Appends a parameter change (the parameters asked for, and whether they were taken) to the history. */
  recordParams(change: ParamsChange): Promise<void> {
    return this.#tx(async (db) => {
      await db.run("INSERT INTO params VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [change.timeMs, change.strategy, JSON.stringify(change.params), change.actor, orNull(change.bundle), change.accepted ?? true, orNull(change.reason)]);
    });
  }

  async paramsHistory(): Promise<ParamsChange[]> {
    const rows = await this.#rows("SELECT * FROM params ORDER BY time_ms, rowid");
    return rows.map((r) => ({
      timeMs: num(r.time_ms), strategy: String(r.strategy), params: fromJson(r.params) as ParamsChange["params"], actor: String(r.actor),
      bundle: optStr(r.bundle), accepted: Boolean(r.accepted), reason: optStr(r.reason),
    }));
  }

  /** Stores a small JSON value of the runner's own (e.g. the holdings it started from) under `key`, replacing any. */
  setState(key: string, value: unknown, timeMs: number): Promise<void> {
    return this.#tx(async (db) => {
      await db.run(`INSERT INTO state VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, time_ms = excluded.time_ms`,
        [key, JSON.stringify(value), timeMs]);
    });
  }

  /** The value stored under `key`, or undefined. */
  async state(key: string): Promise<unknown> {
    const r = (await this.#rows("SELECT value FROM state WHERE key = $1", [key]))[0];
    return r ? fromJson(r.value) : undefined;
  }

  /** The record of a handled file with this content hash, if any. */
  async processedFile(hash: string): Promise<ProcessedFile | undefined> {
    const r = (await this.#rows("SELECT * FROM processed_files WHERE hash = $1", [hash]))[0];
    return r && {
      hash: String(r.hash), name: String(r.name), timeMs: num(r.time_ms), outcome: String(r.outcome) as ProcessedFile["outcome"],
      orders: num(r.orders), error: optStr(r.error),
    };
  }

  /**
   * Records the state of a file's content: inserts it, or moves a "processing" record on to its
   * outcome. Returns false, changing nothing, when the hash is already recorded as processed or
   * rejected: that content has been handled and must not be handled again.
   */
  recordProcessedFile(file: ProcessedFile): Promise<boolean> {
    return this.#tx(async (db) => {
      const result = await db.run(
        `INSERT INTO processed_files VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (hash) DO UPDATE SET name = excluded.name, time_ms = excluded.time_ms, outcome = excluded.outcome,
           orders = excluded.orders, error = excluded.error
         WHERE processed_files.outcome = 'processing'`,
        [file.hash, file.name, file.timeMs, file.outcome, file.orders, orNull(file.error)]);
      return result.rowsChanged === 1;
    });
  }

  // -------------------------------------------------------------------------------------------

  /** Waits for pending calls, checkpoints (folds the WAL into the file) and closes; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#serial(async (db) => {
        this.#closed = true; // calls queued behind this one now fail with STORE_CLOSED
        await db.run("CHECKPOINT");
      }).catch(() => undefined);
      this.#closed = true;
      this.#db.closeSync();
      this.#instance.closeSync();
      openHere.delete(this.file);
    })();
    return this.#closing;
  }
}

const limitOf = (limit: number | undefined): number => (limit === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor(limit)));

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function toOrder(r: Row): StoredOrder {
  return {
    clientOrderId: String(r.client_order_id), exchangeOrderId: optStr(r.exchange_order_id), symbol: String(r.symbol),
    side: String(r.side) as OrderSide, type: String(r.type) as OrderType, quantity: num(r.quantity),
    limitPrice: optNum(r.limit_price), stopPrice: optNum(r.stop_price), timeInForce: optStr(r.time_in_force) as TimeInForce | undefined,
    reduceOnly: Boolean(r.reduce_only), status: String(r.status) as StoredOrderStatus, filledQuantity: num(r.filled_quantity),
    averagePrice: optNum(r.average_price), createdMs: num(r.created_ms), updatedMs: num(r.updated_ms), source: String(r.source),
    bundle: optStr(r.bundle), strategy: optStr(r.strategy), reason: optStr(r.reason), tag: optStr(r.tag), engineId: optNum(r.engine_id),
  };
}
