/**
 * An Arquero table as a workbench table (the qw-table look): a pure function of the table and the
 * columns to show. Every cell carries its column's key in `data-column` and the raw value in
 * `data-value` (String(x), which round-trips numbers exactly), so tests and scripts read exact
 * values rather than formatted text.
 */
import type { ColumnTable } from "arquero";
import { el } from "./dataView.js";

/** One column of the table: which field, its header, and how to print it. */
export interface TableColumn {
  readonly key: string;
  readonly label: string;
  /** Prints the value (text, or a node such as a value with a note under it); default String(value), "—" for null/undefined/NaN. */
  readonly format?: (value: unknown, row: Readonly<Record<string, unknown>>) => string | Node;
  /** Right-aligned, tabular figures. Default: true when the first value is a number. */
  readonly numeric?: boolean;
  /** A tooltip on the header: what the column means. */
  readonly title?: string;
  /** A class for each cell from its value, e.g. red for negative returns. */
  readonly cellClass?: (value: unknown) => string;
}

export interface ArqueroTableOptions {
  readonly caption?: string;
  readonly testid?: string;
  /** At most this many rows (the caption then says so). Default all. */
  readonly limit?: number;
  /** Wrap the table in a scrolling box with a sticky header. Default false. */
  readonly scroll?: boolean;
}

const blank = (v: unknown) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));

/**
 * @example
 * display(arqueroTable(summary, [{ key: "symbol", label: "Symbol" }, { key: "vol", label: "Volatility", format: pct }]));
 */
export function arqueroTable(table: ColumnTable, columns: readonly TableColumn[], options: ArqueroTableOptions = {}): HTMLElement {
  const total = table.numRows();
  const rows = table.objects(options.limit === undefined ? {} : { limit: options.limit }) as Record<string, unknown>[];
  const numeric = columns.map((c) => c.numeric ?? typeof rows.find((r) => !blank(r[c.key]))?.[c.key] === "number");
  const caption = options.caption || rows.length < total
    ? [el("caption", {}, [options.caption ?? "", rows.length < total ? `(the first ${rows.length} of ${total.toLocaleString("en-US")} rows)` : ""].filter(Boolean).join(" "))]
    : [];
  const head = el("tr", {}, ...columns.map((c, k) => el("th", { class: numeric[k] ? "qw-num" : "", ...(c.title ? { title: c.title } : {}) }, c.label)));
  const body = rows.map((row) => el("tr", {}, ...columns.map((c, k) => {
    const v = row[c.key];
    const text = blank(v) ? "—" : c.format ? c.format(v, row) : String(v);
    const cls = [numeric[k] ? "qw-num" : "", c.cellClass ? c.cellClass(v) : ""].filter(Boolean).join(" ");
    return el("td", { class: cls, "data-column": c.key, "data-value": String(v) }, text);
  })));
  const element = el("table", { class: "qw-table", ...(options.testid ? { "data-testid": options.testid } : {}) },
    ...caption, el("thead", {}, head), el("tbody", {}, ...body));
  return options.scroll ? el("div", { class: "qw-scroll" }, element) : element;
}
