/**
 * Plain-DOM views for the data page: each is a function of data returning an element (no
 * Framework globals, so nothing is fetched from a CDN).
 */
import type { BarSeries } from "../engine/bars.js";
import type { DataReport, TableInfo } from "./engine.worker.js";

/** A DOM element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** "2024-01-01 09:00" (or the date alone when `dateOnly`): one format for a whole table. */
const stamp = (ms: number, dateOnly: boolean) => (dateOnly ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString().slice(0, 16).replace("T", " "));
const num = (x: number) => (Number.isInteger(x) ? x.toLocaleString("en-US") : x.toLocaleString("en-US", { maximumFractionDigits: 8 }));

/**
 * A file picker and a drop zone in one: calls `onFile` with the chosen or dropped file.
 *
 * @example
 * display(filePicker((file) => load(file)));
 */
export function filePicker(onFile: (file: File) => void): HTMLElement {
  const input = el("input", { type: "file", accept: ".csv,.txt,.parquet,.pq", "aria-label": "CSV or Parquet file", "data-testid": "file-input" });
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) onFile(file);
    input.value = "";
  });
  const zone = el("label", { class: "qw-drop", "data-testid": "drop-zone" },
    el("strong", {}, "Drop a CSV or Parquet file here"), el("span", {}, " or choose one: "), input);
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("qw-drop--over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("qw-drop--over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("qw-drop--over");
    const file = event.dataTransfer?.files[0];
    if (file) onFile(file);
  });
  return zone;
}

/** One line saying what is loaded: rows, symbols, time range and timeframe. */
export function summaryView(info: TableInfo, source: string, bars?: BarSeries): HTMLElement {
  const daily = bars ? bars.time.every((t) => t % 86_400_000 === 0) : false;
  const range = bars && bars.length > 0 ? ` · ${stamp(bars.time[0]!, daily)} → ${stamp(bars.time[bars.length - 1]!, daily)} UTC` : "";
  const timeframe = bars?.timeframe ? ` · ${bars.timeframe} bars` : "";
  return el("p", { class: "qw-summary", "data-testid": "summary" },
    el("strong", {}, source), ` · ${info.format.toUpperCase()} · ${num(info.rows)} rows · ${info.symbols.length === 1 ? "symbol" : "symbols"} ${info.symbols.join(", ") || "—"}${timeframe}${range}`);
}

const plural = (n: number, word: string) => `${num(n)} ${word}${n === 1 ? "" : "s"}`;

/**
 * The validation report: a green line when there is no error (with any warnings and notices
 * counted), else a table of the problems listed, errors first, each with its row.
 */
export function reportView(report: DataReport): HTMLElement {
  const { totals } = report;
  const others = [totals.warnings ? plural(totals.warnings, "warning") : "", totals.notices ? plural(totals.notices, "notice") : ""].filter(Boolean).join(", ");
  const listed = [...report.errors, ...report.warnings, ...report.notices];
  const head = report.ok
    ? el("p", { class: "qw-ok" }, `✓ ${num(report.rows)} rows checked: no errors${others ? ` (${others}, listed below)` : ""}.`)
    : el("p", { class: "qw-bad" }, el("strong", {}, `✗ ${plural(totals.errors, "error")}`), others ? `, ${others}` : "",
      ` in ${num(report.rows)} rows. Fix these rows in the file and load it again.`);
  if (listed.length === 0) return el("div", { "data-testid": "validation" }, head);
  const total = totals.errors + totals.warnings + totals.notices;
  const table = el("table", { class: "qw-table" },
    ...(listed.length < total ? [el("caption", {}, `The first ${listed.length} of ${num(total)} problems`)] : []),
    el("thead", {}, el("tr", {}, ...["Row", "Column", "Problem", "Value", "Message"].map((h) => el("th", { class: h === "Row" ? "qw-num" : "" }, h)))),
    el("tbody", {}, ...listed.map((p) => el("tr", { class: `qw-sev-${p.severity}` },
      el("td", { class: "qw-num" }, p.row === null ? "—" : String(p.row)), el("td", {}, p.column ?? "—"),
      el("td", {}, el("code", {}, p.code)), el("td", {}, p.value === null ? "" : p.value.slice(0, 40)), el("td", {}, p.message)))));
  return el("div", { "data-testid": "validation" }, head, table);
}

/** The first `n` bars as a table (time in UTC). */
export function barsTable(bars: BarSeries, n = 10): HTMLElement {
  const rows: HTMLElement[] = [];
  const dateOnly = Array.prototype.every.call(bars.time.subarray(0, n), (t: number) => t % 86_400_000 === 0);
  for (let i = 0; i < Math.min(n, bars.length); i++) {
    rows.push(el("tr", {}, el("td", {}, stamp(bars.time[i]!, dateOnly)),
      ...[bars.open, bars.high, bars.low, bars.close, bars.volume].map((c) => el("td", { class: "qw-num" }, num(c[i]!)))));
  }
  return el("table", { class: "qw-table", "data-testid": "bars-table" },
    el("caption", {}, `First ${rows.length} of ${num(bars.length)} bars of ${bars.symbol}`),
    el("thead", {}, el("tr", {}, el("th", {}, "Time (UTC)"), ...["Open", "High", "Low", "Close", "Volume"].map((h) => el("th", { class: "qw-num" }, h)))),
    el("tbody", {}, ...rows));
}

/** A one-line error box. */
export function errorView(message: string): HTMLElement {
  return el("div", { class: "qw-error", "data-testid": "load-error", role: "alert" }, el("strong", {}, "Could not load: "), message);
}
