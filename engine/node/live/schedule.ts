/**
 * Daily scheduled jobs of an account ("connect at 08:55 New York time on weekdays", "flatten at
 * 21:55 UTC"): the entry schema, next/previous fire times in UTC or any IANA zone (through Intl,
 * so the platform's tz database decides DST), and a Scheduler with an injectable clock.
 *
 * DST: a wall time that does not exist that day (inside a spring-forward gap, e.g. 02:30 in New
 * York on the second Sunday of March) fires at the same distance past the gap's start (03:30 new
 * time), the way the old offset would read the clock; a wall time that occurs twice (fall back)
 * fires once, at its first occurrence.
 */
import { z } from "zod";
import { DAY_MS } from "../../time.js";

export const SCHEDULE_ACTIONS = ["connect", "disconnect", "flatten", "pause", "resume"] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Whether `tz` is a time zone this platform knows (IANA names such as "Europe/London", or "UTC"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** One scheduled job as written in the account config. */
export const scheduleEntrySchema = z.strictObject({
  /** Local wall time, "HH:MM" or "HH:MM:SS" (24-hour). */
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, "must be a time of day HH:MM or HH:MM:SS (24-hour)"),
  /** IANA time zone of `at`; default UTC. */
  tz: z.string().refine(isTimeZone, "must be an IANA time zone such as \"UTC\" or \"America/New_York\"").default("UTC"),
  /** Days (in `tz`) it runs on; default every day. */
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  action: z.enum(SCHEDULE_ACTIONS),
  /** flatten only: the symbols to close (default all). */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /** A label for logs and the audit trail. */
  name: z.string().min(1).optional(),
});

export type ScheduleEntryInput = z.input<typeof scheduleEntrySchema>;
export type ScheduleEntry = z.output<typeof scheduleEntrySchema>;

interface Wall {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of instant `t` in `tz`, as a UTC-ms number (local time read as if it were UTC). */
function localAsUtc(t: number, tz: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(t))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + (((t % 1000) + 1000) % 1000);
}

/** UTC offset of `tz` at instant `t`, in ms (local = utc + offset). */
const offsetAt = (t: number, tz: string): number => localAsUtc(t, tz) - t;

/** The instant at which wall time `wall` (local fields as a UTC-ms number) happens in `tz`; see the DST note above. */
export function wallToInstant(wall: number, tz: string): number {
  const before = wall - offsetAt(wall - DAY_MS, tz);
  const after = wall - offsetAt(wall + DAY_MS, tz);
  const valid = [before, after].filter((t) => localAsUtc(t, tz) === wall);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: read the wall time with the offset in force before it.
  return before;
}

function secondsOf(at: string): number {
  const [h, m, s] = at.split(":").map(Number);
  return (h! * 60 + m!) * 60 + (s ?? 0);
}

function candidate(entry: ScheduleEntry, day: Wall): number | undefined {
  const midnight = Date.UTC(day.y, day.m, day.d);
  if (entry.days && !entry.days.includes(WEEKDAYS[new Date(midnight).getUTCDay()]!)) return undefined;
  return wallToInstant(midnight + secondsOf(entry.at) * 1000, entry.tz);
}

function localDay(t: number, tz: string): Wall {
  const d = new Date(localAsUtc(t, tz));
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate() };
}

const shift = (day: Wall, by: number): Wall => {
  const d = new Date(Date.UTC(day.y, day.m, day.d + by));
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate() };
};

/**
 * The first instant strictly after `afterMs` at which `entry` fires (UTC ms).
 *
 * @example
 * nextFire(scheduleEntrySchema.parse({ at: "09:30", tz: "America/New_York", action: "connect" }), Date.UTC(2025, 2, 9))
 */
export function nextFire(entry: ScheduleEntry, afterMs: number): number {
  const start = shift(localDay(afterMs, entry.tz), -1);
  for (let i = 0; i <= 9; i++) {
    const t = candidate(entry, shift(start, i));
    if (t !== undefined && t > afterMs) return t;
  }
  throw new Error(`schedule ${entry.at} ${entry.tz}: no fire time within 9 days`); // unreachable: days is non-empty
}

/** The last instant at or before `atMs` at which `entry` fired, e.g. to restore the state a runner started into. */
export function previousFire(entry: ScheduleEntry, atMs: number): number {
  const start = shift(localDay(atMs, entry.tz), 1);
  for (let i = 0; i <= 9; i++) {
    const t = candidate(entry, shift(start, -i));
    if (t !== undefined && t <= atMs) return t;
  }
  throw new Error(`schedule ${entry.at} ${entry.tz}: no fire time within 9 days`);
}

/** Time and timers, injectable so tests drive the scheduler without waiting. */
export interface SchedulerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Longest single wait: timers are re-armed at least this often, so a wall-clock change (NTP step,
 * suspend) is noticed within it, and setTimeout's 24.8-day limit is never reached.
 */
const MAX_WAIT_MS = 60_000;

export interface SchedulerOptions {
  clock?: SchedulerClock;
  /** Called for each entry when it fires, with the instant it was due. Errors are passed to onError. */
  onFire: (entry: ScheduleEntry, dueMs: number) => void | Promise<void>;
  onError?: (error: unknown, entry: ScheduleEntry) => void;
}

/**
 * Fires each entry at its next fire time, in due order, never early. After a sleep (suspend, a
 * blocked event loop) each missed entry fires once, with its latest missed time as `dueMs`, in the
 * order of those times: the last action due is the one left in force.
 */
export class Scheduler {
  readonly #entries: readonly ScheduleEntry[];
  readonly #clock: SchedulerClock;
  readonly #options: SchedulerOptions;
  #due: number[] = [];
  #timer: unknown;
  #running = false;

  constructor(entries: readonly ScheduleEntry[], options: SchedulerOptions) {
    this.#entries = entries;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
  }

  /** Starts waiting for the entries' next fire times after now. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const now = this.#clock.now();
    this.#due = this.#entries.map((e) => nextFire(e, now));
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** The upcoming fire times, soonest first. */
  upcoming(): Array<{ entry: ScheduleEntry; dueMs: number }> {
    return this.#entries.map((entry, i) => ({ entry, dueMs: this.#due[i]! })).sort((a, b) => a.dueMs - b.dueMs);
  }

  #arm(): void {
    if (!this.#running || this.#entries.length === 0) return;
    const wait = Math.max(0, Math.min(Math.min(...this.#due) - this.#clock.now(), MAX_WAIT_MS));
    this.#timer = this.#clock.setTimer(() => this.#tick(), wait);
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    // After a sleep an entry may have been due several times: only its latest occurrence counts,
    // and entries fire in the order of those, so the state they leave is the one due now.
    const fired = this.#entries
      .map((entry, i) => ({ entry, i, dueMs: this.#due[i]! }))
      .filter((x) => x.dueMs <= now)
      .map((x) => ({ ...x, dueMs: previousFire(x.entry, now) }))
      .sort((a, b) => a.dueMs - b.dueMs || a.i - b.i);
    for (const { entry, i, dueMs } of fired) {
      this.#due[i] = nextFire(entry, now);
      try {
        const result = this.#options.onFire(entry, dueMs);
        if (result instanceof Promise) result.catch((error: unknown) => this.#options.onError?.(error, entry));
      } catch (error) {
        this.#options.onError?.(error, entry);
      }
    }
    this.#arm();
  }
}
