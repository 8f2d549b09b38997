import { describe, expect, it } from "vitest";
import { YEAR_MS } from "../../../engine/index.js";
import { reportWarnings, type WarningFacts } from "../../../engine/report/reportWarnings.js";

const healthy: WarningFacts = { trades: 120, winRate: 0.5, months: 60, startMs: 0, endMs: 5 * YEAR_MS, rollingWindow: 126, openPositions: [], walkForward: { windowsTraded: 5 }, costs: { baseBps: 10, breakEvenBps: 50 } };
const codes = (f: WarningFacts) => reportWarnings(f).map((w) => `${w.code}/${w.section}`);

describe("reportWarnings", () => {
  it("says nothing when every figure rests on enough data", () => {
    expect(reportWarnings(healthy)).toEqual([]);
  });

  it("flags fewer than 30 trades in the trade statistics and the Monte Carlo, with the win rate's margin", () => {
    const warnings = reportWarnings({ ...healthy, trades: 12, winRate: 0.5 });
    expect(warnings.map((w) => `${w.code}/${w.section}`)).toEqual(["FEW_TRADES/trades", "FEW_TRADES/monteCarlo"]);
    // 1.96 × sqrt(0.5 × 0.5 / 12) = 0.283 → ±28 points
    expect(warnings[0]!.message).toContain("±28 points");
    expect(warnings[0]!.reason).toBe("12 closed trades < 30");
    expect(codes({ ...healthy, trades: 30 })).toEqual([]);
    expect(codes({ ...healthy, trades: 0 })).toEqual(["NO_TRADES/trades", "FEW_TRADES/monteCarlo"]);
  });

  it("flags fewer than 24 months, less than a year for the Sharpe, and a small rolling window", () => {
    expect(codes({ ...healthy, months: 23 })).toEqual(["FEW_MONTHS/monthly"]);
    expect(codes({ ...healthy, months: 24 })).toEqual([]);
    const short = reportWarnings({ ...healthy, endMs: 200 * 86_400_000 });
    expect(short.map((w) => w.code)).toEqual(["SHORT_HISTORY"]);
    expect(short[0]!.reason).toBe("200 days of data < 1 year");
    expect(codes({ ...healthy, rollingWindow: 29 })).toEqual(["SMALL_ROLLING_WINDOW/rollingSharpe"]);
  });

  it("flags a thin cost margin, too few walk-forward windows, an open position and a stopped run", () => {
    expect(codes({ ...healthy, costs: { baseBps: 10, breakEvenBps: 19.9 } })).toEqual(["THIN_COST_MARGIN/costs"]);
    expect(codes({ ...healthy, costs: { baseBps: 10, breakEvenBps: 20 } })).toEqual([]);
    expect(codes({ ...healthy, costs: { baseBps: 0, breakEvenBps: Number.NaN } })).toEqual([]);
    expect(codes({ ...healthy, walkForward: { windowsTraded: 2 } })).toEqual(["FEW_WINDOWS/walkForward"]);
    expect(codes({ ...healthy, walkForward: { windowsTraded: 0, error: "too short" } })).toEqual(["NO_WALK_FORWARD/walkForward"]);
    expect(codes({ ...healthy, openPositions: [{ symbol: "SYN-A", unrealizedPnl: 12.5 }] })).toEqual(["OPEN_AT_END/trades"]);
    expect(codes({ ...healthy, error: { code: "STRATEGY_ERROR", message: "boom" } })).toEqual(["RUN_STOPPED/summary"]);
  });
});
