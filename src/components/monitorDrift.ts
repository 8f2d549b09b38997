/**
 * The live-versus-backtest report on the page: a verdict in one line, then every trade side by
 * side — what the replay of the recorded bars did and what the trader did — with what differs
 * (price in basis points against the trader, timing, quantity, tag). `driftView` is a pure
 * function of the hub's answer; `driftPanel` adds the period and the Compare button.
 *
 * @example
 * display(driftPanel({ load: (range) => traders.drift("main", range) }));
 */
import type { Difference, DriftRow, Execution } from "../engine/live/driftReport.js";
import { el } from "./dataView.js";
import { badge, utc } from "./monitorAccount.js";
import type { DriftAnswer } from "./monitorClient.js";

const qty = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 8 });
const price = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 8 });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function duration(ms: number): string {
  const a = Math.abs(ms);
  const text = a >= 3_600_000 ? `${+(a / 3_600_000).toFixed(2)} h` : a >= 60_000 ? `${+(a / 60_000).toFixed(2)} min` : `${+(a / 1000).toFixed(3)} s`;
  return `${text} ${ms > 0 ? "late" : "early"}`;
}

function differenceText(d: Difference): string {
  switch (d.field) {
    case "price": return `price ${d.bps >= 0 ? "+" : ""}${d.bps.toFixed(2)} bps (${price(d.replay)} → ${price(d.live)})`;
    case "time": return `filled ${duration(d.deltaMs)}`;
    case "quantity": return `quantity ${d.delta > 0 ? "+" : ""}${qty(d.delta)}`;
    case "tag": return `tag ${d.replay ?? "none"} → ${d.live ?? "none"}`;
  }
}

const KIND: Record<DriftRow["kind"], { label: string; tone: "good" | "warn" | "bad" }> = {
  match: { label: "match", tone: "good" },
  drift: { label: "drift", tone: "warn" },
  missing: { label: "missing", tone: "bad" },
  extra: { label: "extra", tone: "bad" },
};

/** "01-02 10:28:00": the year is in the facts line above the table. */
const short = (ms: number) => utc(ms).slice(5);
const cells = (e: Execution | undefined) => (!e ? ["—", "—", "—"]
  // sent at the last replayed bar: decided, not yet filled by a bar (its price comes with the next one)
  : e.pending ? [`sent ${short(e.timeMs)}`, qty(e.quantity), "next bar"] : [short(e.timeMs), qty(e.quantity), price(e.price)]);

/** The report as the page shows it. */
export function driftView(answer: DriftAnswer): HTMLElement {
  const { report } = answer;
  const s = report.summary;
  const paired = s.matches + s.drifts;
  const verdict = report.ok
    ? el("p", { class: "qw-ok", "data-testid": "drift-verdict", "data-ok": "true" },
      paired === 0 ? "No drift: neither the replay nor the trader traded in this period." : `No drift: all ${plural(paired, "trade")} match the replay, price and time.`)
    : el("p", { class: "qw-mon-drift-bad", "data-testid": "drift-verdict", "data-ok": "false" },
      `Drift: ${[s.drifts ? `${plural(s.drifts, "trade")} differ` : "", s.missing ? `${s.missing} missing (the replay traded, the trader did not)` : "",
        s.extra ? `${s.extra} extra (the trader traded, the replay did not)` : "", s.matches ? `${s.matches} match` : ""].filter(Boolean).join(" · ") || "the replay did not run to the end"}.`);
  const facts = el("p", { class: "qw-hint", "data-testid": "drift-facts" },
    `${answer.bundle ? `Bundle ${answer.bundle.slice(0, 12)}` : `Strategy ${answer.strategy}`} replayed in ${report.mode} mode over ${plural(report.bars, `${answer.timeframe} bar`)} `,
    `from ${utc(report.firstBarMs)} UTC (warmed on ${report.warmedBars}); compared ${utc(report.fromMs)} → ${utc(report.toMs)} UTC. `,
    paired ? `Price difference: mean ${s.meanPriceBps.toFixed(2)} bps, largest ${s.maxPriceBps.toFixed(2)} bps; largest timing difference ${s.maxTimingMs ? duration(s.maxTimingMs).replace(/ late$/, "") : "none"}.` : "");
  const rows = report.rows.map((r) => el("tr", { class: `qw-mon-drift-${r.kind}`, "data-kind": r.kind },
    el("td", {}, badge(KIND[r.kind].label, KIND[r.kind].tone)), el("td", {}, `${r.symbol} `, el("span", { class: `qw-mon-${r.side}` }, r.side)),
    ...cells(r.replay).map((c, j) => el("td", j > 0 ? { class: "qw-num" } : {}, c)),
    ...cells(r.live).map((c, j) => el("td", j > 0 ? { class: "qw-num" } : {}, c)),
    el("td", {}, r.kind === "missing" ? "the trader has no such trade" : r.kind === "extra" ? `not in the replay${r.live?.tag ? ` (${r.live.tag})` : ""}`
      : r.differences.map(differenceText).join("; ") || (r.replay?.pending ? "same decision (price not replayed yet)" : "—"))));
  const table = el("div", { class: "qw-scroll qw-mon-drift-scroll" }, el("table", { class: "qw-table", "data-testid": "drift-table" },
    el("thead", {},
      el("tr", {}, el("th", { rowspan: "2" }, ""), el("th", { rowspan: "2" }, "Trade"),
        el("th", { colspan: "3", class: "qw-mon-group" }, "Replay of the recorded bars"), el("th", { colspan: "3", class: "qw-mon-group" }, "Trader"), el("th", { rowspan: "2" }, "Difference")),
      el("tr", {}, ...["Filled (UTC)", "Quantity", "Price", "Filled (UTC)", "Quantity", "Price"].map((h, j) => el("th", j % 3 ? { class: "qw-num" } : {}, h)))),
    el("tbody", {}, ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "9", class: "qw-status" }, "no trades in this period"))]))));
  return el("div", { class: "qw-mon-drift-result", "data-testid": "drift-result" }, verdict, facts,
    ...(report.notes.length ? [el("ul", { class: "qw-mon-notes", "data-testid": "drift-notes" }, ...report.notes.map((n) => el("li", {}, n)))] : []),
    table);
}

/** "2024-01-02T10:00" (a datetime-local value, read as UTC) → ms; empty → undefined. */
function parseUtc(value: string): number | undefined | "bad" {
  if (value.trim() === "") return undefined;
  const ms = Date.parse(`${value}Z`);
  return Number.isFinite(ms) ? ms : "bad";
}

/** The report's controls (an optional period, in UTC) and its result, for one account. */
export function driftPanel(options: { readonly load: (range: { fromMs?: number; toMs?: number }) => Promise<DriftAnswer> }): HTMLElement {
  const from = el("input", { type: "datetime-local", step: "60", "data-testid": "drift-from", "aria-label": "From (UTC)" });
  const to = el("input", { type: "datetime-local", step: "60", "data-testid": "drift-to", "aria-label": "To (UTC)" });
  const compare = el("button", { class: "qw-primary", "data-testid": "drift-run" }, "Compare with a replay");
  const status = el("span", { class: "qw-status", "data-testid": "drift-status", "aria-live": "polite" });
  const result = el("div", { "data-testid": "drift-slot" });
  compare.onclick = async () => {
    const fromMs = parseUtc(from.value);
    const toMs = parseUtc(to.value);
    if (fromMs === "bad" || toMs === "bad" || (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)) {
      status.className = "qw-bad";
      status.textContent = "the period does not read: leave From and To empty for the whole run, or make To later than From";
      return;
    }
    compare.disabled = true;
    status.className = "qw-status";
    status.textContent = "replaying the recorded bars…";
    try {
      const answer = await options.load({ ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) });
      result.replaceChildren(driftView(answer));
      status.textContent = `compared at ${new Date().toISOString().slice(11, 19)} UTC`;
    } catch (error) {
      status.className = "qw-bad";
      status.textContent = `the report could not be made: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      compare.disabled = false;
    }
  };
  return el("div", { class: "qw-mon-drift", "data-testid": "drift" },
    el("h4", {}, "Live versus backtest"),
    el("p", { class: "qw-hint" }, "Replays the bars this account recorded through the engine, exactly as the trader ran them, and pairs the replay's trades with the trader's, one by one."),
    el("div", { class: "qw-run qw-mon-drift-bar" },
      el("label", { class: "qw-field" }, el("span", { class: "qw-label" }, "From (UTC)"), from),
      el("label", { class: "qw-field" }, el("span", { class: "qw-label" }, "To (UTC)"), to),
      compare, status),
    result);
}
