/**
 * What a notebook cell shows, as plain DOM (pure functions of the value): any value (elements as
 * they are, Arquero tables as tables, the rest as a compact readable text), a program cell's
 * defined names with their values, an SQL result (its table's first rows and a quick chart), a
 * markdown cell rendered with markdown-it (raw HTML off: a collaborator's text cannot run script
 * in your page), and a failure with its line.
 *
 * Values carry their raw form in `data-value` (String(x) for numbers, which round-trips), so
 * tests and scripts read exact figures, not formatted text.
 */
import type { ColumnTable } from "arquero";
import MarkdownIt from "markdown-it";
import { arqueroTable } from "./arqueroTable.js";
import { el } from "./dataView.js";
import { quickChart } from "./notebookChart.js";
import type { CellFailure } from "./notebookRuntime.js";

/** Rows of a result shown in its table. */
export const TABLE_ROWS = 50;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });

/** Whether `value` is an Arquero table (duck-typed: the UMD build's class is not importable). */
export function isTable(value: unknown): value is ColumnTable {
  const t = value as Partial<ColumnTable> | null;
  return !!t && typeof t === "object" && typeof t.numRows === "function" && typeof t.columnNames === "function" && typeof t.objects === "function";
}

/** A compact one-line text of a value, at most about `budget` characters. */
export function formatValue(value: unknown, budget = 240, depth = 0): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined": return "undefined";
    case "string": return depth === 0 ? value : JSON.stringify(value.length > budget ? `${value.slice(0, budget)}…` : value);
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "boolean": return String(value);
    case "symbol": return value.toString();
    case "function": return `ƒ ${value.name || "anonymous"}(${value.length ? "…" : ""})`;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (isTable(value)) return `Table(${value.numRows()} rows × ${value.numCols()} columns: ${value.columnNames().join(", ")})`;
  if (depth > 2) return Array.isArray(value) ? "[…]" : "{…}";
  const list = (items: Iterable<unknown>, open: string, close: string, total: number, fmt: (x: unknown) => string) => {
    const parts: string[] = [];
    let used = 0;
    for (const x of items) {
      const s = fmt(x);
      used += s.length + 2;
      if (used > budget && parts.length > 0) {
        parts.push(`… ${total - parts.length} more`);
        break;
      }
      parts.push(s);
    }
    return `${open}${parts.join(", ")}${close}`;
  };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const a = value as unknown as ArrayLike<number>;
    return `${value.constructor.name}(${a.length}) ${list(Array.from(a).slice(0, 200), "[", "]", a.length, (x) => formatValue(x, budget, depth + 1))}`;
  }
  if (Array.isArray(value)) return `Array(${value.length}) ${list(value, "[", "]", value.length, (x) => formatValue(x, budget / 2, depth + 1))}`;
  if (value instanceof Map) return `Map(${value.size}) ${list(value, "{", "}", value.size, (e) => { const [k, v] = e as [unknown, unknown]; return `${formatValue(k, 40, depth + 1)} => ${formatValue(v, budget / 2, depth + 1)}`; })}`;
  if (value instanceof Set) return `Set(${value.size}) ${list(value, "{", "}", value.size, (x) => formatValue(x, budget / 2, depth + 1))}`;
  const entries = Object.entries(value as object);
  const name = (value as object).constructor && (value as object).constructor !== Object ? `${(value as object).constructor.name} ` : "";
  return `${name}${list(entries, "{", "}", entries.length, (e) => { const [k, v] = e as [string, unknown]; return `${k}: ${formatValue(v, budget / 2, depth + 1)}`; })}`;
}

const raw = (value: unknown) => (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || typeof value === "string" ? String(value) : "");

/** Any value as a node: an element as it is, a table as a table, the rest as text. */
export function inspect(value: unknown): Node {
  if (typeof Node !== "undefined" && value instanceof Node) return value;
  if (isTable(value)) return tableView(value);
  const text = formatValue(value, 1200);
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return el(typeof value === "string" ? "div" : "code", { class: `qw-nb-value qw-nb-${kind}`, "data-value": raw(value) }, text);
}

/** A program cell's defined names and their values, one line each. */
export function valuesView(values: Readonly<Record<string, unknown>>): HTMLElement {
  const rows = Object.entries(values).map(([name, value]) => {
    const isNode = typeof Node !== "undefined" && value instanceof Node;
    return el("div", { class: "qw-nb-define", "data-name": name, "data-value": raw(value) },
      el("span", { class: "qw-nb-define-name" }, name), el("span", { class: "qw-nb-eq" }, " = "),
      el("code", { class: "qw-nb-value" }, isNode ? `<${(value as Element).tagName?.toLowerCase() ?? "node"}>` : formatValue(value, 300)));
  });
  return el("div", { class: "qw-nb-defines", "data-testid": "cell-defines" }, ...rows);
}

const TIME_COLUMN = /^(time|date|day|datetime|timestamp|ts)$|_(time|at)$/i;
const stamp = (v: unknown) => {
  const ms = v instanceof Date ? v.getTime() : Number(v);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : String(v);
};

/** The first rows of a table, times (epoch ms in a time-named column, or dates) in UTC. */
export function tableView(table: ColumnTable, options: { caption?: string; limit?: number } = {}): HTMLElement {
  const first = table.numRows() > 0 ? table.objects({ limit: 1 })[0] as Record<string, unknown> : {};
  const columns = table.columnNames().map((key) => {
    const v = first[key];
    const time = v instanceof Date || (typeof v === "number" && TIME_COLUMN.test(key) && Math.abs(v) >= 1e11);
    return time ? { key, label: key, format: stamp, numeric: false } : { key, label: key, format: (x: unknown) => formatValue(x, 80, 1).replace(/^"(.*)"$/, "$1") };
  });
  return arqueroTable(table, columns, { limit: options.limit ?? TABLE_ROWS, scroll: true, testid: "result-table", ...(options.caption ? { caption: options.caption } : {}) });
}

/** An SQL result: its size, its first rows and a quick chart. */
export function sqlResultView(table: ColumnTable, options: { width?: number; name?: string } = {}): HTMLElement {
  const n = table.numRows();
  const head = el("div", { class: "qw-nb-result-head", "data-testid": "result-size", "data-rows": String(n) },
    `${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"} × ${table.numCols()} column${table.numCols() === 1 ? "" : "s"}`,
    ...(options.name ? [el("span", { class: "qw-status" }, " · as "), el("code", {}, options.name)] : []));
  const chart = n > 0 ? quickChart(table, { width: Math.min(760, options.width ?? 760) }) : undefined;
  return el("div", { class: "qw-nb-sql-result" }, head, el("div", { class: "qw-nb-result-body" }, tableView(table), ...(chart ? [chart] : [])));
}

/** A markdown cell, rendered. */
export function markdownView(source: string): HTMLElement {
  const div = el("div", { class: "qw-nb-markdown", "data-testid": "markdown" });
  div.innerHTML = source.trim() ? markdown.render(source) : "";
  if (!source.trim()) div.append(el("p", { class: "qw-status" }, "An empty markdown cell: edit it to write notes."));
  return div;
}

/** Why a cell has no value; `cellLabel` names another cell ("cell 2"). */
export function failureView(failure: CellFailure, cellLabel: (id: string) => string): HTMLElement {
  if (failure.input) {
    return el("div", { class: "qw-nb-blocked", role: "status", "data-testid": "cell-blocked" },
      el("strong", {}, "Not run: "), `it reads ${failure.input.name}, and ${cellLabel(failure.input.cell)} failed (${failure.message}).`);
  }
  const where = failure.line ? `${failure.syntax ? "Syntax error" : "Error"} at line ${failure.line}: ` : "Error: ";
  return el("div", { class: "qw-error qw-nb-error", role: "alert", "data-testid": "cell-error", ...(failure.line ? { "data-line": String(failure.line) } : {}) },
    el("strong", {}, where), failure.message);
}
