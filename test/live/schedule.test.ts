/** Schedule entries: next and previous fire times in UTC and IANA zones, across DST gaps and overlaps; the scheduler on a fake clock. */
import { describe, expect, it } from "vitest";
import {
  Scheduler, nextFire, previousFire, scheduleEntrySchema, type ScheduleEntry, type ScheduleEntryInput, type SchedulerClock,
} from "../../engine/node/live/schedule.js";

const entry = (e: ScheduleEntryInput): ScheduleEntry => scheduleEntrySchema.parse(e);
const utc = (s: string): number => Date.parse(s);
const iso = (t: number): string => new Date(t).toISOString();
/** Successive fire times after `from`. */
function fires(e: ScheduleEntry, from: string, n: number): string[] {
  const out: string[] = [];
  let t = utc(from);
  for (let i = 0; i < n; i++) out.push(iso((t = nextFire(e, t))));
  return out;
}

describe("schedule entries", () => {
  it("validates time, zone, days and action with clear messages", () => {
    expect(entry({ at: "08:55", action: "connect" })).toEqual({ at: "08:55", tz: "UTC", action: "connect" });
    const bad = (e: unknown) => scheduleEntrySchema.safeParse(e).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(bad({ at: "24:00", action: "connect" })).toEqual(["at: must be a time of day HH:MM or HH:MM:SS (24-hour)"]);
    expect(bad({ at: "09:00", tz: "Mars/Olympus", action: "connect" })?.[0]).toMatch(/^tz: must be an IANA time zone/);
    expect(bad({ at: "09:00", action: "explode" })?.[0]).toMatch(/^action: /);
    expect(bad({ at: "09:00", action: "pause", days: ["funday"] })?.[0]).toMatch(/^days\.0: /);
  });
});

describe("nextFire", () => {
  it("fires daily at a UTC time, strictly after the given instant", () => {
    const e = entry({ at: "21:55", action: "flatten" });
    expect(iso(nextFire(e, utc("2025-01-01T21:54:59.999Z")))).toBe("2025-01-01T21:55:00.000Z");
    expect(iso(nextFire(e, utc("2025-01-01T21:55:00.000Z")))).toBe("2025-01-02T21:55:00.000Z");
    expect(fires(e, "2024-02-28T22:00:00Z", 2)).toEqual(["2024-02-29T21:55:00.000Z", "2024-03-01T21:55:00.000Z"]);
  });

  it("keeps the local time across New York's spring-forward and fall-back", () => {
    const e = entry({ at: "09:30", tz: "America/New_York", action: "connect" });
    // EST (UTC-5) until 2025-03-09 02:00, EDT (UTC-4) until 2025-11-02 02:00
    expect(fires(e, "2025-03-07T15:00:00Z", 3)).toEqual(["2025-03-08T14:30:00.000Z", "2025-03-09T13:30:00.000Z", "2025-03-10T13:30:00.000Z"]);
    expect(fires(e, "2025-10-31T15:00:00Z", 3)).toEqual(["2025-11-01T13:30:00.000Z", "2025-11-02T14:30:00.000Z", "2025-11-03T14:30:00.000Z"]);
  });

  it("fires a wall time inside the spring-forward gap just after the gap", () => {
    const e = entry({ at: "02:30", tz: "America/New_York", action: "pause" });
    // 02:30 does not exist on 2025-03-09: it fires at 03:30 EDT (07:30Z); the day before and after are normal
    expect(fires(e, "2025-03-08T00:00:00Z", 3)).toEqual(["2025-03-08T07:30:00.000Z", "2025-03-09T07:30:00.000Z", "2025-03-10T06:30:00.000Z"]);
  });

  it("fires a wall time that happens twice at fall-back only once, at the first", () => {
    const e = entry({ at: "01:30", tz: "America/New_York", action: "pause" });
    // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST) on 2025-11-02
    expect(fires(e, "2025-11-01T12:00:00Z", 2)).toEqual(["2025-11-02T05:30:00.000Z", "2025-11-03T06:30:00.000Z"]);
    expect(iso(nextFire(e, utc("2025-11-02T05:30:00Z")))).toBe("2025-11-03T06:30:00.000Z");
  });

  it("follows London and Sydney, whose clocks change on other dates and in other directions", () => {
    const london = entry({ at: "08:00:30", tz: "Europe/London", action: "connect" });
    expect(fires(london, "2025-03-29T12:00:00Z", 2)).toEqual(["2025-03-30T07:00:30.000Z", "2025-03-31T07:00:30.000Z"]);
    const sydney = entry({ at: "10:00", tz: "Australia/Sydney", action: "connect" });
    // AEDT (UTC+11) until 2025-04-06 03:00, then AEST (UTC+10)
    expect(fires(sydney, "2025-04-04T12:00:00Z", 2)).toEqual(["2025-04-04T23:00:00.000Z", "2025-04-06T00:00:00.000Z"]);
    const kolkata = entry({ at: "09:15", tz: "Asia/Kolkata", action: "connect" });
    expect(fires(kolkata, "2025-06-01T00:00:00Z", 1)).toEqual(["2025-06-01T03:45:00.000Z"]);
  });

  it("runs only on the listed days of the zone's calendar", () => {
    const e = entry({ at: "20:00", tz: "America/New_York", days: ["mon", "tue", "wed", "thu", "fri"], action: "disconnect" });
    // Friday 2025-01-03 20:00 EST = Saturday 01:00Z; next is Monday 2025-01-06
    expect(fires(e, "2025-01-03T12:00:00Z", 2)).toEqual(["2025-01-04T01:00:00.000Z", "2025-01-07T01:00:00.000Z"]);
  });

  it("gives the previous fire time, for the state a runner starts into", () => {
    const e = entry({ at: "09:30", tz: "America/New_York", days: ["mon", "tue", "wed", "thu", "fri"], action: "connect" });
    expect(iso(previousFire(e, utc("2025-03-10T13:30:00Z")))).toBe("2025-03-10T13:30:00.000Z");
    expect(iso(previousFire(e, utc("2025-03-10T13:29:59Z")))).toBe("2025-03-07T14:30:00.000Z");
  });
});

/** Timers that run only when the test advances time. */
class FakeClock implements SchedulerClock {
  t: number;
  timers = new Map<number, { at: number; fn: () => void }>();
  #next = 0;
  constructor(start: string) {
    this.t = utc(start);
  }
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    this.timers.set(++this.#next, { at: this.t + ms, fn });
    return this.#next;
  };
  clearTimer = (handle: unknown) => void this.timers.delete(handle as number);
  /** Runs due timers in order up to `to`; `sleep` jumps there at once, as a suspended process would. */
  advanceTo(to: string, sleep = false): void {
    const end = utc(to);
    if (sleep) this.t = end;
    for (;;) {
      const due = [...this.timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

describe("Scheduler", () => {
  const entries = [
    entry({ at: "08:55", tz: "America/New_York", action: "connect", name: "open" }),
    entry({ at: "15:55", tz: "America/New_York", action: "flatten", name: "close" }),
    entry({ at: "16:05", tz: "America/New_York", action: "disconnect", name: "off" }),
  ];

  it("fires each entry at its time, in order, never early", () => {
    const clock = new FakeClock("2025-03-07T12:00:00Z");
    const log: string[] = [];
    const s = new Scheduler(entries, { clock, onFire: (e, due) => void log.push(`${iso(clock.now())} ${e.name} due ${iso(due)}`) });
    s.start();
    expect(s.upcoming().map((u) => `${u.entry.name} ${iso(u.dueMs)}`)).toEqual([
      "open 2025-03-07T13:55:00.000Z", "close 2025-03-07T20:55:00.000Z", "off 2025-03-07T21:05:00.000Z",
    ]);
    clock.advanceTo("2025-03-07T13:54:59.999Z");
    expect(log).toEqual([]);
    clock.advanceTo("2025-03-10T12:00:00Z");
    expect(log).toEqual([
      "2025-03-07T13:55:00.000Z open due 2025-03-07T13:55:00.000Z",
      "2025-03-07T20:55:00.000Z close due 2025-03-07T20:55:00.000Z",
      "2025-03-07T21:05:00.000Z off due 2025-03-07T21:05:00.000Z",
      "2025-03-08T13:55:00.000Z open due 2025-03-08T13:55:00.000Z",
      "2025-03-08T20:55:00.000Z close due 2025-03-08T20:55:00.000Z",
      "2025-03-08T21:05:00.000Z off due 2025-03-08T21:05:00.000Z",
      // the New York clock moved forward overnight: 08:55 EDT is 12:55Z
      "2025-03-09T12:55:00.000Z open due 2025-03-09T12:55:00.000Z",
      "2025-03-09T19:55:00.000Z close due 2025-03-09T19:55:00.000Z",
      "2025-03-09T20:05:00.000Z off due 2025-03-09T20:05:00.000Z",
    ]);
    s.stop();
    expect(clock.timers.size).toBe(0);
  });

  it("after a sleep, fires each missed entry once, in the order of their latest due times, then carries on", () => {
    const clock = new FakeClock("2025-03-07T12:00:00Z");
    const log: string[] = [];
    const s = new Scheduler(entries, { clock, onFire: (e, due) => void log.push(`${iso(clock.now())} ${e.name} due ${iso(due)}`) });
    s.start();
    clock.advanceTo("2025-03-09T20:00:00Z", true); // asleep for more than two days, woken after the close
    expect(log).toEqual([
      "2025-03-09T20:00:00.000Z off due 2025-03-08T21:05:00.000Z",
      "2025-03-09T20:00:00.000Z open due 2025-03-09T12:55:00.000Z",
      "2025-03-09T20:00:00.000Z close due 2025-03-09T19:55:00.000Z",
    ]);
    clock.advanceTo("2025-03-09T20:10:00Z");
    expect(log.slice(3)).toEqual(["2025-03-09T20:05:00.000Z off due 2025-03-09T20:05:00.000Z"]);
    s.stop();
  });

  it("reports a failing action and keeps the schedule going", async () => {
    const clock = new FakeClock("2025-01-01T00:00:00Z");
    const errors: string[] = [];
    let calls = 0;
    const s = new Scheduler([entry({ at: "00:00:10", action: "pause" })], {
      clock,
      onFire: async () => { calls++; throw new Error("venue down"); },
      onError: (error, e) => void errors.push(`${e.action}: ${(error as Error).message}`),
    });
    s.start();
    clock.advanceTo("2025-01-03T00:00:00Z");
    await Promise.resolve();
    expect(calls).toBe(2);
    expect(errors).toEqual(["pause: venue down", "pause: venue down"]);
    s.stop();
  });
});
