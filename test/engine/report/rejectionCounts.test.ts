import { describe, expect, it } from "vitest";
import type { Rejection } from "../../../engine/index.js";
import { rejectionCounts } from "../../../engine/report/rejectionCounts.js";

const refuse = (timeMs: number, code: string, side: Rejection["side"], source: Rejection["source"] = "risk"): Rejection =>
  ({ timeMs, orderId: timeMs, symbol: "AAA", side, quantity: 1, code, message: `${code}: t=${timeMs}`, context: {}, source });

describe("rejectionCounts", () => {
  it("counts refusals per code and source, most frequent first, with buys, sells and first and last times", () => {
    const counts = rejectionCounts([
      refuse(5, "MAX_ORDERS_PER_DAY", "sell"), refuse(1, "MAX_ORDER_NOTIONAL", "buy"), refuse(3, "MAX_ORDERS_PER_DAY", "buy"),
      refuse(9, "MAX_ORDERS_PER_DAY", undefined), refuse(2, "INSUFFICIENT_BUYING_POWER", "buy", "exchange"),
    ]);
    expect(counts).toEqual([
      { code: "MAX_ORDERS_PER_DAY", source: "risk", count: 3, buys: 1, sells: 1, firstMs: 3, lastMs: 9, example: "MAX_ORDERS_PER_DAY: t=5" },
      { code: "INSUFFICIENT_BUYING_POWER", source: "exchange", count: 1, buys: 1, sells: 0, firstMs: 2, lastMs: 2, example: "INSUFFICIENT_BUYING_POWER: t=2" },
      { code: "MAX_ORDER_NOTIONAL", source: "risk", count: 1, buys: 1, sells: 0, firstMs: 1, lastMs: 1, example: "MAX_ORDER_NOTIONAL: t=1" },
    ]);
  });
});
