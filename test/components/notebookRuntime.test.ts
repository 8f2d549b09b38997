/**
 * The notebook's reactive runtime (Observable's runtime, in Node): a cell runs after what it
 * reads; changing a cell re-runs it and its readers and nothing else; an error stays in its cell
 * (with its line) while the others run; readers of a failed cell's names say which cell failed;
 * an SQL cell's result is its name's value; deleting a cell un-defines its names.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NotebookRuntime, type CellEvents, type CellFailure, type CellResult, type RuntimeCell } from "../../src/components/notebookRuntime.ts";

interface Log {
  runs: number;
  started: number;
  shown: unknown[];
  last?: { ok: true; result: CellResult } | { ok: false; failure: CellFailure };
}

function recorder(): { events: CellEvents; log: Log; settled(): Promise<Log["last"]> } {
  const log: Log = { runs: 0, started: 0, shown: [] };
  let waiters: (() => void)[] = [];
  const done = () => { for (const w of waiters) w(); waiters = []; };
  const events: CellEvents = {
    pending: () => { log.runs++; log.shown = []; log.last = undefined; },
    started: () => { log.started++; },
    display: (v) => log.shown.push(v),
    fulfilled: (result) => { log.last = { ok: true, result }; done(); },
    rejected: (failure) => { log.last = { ok: false, failure }; done(); },
  };
  return { events, log, settled: () => (log.last ? Promise.resolve(log.last) : new Promise((r) => waiters.push(() => r(log.last)))) };
}

/** Waits until the runtime has nothing left to compute (a few macrotask turns with no change). */
async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

let nb: NotebookRuntime | undefined;
afterEach(() => nb?.dispose());

const queries: string[] = [];
function notebook() {
  queries.length = 0;
  nb = new NotebookRuntime({ k: 10, double: (x: number) => 2 * x }, {
    sql: async (q) => {
      queries.push(q);
      if (/boom/.test(q)) throw new Error("the query failed: Parser Error: syntax error at or near \"boom\"");
      const m = /select (\d+)/.exec(q);
      return { rows: Number(m?.[1] ?? 0) };
    },
  });
  const cells = new Map<string, ReturnType<typeof recorder>>();
  const set = (cell: RuntimeCell) => {
    const r = cells.get(cell.id) ?? recorder();
    cells.set(cell.id, r);
    nb!.set(cell, r.events);
    return r;
  };
  return { nb, set, cells };
}

const value = (l: Log["last"]) => (l?.ok ? l.result : undefined);

describe("reactive evaluation", () => {
  it("runs cells in dependency order whatever order they are set in, with builtins (functions as such)", async () => {
    const { set } = notebook();
    const b = set({ id: "b", kind: "js", source: "const total = a * 2;" });
    const a = set({ id: "a", kind: "js", source: "const a = double(k) + 1;" });
    const e = set({ id: "e", kind: "js", source: "total + a" });
    expect(value(await b.settled())).toEqual({ kind: "program", values: { total: 42 } });
    expect(value(await a.settled())).toEqual({ kind: "program", values: { a: 21 } });
    expect(value(await e.settled())).toEqual({ kind: "expression", value: 63 });
  });

  it("re-runs a changed cell and its readers only; an identical set does nothing", async () => {
    const { set, cells } = notebook();
    set({ id: "a", kind: "js", source: "const a = 1;" });
    set({ id: "b", kind: "js", source: "const b = a + 1;" });
    set({ id: "c", kind: "js", source: "const c = 100;" });
    await idle();
    expect([...cells.values()].map((r) => r.log.runs)).toEqual([1, 1, 1]);
    set({ id: "c", kind: "js", source: "const c = 100;" });
    set({ id: "a", kind: "js", source: "const a = 5;" });
    await idle();
    expect([...cells.values()].map((r) => r.log.runs)).toEqual([2, 2, 1]);
    expect(value(cells.get("b")!.log.last)).toEqual({ kind: "program", values: { b: 6 } });
  });

  it("display() shows values while the cell runs, in order", async () => {
    const { set } = notebook();
    const d = set({ id: "d", kind: "js", source: "display(1);\nawait null;\ndisplay(\"two\");\nconst z = 3;" });
    await d.settled();
    expect(d.log.shown).toEqual([1, "two"]);
  });

  it("an SQL cell's result is its name's value for the cells that read it; changing the query re-runs them", async () => {
    const { set } = notebook();
    const q = set({ id: "q", kind: "sql", source: "select 4", name: "prices" });
    const j = set({ id: "j", kind: "js", source: "const n = prices.rows * 10;" });
    expect(value(await q.settled())).toEqual({ kind: "sql", name: "prices", value: { rows: 4 }, empty: false });
    expect(value(await j.settled())).toEqual({ kind: "program", values: { n: 40 } });
    set({ id: "q", kind: "sql", source: "select 7", name: "prices" });
    await idle();
    expect(value(j.log.last)).toEqual({ kind: "program", values: { n: 70 } });
    expect(j.log.runs).toBe(2);
    expect(queries).toEqual(["select 4", "select 7"]);
  });

  it("an SQL cell starts its query once the data is ready (its time is its own)", async () => {
    let open!: () => void;
    const ready = new Promise<void>((r) => { open = r; });
    nb = new NotebookRuntime({}, { sql: async () => "rows", sqlReady: ready });
    const q = recorder();
    nb.set({ id: "q", kind: "sql", source: "select 1", name: "t" }, q.events);
    await idle();
    expect([q.log.runs, q.log.started, q.log.last]).toEqual([1, 0, undefined]);
    open();
    expect(value(await q.settled())).toMatchObject({ value: "rows" });
    expect(q.log.started).toBe(1);
  });

  it("an empty SQL cell runs nothing", async () => {
    const { set } = notebook();
    const q = set({ id: "q", kind: "sql", source: "-- name: later\n  ", name: "later" });
    expect(value(await q.settled())).toMatchObject({ empty: true, value: undefined });
    expect(queries).toEqual([]);
  });
});

describe("errors stay in their cell", () => {
  it("a throwing cell shows its message and line; the others still run", async () => {
    const { set } = notebook();
    const bad = set({ id: "bad", kind: "js", source: "const a = 1;\nconst b = a.missing.deeper;" });
    const good = set({ id: "good", kind: "js", source: "const g = k + 1;" });
    const f = await bad.settled();
    expect(f).toEqual({ ok: false, failure: { message: expect.stringMatching(/Cannot read properties of undefined/), line: 2, column: expect.any(Number) } });
    expect(value(await good.settled())).toEqual({ kind: "program", values: { g: 11 } });
  });

  it("a syntax error is flagged with its line; a reader of its names says which cell failed", async () => {
    const { set } = notebook();
    const a = set({ id: "a", kind: "js", source: "const total = 1;" });
    const r = set({ id: "r", kind: "js", source: "total * 2" });
    await r.settled();
    set({ id: "a", kind: "js", source: "const total = 1;\nconst x = ;" });
    await idle();
    expect(a.log.last).toEqual({ ok: false, failure: { message: "Unexpected token", line: 2, column: 11, syntax: true } });
    expect(r.log.last).toEqual({ ok: false, failure: { message: "Unexpected token", input: { name: "total", cell: "a" } } });
    set({ id: "a", kind: "js", source: "const total = 5;" });
    await idle();
    expect(value(r.log.last)).toEqual({ kind: "expression", value: 10 });
  });

  it("a failed query is the SQL cell's error; its readers name it", async () => {
    const { set } = notebook();
    const q = set({ id: "q", kind: "sql", source: "select boom", name: "t" });
    const j = set({ id: "j", kind: "js", source: "t.rows" });
    expect(await q.settled()).toEqual({ ok: false, failure: { message: expect.stringMatching(/syntax error at or near "boom"/) } });
    expect(await j.settled()).toMatchObject({ ok: false, failure: { input: { name: "t", cell: "q" } } });
  });

  it("an undefined name is the reader's own error; a name defined twice is refused for its readers", async () => {
    const { set } = notebook();
    const u = set({ id: "u", kind: "js", source: "nothingHere + 1" });
    expect(await u.settled()).toEqual({ ok: false, failure: { message: "nothingHere is not defined" } });
    set({ id: "d1", kind: "js", source: "const dup = 1;" });
    set({ id: "d2", kind: "js", source: "const dup = 2;" });
    const r = set({ id: "r", kind: "js", source: "dup" });
    expect(await r.settled()).toMatchObject({ ok: false, failure: { message: "dup is defined more than once" } });
  });

  it("deleting a cell un-defines its names and drops its events", async () => {
    const { set, nb: runtime } = notebook();
    const a = set({ id: "a", kind: "js", source: "const total = 1;" });
    const r = set({ id: "r", kind: "js", source: "total + 1" });
    await r.settled();
    const runsBefore = a.log.runs;
    runtime.delete("a");
    await idle();
    expect(r.log.last).toEqual({ ok: false, failure: { message: "total is not defined" } });
    expect(a.log.runs).toBe(runsBefore);
    expect(runtime.definers("total")).toEqual([]);
  });

  it("rerun() runs a cell again as it is", async () => {
    const { set, nb: runtime } = notebook();
    const a = set({ id: "a", kind: "js", source: "const t = 1;" });
    await a.settled();
    runtime.rerun("a");
    await idle();
    expect(a.log.runs).toBe(2);
  });
});
