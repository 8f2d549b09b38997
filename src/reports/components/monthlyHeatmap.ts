/**
 * Monthly returns as a year × month table coloured like a heatmap (red down, green up, white
 * flat), with each year's return at the end of its row. An HTML table, so every figure is text a
 * reader can select; the colours come from an Observable Plot scale (bare import, nothing fetched).
 * Each month cell carries data-year, data-month (1–12) and data-value (the exact return).
 */
import * as Plot from "@observablehq/plot";
import type { CalendarReturns } from "../../engine/report/monthlyReturns.js";
import { el } from "../../components/dataView.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const cellText = (r: number) => {
  if (!Number.isFinite(r)) return "—";
  const text = Math.abs(r * 100).toFixed(1);
  return text === "0.0" ? text : `${r > 0 ? "+" : "−"}${text}`;
};

/**
 * @example
 * display(monthlyHeatmap(report.sheet.calendar));
 */
export function monthlyHeatmap(calendar: CalendarReturns): HTMLElement {
  const { months, years } = calendar;
  const figure = el("div", { class: "qw-figure qw-monthly", "data-testid": "monthly" });
  if (months.length === 0) {
    figure.append(el("p", { class: "qw-status" }, "No equity samples, so no monthly returns."));
    return figure;
  }
  const extent = Math.max(0.01, ...months.map((m) => Math.abs(m.return)).filter(Number.isFinite));
  const color = Plot.scale({ color: { type: "diverging", scheme: "RdYlGn", domain: [-extent, extent], pivot: 0 } });
  const byKey = new Map(months.map((m) => [`${m.year}-${m.month}`, m]));
  const head = el("tr", {}, el("th", {}, "Year"), ...MONTHS.map((m) => el("th", { class: "qw-num" }, m)), el("th", { class: "qw-num qw-year" }, "Year"));
  const rows = years.map((y) => el("tr", {}, el("th", {}, String(y.year)),
    ...MONTHS.map((_, k) => {
      const m = byKey.get(`${y.year}-${k + 1}`);
      if (!m) return el("td", { class: "qw-num qw-empty" }, "");
      const strong = Math.abs(m.return) / extent > 0.6;
      const title = `${MONTHS[k]} ${y.year}: ${cellText(m.return)} % (${m.startEquity.toFixed(2)} → ${m.endEquity.toFixed(2)}, ${m.samples} samples)`;
      const td = el("td", { class: "qw-num", title, "data-year": String(y.year), "data-month": String(k + 1), "data-value": String(m.return) }, cellText(m.return));
      td.style.background = String(color.apply(m.return));
      if (strong) td.style.color = "white";
      return td;
    }),
    el("td", { class: `qw-num qw-year ${y.return > 0 ? "qw-pos" : y.return < 0 ? "qw-neg" : ""}`, "data-year": String(y.year), "data-value": String(y.return), title: `${y.year}: ${y.months} months` }, cellText(y.return))));
  figure.append(
    el("table", { class: "qw-table qw-heat" }, el("caption", {}, "Return of each calendar month (UTC), in %; the last column compounds the year"), el("thead", {}, head), el("tbody", {}, ...rows)),
    Plot.legend({ color: { type: "diverging", scheme: "RdYlGn", domain: [-extent, extent], pivot: 0, label: "monthly return", tickFormat: "+.0%" }, width: 320 }) as Element,
  );
  return figure;
}
