import { describe, expect, it } from "vitest";
import { InputError, defineStrategy, runBacktest, syntheticMarket } from "../../../engine/index.js";
import { syntheticSample } from "../../../engine/data/syntheticSamples.js";
import { tearSheet } from "../../../engine/report/tearSheet.js";
import { smaCrossover } from "../../../strategies/index.js";

describe("tearSheet", () => {
  const bars = syntheticMarket(syntheticSample("sample-1d").options).filter((s) => s.symbol === "SYN-A");
  const run = { bars, strategy: smaCrossover, params: { fast: 10, slow: 30 }, commission: 0.001 };
  const sheet = tearSheet(run);
  const direct = runBacktest({ bars, strategy: smaCrossover, params: { fast: 10, slow: 30 }, commission: 0.001 });

  it("holds the run exactly as runBacktest gives it", () => {
    expect(sheet.run.metrics).toEqual(direct.metrics);
    expect(sheet.run.equity).toEqual(Array.from(direct.equity));
    expect(sheet.run.trades).toEqual(direct.trades);
    expect(sheet.run.tradeCount).toBe(direct.trades.length);
  });

  it("agrees with the run's own metrics wherever they overlap", () => {
    const m = direct.metrics;
    expect(sheet.calendar.months.reduce((p, x) => p * (1 + x.return), 1) - 1).toBeCloseTo(m.totalReturn, 12);
    expect(sheet.tradeStatistics.expectancy).toBe(m.expectancy);
    expect(sheet.tradeStatistics.winRate).toBe(m.winRate);
    expect(sheet.tradeStatistics.profitFactor).toBe(m.profitFactor);
    expect(sheet.exposure.timeInMarket).toBe(m.exposure);
    const whole = tearSheet(run, { rollingWindow: bars[0]!.length, summaryOnly: true }).rollingSharpe;
    expect(whole.sharpe).toEqual([m.sharpe]);
  });

  it("runs the robustness checks with the run's settings", () => {
    const base = sheet.costs!.rungs.find((r) => r.kind === "commission" && r.bps === 10)!;
    expect(base.metrics).toEqual(direct.metrics);
    expect(sheet.walkForward!.windows).toHaveLength(5);
    expect(sheet.monteCarlo!.trades).toBe(direct.trades.length);
    expect(sheet.monteCarlo!.runs).toBe(1000);
  });

  it("is deterministic", () => {
    expect(tearSheet(run)).toEqual(sheet);
  });

  it("skips the robustness checks and warns when the run stopped early", () => {
    const failing = defineStrategy({ name: "fails", params: {}, init: () => ({}), onBar(ctx) { if (ctx.index === 100) throw new Error("boom"); } });
    const stopped = tearSheet({ bars, strategy: failing });
    expect(stopped.run.error?.message).toMatch(/boom/);
    expect(stopped.costs).toBeUndefined();
    expect(stopped.walkForward).toBeUndefined();
    expect(stopped.warnings.map((w) => w.code)).toContain("RUN_STOPPED");
  });

  it("throws the engine's InputError for a run that cannot start", () => {
    expect(() => tearSheet({ ...run, params: { fast: 0 } })).toThrow(InputError);
  });
});
