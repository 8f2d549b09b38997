/**
 * The orders a run's risk rules (and the simulated venue) refused: a count per reason code with
 * what the code means, then every refusal with its time, side, size and message. Empty runs say so.
 */
import type { Rejection } from "../engine/records.js";
import { arqueroTable } from "./arqueroTable.js";
import { el } from "./dataView.js";
import { stamp } from "./researchFormat.js";
import { rejectionTable, rejectionsByCode } from "./riskNotes.js";

const units = (x: unknown) => (x as number).toLocaleString("en-US", { maximumFractionDigits: 4 });

export function rejectionsView(rejections: readonly Rejection[]): HTMLElement {
  const box = el("div", { class: "qw-rejections", "data-testid": "rejections", "data-count": String(rejections.length) });
  if (rejections.length === 0) {
    box.append(el("p", { class: "qw-status" }, "No order was refused by the risk rules or the venue."));
    return box;
  }
  box.append(
    arqueroTable(rejectionsByCode(rejections), [
      { key: "code", label: "Code", format: (x) => String(x) },
      { key: "meaning", label: "What it means", format: (x) => String(x ?? "") },
      { key: "orders", label: "Orders" },
      { key: "buys", label: "Buys" },
      { key: "sells", label: "Sells" },
      { key: "first", label: "First", format: (x) => stamp(x as number) },
      { key: "last", label: "Last", format: (x) => stamp(x as number) },
    ], { testid: "rejections-by-code", caption: `${rejections.length.toLocaleString("en-US")} orders refused, by reason` }),
    arqueroTable(rejectionTable(rejections).orderby("time"), [
      { key: "time", label: "Time (UTC)", format: (x) => stamp(x as number) },
      { key: "symbol", label: "Symbol" },
      { key: "side", label: "Side" },
      { key: "qty", label: "Quantity", format: units },
      { key: "code", label: "Code" },
      { key: "source", label: "By" },
      { key: "message", label: "Message", format: (x) => String(x) },
    ], { testid: "rejections-list", caption: "Every refused order", limit: 500, scroll: true }),
  );
  return box;
}
