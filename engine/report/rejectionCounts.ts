import type { Rejection } from "../records.js";

/** The refusals of one reason code. */
export interface RejectionCount {
  readonly code: string;
  /** Who refused: the pre-trade risk rules or the simulated venue. */
  readonly source: Rejection["source"];
  readonly count: number;
  readonly buys: number;
  readonly sells: number;
  readonly firstMs: number;
  readonly lastMs: number;
  /** The first refusal's message, as an example. */
  readonly example: string;
}

/**
 * Refused orders and cancels counted by reason code (and source), most frequent first, ties by code.
 *
 * @example
 * rejectionCounts(result.rejections); // [{ code: "MAX_ORDER_NOTIONAL", source: "risk", count: 12, … }]
 */
export function rejectionCounts(rejections: readonly Rejection[]): RejectionCount[] {
  const byKey = new Map<string, { code: string; source: Rejection["source"]; count: number; buys: number; sells: number; firstMs: number; lastMs: number; example: string }>();
  for (const r of rejections) {
    const key = `${r.source}\u0000${r.code}`;
    let c = byKey.get(key);
    if (!c) byKey.set(key, c = { code: r.code, source: r.source, count: 0, buys: 0, sells: 0, firstMs: r.timeMs, lastMs: r.timeMs, example: r.message });
    c.count++;
    if (r.side === "buy") c.buys++;
    else if (r.side === "sell") c.sells++;
    c.firstMs = Math.min(c.firstMs, r.timeMs);
    c.lastMs = Math.max(c.lastMs, r.timeMs);
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}
