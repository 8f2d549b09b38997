import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { computeMetrics, type MetricsInput } from "../../../engine/metrics/index.js";
import { DAY, f64, fill, trade } from "./fixtures.js";

const TIME = f64(0, DAY, 2 * DAY, 3 * DAY);
const EQUITY = f64(100, 110, 99, 121);

function input(overrides: Partial<MetricsInput> = {}): MetricsInput {
  return { timeMs: TIME, equity: EQUITY, initialCash: 100, trades: [], fills: [], ...overrides };
}

describe("computeMetrics", () => {
  it("reproduces every hand-computed number of the golden path", () => {
    const m = computeMetrics(input({
      periodsPerYear: 4,
      trades: [trade(30), trade(-10), trade(0), trade(20, { entryTimeMs: DAY, exitTimeMs: 3 * DAY })],
      fills: [fill(1, 50, 1), fill(1, 60, 0.5, "sell")],
    }));
    // returns [0, 0.1, −0.1, 2/9]; mean 1/18; sample std √154/90 (see returns.test.ts)
    expect(m.totalReturn).toBeCloseTo(0.21, 12); // 121/100 − 1
    expect(m.cagr).toBeCloseTo(0.21, 12); // years = 4 returns / 4 per year = 1
    expect(m.annualVolatility).toBeCloseTo(Math.sqrt(154) / 45, 12); // √154/90 × √4
    expect(m.sharpe).toBeCloseTo(10 / Math.sqrt(154), 12); // (1/18)/(√154/90) × 2 ≈ 0.806
    expect(m.sortino).toBeCloseTo(20 / 9, 12); // (1/18) / √(0.01/4) × 2
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12); // 1 − 99/110
    expect(m.calmar).toBeCloseTo(2.1, 12); // 0.21 / 0.1
    expect(m.maxDrawdownDurationMs).toBe(2 * DAY); // peak day 1 → recovery day 3
    expect(m.maxDrawdownDurationBars).toBe(2);
    expect(m.winRate).toBe(0.5); // netPnl [30, −10, 0, 20]: 2 of 4
    expect(m.profitFactor).toBe(5); // 50 / 10
    expect(m.averageWin).toBe(25);
    expect(m.averageLoss).toBe(-10);
    expect(m.expectancy).toBe(10); // 40 / 4
    // no exposure series → from trades: three in [0, 1d) plus [1d, 3d) = [0, 3d) → samples 0, 1, 2 of 4
    expect(m.exposure).toBe(0.75);
    expect(m.turnover).toBeCloseTo(110 / 107.5, 12); // (50 + 60) / mean(100, 110, 99, 121)
    expect(m.numberOfTrades).toBe(4);
    expect(m.totalCommission).toBe(1.5);
    expect(m.finalEquity).toBe(121);
    expect(m.startMs).toBe(0);
    expect(m.endMs).toBe(3 * DAY);
    expect(m.periodsPerYear).toBe(4);
  });

  it("infers periodsPerYear from the timeline when none is given", () => {
    const m = computeMetrics(input()); // 3 intervals in 3 days → 365.25
    expect(m.periodsPerYear).toBeCloseTo(365.25, 9);
    // years = 4 / 365.25 → 1.21^(365.25/4) − 1
    expect(m.cagr).toBeCloseTo(Math.pow(1.21, 365.25 / 4) - 1, 6);
    expect(m.sharpe).toBeCloseTo((5 / Math.sqrt(154)) * Math.sqrt(365.25), 12);
  });

  it("takes exposure from the exposure series when one is given", () => {
    expect(computeMetrics(input({ exposure: f64(0, 1, 1, 0), trades: [trade(1)] })).exposure).toBe(0.5);
  });

  it("gives a Sharpe and Sortino of NaN and zero volatility when equity never moves", () => {
    const m = computeMetrics(input({ equity: f64(100, 100, 100, 100) }));
    expect(m.sharpe).toBeNaN();
    expect(m.sortino).toBeNaN();
    expect(m.annualVolatility).toBe(0);
    expect(m.maxDrawdown).toBe(0);
    expect(m.calmar).toBeNaN();
    expect(m.totalReturn).toBe(0);
  });

  it("reports the drawdown of a run that never recovers up to the last sample", () => {
    const m = computeMetrics(input({ timeMs: f64(0, DAY, 2 * DAY, 3 * DAY, 4 * DAY), equity: f64(100, 120, 90, 60, 80) }));
    expect(m.maxDrawdown).toBe(0.5); // 1 − 60/120
    expect(m.maxDrawdownDurationBars).toBe(3); // index 1 → last index 4
    expect(m.maxDrawdownDurationMs).toBe(3 * DAY);
    expect(m.totalReturn).toBeCloseTo(-0.2, 12);
  });

  it("returns zeros and NaNs for an empty run without throwing", () => {
    const m = computeMetrics(input({ timeMs: f64(), equity: f64() }));
    expect(m).toEqual({
      totalReturn: 0, cagr: NaN, annualVolatility: NaN, sharpe: NaN, sortino: NaN, calmar: NaN,
      maxDrawdown: 0, maxDrawdownDurationMs: 0, maxDrawdownDurationBars: 0,
      winRate: NaN, profitFactor: NaN, averageWin: NaN, averageLoss: NaN, expectancy: NaN,
      exposure: NaN, turnover: NaN, numberOfTrades: 0, totalCommission: 0,
      finalEquity: 100, startMs: NaN, endMs: NaN, periodsPerYear: NaN,
    });
  });

  it("handles a single sample without Infinity", () => {
    const m = computeMetrics(input({ timeMs: f64(0), equity: f64(105) }));
    expect(m.totalReturn).toBeCloseTo(0.05, 12);
    expect(m.periodsPerYear).toBeNaN();
    expect(m.cagr).toBeNaN();
    expect(m.sharpe).toBeNaN();
    expect(Object.values(m).some((x) => x === Infinity || x === -Infinity)).toBe(false);
  });

  it("gives the same ratios when equity and initialCash are rescaled", () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 50, max: 200, noNaN: true }), { minLength: 3, maxLength: 30 }),
      // powers of two scale exactly in binary: any other factor can merge two neighbouring doubles and change a duration
      fc.integer({ min: -7, max: 10 }).map((k) => 2 ** k),
      (values, scale) => {
        const timeMs = Float64Array.from(values, (_, i) => i * DAY);
        const a = computeMetrics({ timeMs, equity: Float64Array.from(values), initialCash: 100, trades: [], fills: [] });
        const b = computeMetrics({ timeMs, equity: Float64Array.from(values, (v) => v * scale), initialCash: 100 * scale, trades: [], fills: [] });
        for (const key of ["totalReturn", "sharpe", "sortino", "maxDrawdown", "maxDrawdownDurationBars"] as const) {
          if (Number.isNaN(a[key])) expect(b[key]).toBeNaN();
          else expect(b[key]).toBeCloseTo(a[key], 8);
        }
      },
    ));
  });

  it("rejects inputs no metric can be honest about with an InputError", () => {
    const code = (overrides: Partial<MetricsInput>): string | undefined => {
      try {
        computeMetrics(input(overrides));
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).code;
      }
      return undefined;
    };
    expect(code({ timeMs: f64(0, DAY) })).toBe("METRICS_LENGTH_MISMATCH");
    expect(code({ exposure: f64(0) })).toBe("METRICS_LENGTH_MISMATCH");
    expect(code({ initialCash: 0 })).toBe("METRICS_INVALID_INITIAL_CASH");
    expect(code({ initialCash: NaN })).toBe("METRICS_INVALID_INITIAL_CASH");
    expect(code({ equity: f64(100, NaN, 99, 121) })).toBe("METRICS_NON_FINITE_EQUITY");
    expect(code({ timeMs: f64(0, 2 * DAY, DAY, 3 * DAY) })).toBe("METRICS_TIME_NOT_ASCENDING");
    expect(code({ timeMs: f64(NaN, DAY, 2 * DAY, 3 * DAY) })).toBe("METRICS_NON_FINITE_TIME");
    expect(code({ periodsPerYear: 0 })).toBe("METRICS_INVALID_PERIODS_PER_YEAR");
    expect(code({ riskFreeRate: Infinity })).toBe("METRICS_INVALID_RISK_FREE_RATE");
  });

  it("accepts repeated timestamps and equity at or below zero", () => {
    expect(() => computeMetrics(input({ timeMs: f64(0, 0, DAY, DAY), equity: f64(100, 50, 0, -10) }))).not.toThrow();
  });

  it("infers minute sampling over a million samples", () => {
    const n = 1_000_000;
    const timeMs = new Float64Array(n);
    const equity = new Float64Array(n);
    let value = 10_000;
    for (let i = 0; i < n; i++) {
      timeMs[i] = i * 60_000;
      value *= 1 + Math.sin(i) * 0.001;
      equity[i] = value;
    }
    // speed is measured by `npm run bench`, not here
    const m = computeMetrics({ timeMs, equity, initialCash: 10_000, trades: [], fills: [] });
    expect(m.periodsPerYear).toBeCloseTo(525_960, 6);
  });
});
