/**
 * The notebook's reactive evaluation: Observable's runtime (@observablehq/runtime) with one
 * variable per cell. A JavaScript cell reads the names its analysis found (./notebookAnalysis.ts)
 * and defines one variable per top-level declaration; an SQL cell defines its result under its
 * name. When a cell's source changes it is redefined, and the runtime re-runs it and everything
 * that reads what it defines, nothing else. An error stays in its cell: cells that read a name it
 * defines say so, the others run on. No DOM: what a cell shows goes to its CellEvents.
 *
 * @example
 * const nb = new NotebookRuntime({ Plot, aq }, { sql: (q) => runSql(q) });
 * nb.set({ id: "a", kind: "sql", source: "select 1 as n", name: "one" }, eventsA);
 * nb.set({ id: "b", kind: "js", source: "const n = one.numRows();" }, eventsB);   // b runs after a
 * nb.set({ id: "a", kind: "sql", source: "select 1 as n union all select 2", name: "one" }, eventsA); // a, then b, re-run
 */
import { Runtime, type Module, type Variable } from "@observablehq/runtime";
import { analyzeCell, cellFunction, errorLine, type CellAnalysis } from "./notebookAnalysis.js";

/** A cell as the runtime evaluates it (markdown and strategy cells are not part of the graph). */
export interface RuntimeCell {
  readonly id: string;
  readonly kind: "js" | "sql";
  readonly source: string;
  /** An SQL cell's variable (a JavaScript identifier); none: its result is only shown. */
  readonly name?: string;
}

/** What a cell evaluated to. */
export type CellResult =
  | { readonly kind: "expression"; readonly value: unknown }
  | { readonly kind: "program"; readonly values: Readonly<Record<string, unknown>> }
  | { readonly kind: "sql"; readonly name?: string; readonly value: unknown; readonly empty: boolean };

/** Why a cell has no value. */
export interface CellFailure {
  readonly message: string;
  /** Where in the cell (1-based), when known. */
  readonly line?: number;
  readonly column?: number;
  /** The cell does not parse. */
  readonly syntax?: boolean;
  /** Set when the cell itself is fine but a name it reads failed: that name and the cell defining it. */
  readonly input?: { readonly name: string; readonly cell: string };
}

/** Where a cell's state goes: to its view. */
export interface CellEvents {
  /** The cell is to (re)compute: it waits for its inputs. */
  pending(): void;
  /** Its inputs are there: its own code (or query) starts now. */
  started?(): void;
  /** A value shown with display() while the cell runs. */
  display(value: unknown): void;
  fulfilled(result: CellResult): void;
  rejected(failure: CellFailure): void;
}

export interface NotebookRuntimeOptions {
  /** Runs an SQL cell's query; resolves with what its variable holds. */
  readonly sql: (query: string) => Promise<unknown>;
  /** What SQL cells wait for before their query starts (the data being loaded). */
  readonly sqlReady?: Promise<unknown>;
}

/** An error thrown by a cell's own code, with the cell it came from. */
class CellError extends Error {
  constructor(readonly cell: string, message: string, readonly line?: number, readonly column?: number, readonly syntax = false) {
    super(message);
  }
}

interface Entry {
  key: string;
  events: CellEvents;
  main: Variable;
  /** One per name the cell defines (JavaScript cells). */
  outputs: Map<string, Variable>;
  /** What the cell defines: its outputs' names, or an SQL cell's name. */
  defines: readonly string[];
  reads: readonly string[];
  deleted: boolean;
  runs: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A cell's code as a function; a problem the parser missed (rare) comes back as a CellError. */
function compile(id: string, analysis: Extract<CellAnalysis, { ok: true }>): (...args: unknown[]) => Promise<unknown> {
  try {
    // an indirect eval: the code sees only globals, never this module's scope
    return (0, eval)(cellFunction(id, analysis)) as (...args: unknown[]) => Promise<unknown>;
  } catch (error) {
    const where = errorLine(id, error);
    throw new CellError(id, messageOf(error), where?.line, where?.column, true);
  }
}

export class NotebookRuntime {
  private readonly runtime: Runtime;
  private readonly module: Module;
  private readonly cells = new Map<string, Entry>();

  /**
   * `builtins`: what every cell may read besides the other cells' names (functions are given as
   * they are, not called).
   */
  constructor(builtins: Readonly<Record<string, unknown>>, private readonly options: NotebookRuntimeOptions) {
    // the runtime calls a function builtin to get its value: wrap functions so cells get them as such
    const wrapped = Object.fromEntries(Object.entries(builtins).map(([k, v]) => [k, typeof v === "function" ? () => v : v]));
    this.runtime = new Runtime(wrapped);
    this.module = this.runtime.module();
  }

  /** The cells (ids) that define `name`, in the order they were set. */
  definers(name: string): string[] {
    return [...this.cells].filter(([, e]) => !e.deleted && e.defines.includes(name)).map(([id]) => id);
  }

  /**
   * Defines or redefines a cell. Nothing happens when its kind, source and name are what they
   * were (a remote edit elsewhere does not re-run it); `events` replaces the previous ones.
   * Returns whether the cell was (re)defined, i.e. will run.
   */
  set(cell: RuntimeCell, events: CellEvents): boolean {
    const key = `${cell.kind}\u0000${cell.name ?? ""}\u0000${cell.source}`;
    let entry = this.cells.get(cell.id);
    if (entry) {
      entry.events = events;
      if (entry.key === key) return false;
      entry.key = key;
    } else {
      const observer = {
        pending: () => { if (!entry!.deleted) entry!.events.pending(); },
        fulfilled: (value: unknown) => { if (!entry!.deleted) entry!.events.fulfilled(value as CellResult); },
        rejected: (error: unknown) => { if (!entry!.deleted) entry!.events.rejected(this.failure(cell.id, error)); },
      };
      entry = { key, events, main: this.module.variable(observer), outputs: new Map(), defines: [], reads: [], deleted: false, runs: 0 };
      this.cells.set(cell.id, entry);
    }
    if (cell.kind === "sql") this.defineSql(entry, cell);
    else this.defineJs(entry, cell);
    return true;
  }

  /** Runs a cell again as it is (and what reads it). */
  rerun(id: string): void {
    const entry = this.cells.get(id);
    if (!entry) return;
    const [kind, name, source] = entry.key.split("\u0000") as [RuntimeCell["kind"], string, string];
    entry.key = "";
    this.set({ id, kind, source, ...(name ? { name } : {}) }, entry.events);
  }

  /** Removes a cell: its names are no longer defined (cells reading them say so). */
  delete(id: string): void {
    const entry = this.cells.get(id);
    if (!entry) return;
    entry.deleted = true;
    entry.main.delete();
    for (const v of entry.outputs.values()) v.delete();
    this.cells.delete(id);
  }

  /** Stops everything; the runtime cannot be used after. */
  dispose(): void {
    for (const e of this.cells.values()) e.deleted = true;
    this.cells.clear();
    this.runtime.dispose();
  }

  private defineSql(entry: Entry, cell: RuntimeCell): void {
    const name = cell.name || undefined;
    entry.defines = name ? [name] : [];
    entry.reads = [];
    const { sql, sqlReady } = this.options;
    const { id, source } = cell;
    const me = entry;
    entry.main.define(`cell ${id}`, [], async (): Promise<CellResult> => {
      // comments and blanks only: nothing to run yet
      const empty = source.replace(/--[^\n]*/g, "").trim() === "";
      if (empty) return { kind: "sql", ...(name ? { name } : {}), value: undefined, empty: true };
      try {
        await sqlReady;
        if (!me.deleted) me.events.started?.();
        return { kind: "sql", ...(name ? { name } : {}), value: await sql(source), empty: false };
      } catch (error) {
        throw new CellError(id, messageOf(error));
      }
    });
    this.defineOutputs(entry, id, entry.defines, (r, n) => (r.kind === "sql" && r.name === n ? r.value : undefined));
  }

  /** The variables of the names a cell defines, each taken from the cell's result; names it no longer defines are dropped. */
  private defineOutputs(entry: Entry, id: string, names: readonly string[], pick: (r: CellResult, name: string) => unknown): void {
    for (const [name, v] of entry.outputs) {
      if (names.includes(name)) continue;
      v.delete();
      entry.outputs.delete(name);
    }
    for (const name of names) {
      const v = entry.outputs.get(name) ?? this.module.variable();
      entry.outputs.set(name, v);
      v.define(name, [`cell ${id}`], (r: CellResult) => pick(r, name));
    }
  }

  private defineJs(entry: Entry, cell: RuntimeCell): void {
    const id = cell.id;
    const analysis = analyzeCell(cell.source);
    if (!analysis.ok) {
      // keep the names it defined: their readers then say this cell has an error, not "x is not defined"
      const error = new CellError(id, analysis.error.message, analysis.error.line, analysis.error.column, true);
      entry.reads = [];
      entry.main.define(`cell ${id}`, [], () => { throw error; });
      return;
    }
    let fn: ((...args: unknown[]) => Promise<unknown>) | undefined;
    let compileError: CellError | undefined;
    try {
      fn = compile(id, analysis);
    } catch (error) {
      compileError = error as CellError;
    }
    entry.reads = analysis.reads;
    entry.defines = analysis.defines;
    const me = entry;
    entry.main.define(`cell ${id}`, analysis.reads, async (...inputs: unknown[]): Promise<CellResult> => {
      if (compileError) throw compileError;
      const run = ++me.runs;
      // a value shown by an earlier run still going (it awaited something) is not this run's
      const display = (value: unknown) => {
        if (me.runs === run && !me.deleted) me.events.display(value);
        return value;
      };
      let value: unknown;
      if (!me.deleted) me.events.started?.();
      try {
        value = await fn!(display, ...inputs);
      } catch (error) {
        const where = errorLine(id, error);
        throw new CellError(id, messageOf(error), where?.line, where?.column);
      }
      return analysis.expression ? { kind: "expression", value } : { kind: "program", values: value as Record<string, unknown> };
    });
    this.defineOutputs(entry, id, analysis.defines, (r, name) => (r.kind === "program" ? r.values[name] : undefined));
  }

  /** A rejection as the cell should show it: its own error (with line), or an input's. */
  private failure(id: string, error: unknown): CellFailure {
    if (error instanceof CellError && error.cell === id) {
      return { message: error.message, ...(error.line ? { line: error.line, column: error.column ?? 1 } : {}), ...(error.syntax ? { syntax: true } : {}) };
    }
    const input = (error as { input?: unknown })?.input;
    if (typeof input === "string") {
      const from = this.definers(input).find((c) => c !== id);
      if (from) return { message: messageOf(error), input: { name: input, cell: from } };
    }
    return { message: messageOf(error) };
  }
}
