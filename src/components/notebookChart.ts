/**
 * The quick chart under an SQL cell's table: a line when the result has a time column and a
 * number (one line per value of a text column, when it has few), else bars of the first number
 * by the first text column (or by row). chartSpec() decides from the columns alone (pure);
 * quickChart() draws it with Observable Plot.
 *
 * @example
 * chartSpec([{ name: "symbol", kind: "text", distinct: 4 }, { name: "n", kind: "number" }])
 * // { mark: "bar", x: "symbol", y: "n" }
 */
import * as Plot from "@observablehq/plot";
import type { ColumnTable } from "arquero";

export type ColumnKind = "time" | "number" | "text" | "other";

export interface ChartColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Distinct values (text columns): a line per value only when there are few. */
  readonly distinct?: number;
}

export type ChartSpec =
  | { readonly mark: "line"; readonly x: string; readonly y: string; readonly z?: string }
  /** `x` undefined: bars by row number. */
  | { readonly mark: "bar"; readonly x?: string; readonly y: string };

/** Names a column of epoch milliseconds goes by. */
const TIME_NAME = /^(time|date|day|datetime|timestamp|ts|hour|minute|week|month|t)$|_(time|date|at|ts|day)$|^(time|date)_/i;
/** 1973-03-03 in ms: smaller numbers are not epoch milliseconds. */
const MIN_EPOCH_MS = 1e11;
/** At most this many lines; more distinct values draw one line. */
const MAX_SERIES = 20;
export const MAX_BARS = 50;
const MAX_POINTS = 20_000;

/** What a column holds, from its name and first non-null value. */
export function columnKind(name: string, values: ArrayLike<unknown>): ColumnKind {
  let first: unknown;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && values[i] !== undefined) {
      first = values[i];
      break;
    }
  }
  if (first instanceof Date) return "time";
  if (typeof first === "bigint") return "number";
  if (typeof first === "number") return TIME_NAME.test(name) && Math.abs(first) >= MIN_EPOCH_MS ? "time" : "number";
  if (typeof first === "string") return "text";
  return "other";
}

/** The chart for these columns, or undefined when there is nothing to draw (no number column). */
export function chartSpec(columns: readonly ChartColumn[]): ChartSpec | undefined {
  const time = columns.find((c) => c.kind === "time");
  const numbers = columns.filter((c) => c.kind === "number");
  const text = columns.filter((c) => c.kind === "text");
  if (numbers.length === 0) return undefined;
  if (time) {
    const z = text.find((c) => (c.distinct ?? Infinity) <= MAX_SERIES);
    return { mark: "line", x: time.name, y: numbers[0]!.name, ...(z ? { z: z.name } : {}) };
  }
  return { mark: "bar", ...(text[0] ? { x: text[0].name } : {}), y: numbers[0]!.name };
}

/** The columns of an Arquero table as chartSpec() wants them. */
export function chartColumns(table: ColumnTable): ChartColumn[] {
  return table.columnNames().map((name) => {
    const values = table.array(name) as ArrayLike<unknown>;
    const kind = columnKind(name, values);
    return kind === "text" ? { name, kind, distinct: new Set(Array.from(values)).size } : { name, kind };
  });
}

const toNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);
const toDate = (v: unknown) => (v instanceof Date ? v : typeof v === "number" || typeof v === "bigint" ? new Date(Number(v)) : v);

/** The chart of `table`, or undefined when chartSpec() finds nothing to draw. */
export function quickChart(table: ColumnTable, options: { width?: number } = {}): HTMLElement | undefined {
  const spec = chartSpec(chartColumns(table));
  if (!spec) return undefined;
  const width = options.width ?? 640;
  const n = table.numRows();
  const figure = document.createElement("div");
  figure.className = "qw-nb-chart";
  figure.dataset.testid = "quick-chart";
  figure.dataset.mark = spec.mark;
  let note = "";
  if (spec.mark === "line") {
    const step = Math.max(1, Math.ceil(n / MAX_POINTS));
    const rows: Record<string, unknown>[] = [];
    const xs = table.array(spec.x) as ArrayLike<unknown>;
    const ys = table.array(spec.y) as ArrayLike<unknown>;
    const zs = spec.z ? (table.array(spec.z) as ArrayLike<unknown>) : undefined;
    for (let i = 0; i < n; i += step) rows.push({ x: toDate(xs[i]), y: toNumber(ys[i]), ...(zs ? { z: zs[i] } : {}) });
    if (step > 1) note = ` (every ${step}th of ${n.toLocaleString("en-US")} rows)`;
    figure.append(Plot.plot({
      width, height: 240, marginLeft: 64,
      x: { type: "utc", label: spec.x },
      y: { grid: true, label: spec.y },
      color: spec.z ? { legend: true, label: spec.z } : undefined,
      marks: [Plot.lineY(rows, { x: "x", y: "y", ...(spec.z ? { stroke: "z" } : { stroke: "#2563eb" }), strokeWidth: 1.3 })],
    }));
  } else {
    const ys = table.array(spec.y) as ArrayLike<unknown>;
    const xs = spec.x ? (table.array(spec.x) as ArrayLike<unknown>) : undefined;
    const rows = Array.from({ length: Math.min(n, MAX_BARS) }, (_, i) => ({ x: xs ? String(xs[i]) : String(i + 1), y: toNumber(ys[i]) }));
    if (n > MAX_BARS) note = ` (the first ${MAX_BARS} of ${n.toLocaleString("en-US")} rows)`;
    figure.append(Plot.plot({
      width: Math.min(width, 120 + rows.length * 48), height: 220, marginLeft: 64, marginBottom: rows.length > 8 ? 60 : 30,
      x: { label: spec.x ?? "row", domain: rows.map((r) => r.x), tickRotate: rows.length > 8 ? -40 : 0 },
      y: { grid: true, label: spec.y },
      marks: [Plot.barY(rows, { x: "x", y: "y", fill: "#2563eb", tip: true }), Plot.ruleY([0])],
    }));
  }
  const caption = document.createElement("div");
  caption.className = "qw-nb-chart-caption";
  caption.textContent = spec.mark === "line"
    ? `${spec.y} over ${spec.x}${spec.z ? `, by ${spec.z}` : ""}${note}`
    : `${spec.y} by ${spec.x ?? "row"}${note}`;
  figure.prepend(caption);
  return figure;
}
