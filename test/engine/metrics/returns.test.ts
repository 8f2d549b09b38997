import { describe, expect, it } from "vitest";
import {
  annualVolatility, cagr, inferPeriodsPerYear, meanAndStd, periodReturns, sharpe, sortino, totalReturn, YEAR_MS,
} from "../../../engine/metrics/index.js";
import { DAY, f64 } from "./fixtures.js";

// The golden path used throughout: initialCash 100, equity 100, 110, 99, 121.
// r = [100/100 − 1, 110/100 − 1, 99/110 − 1, 121/99 − 1] = [0, 0.1, −0.1, 2/9]
// mean = (2/9) / 4 = 1/18 ≈ 0.0555556
// deviations = [−1/18, 2/45, −7/45, 1/6] → squares in /8100: 25 + 16 + 196 + 225 = 462
// sample variance = 462/8100 / 3 = 154/8100 → std = √154 / 90 ≈ 0.1378852
const EQUITY = f64(100, 110, 99, 121);
const RETURNS = periodReturns(EQUITY, 100);

describe("periodReturns", () => {
  it("measures the first return against initialCash and each later one against the previous sample", () => {
    const r = periodReturns(EQUITY, 100);
    expect(r).toHaveLength(4);
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo(0.1, 12);
    expect(r[2]).toBeCloseTo(-0.1, 12);
    expect(r[3]).toBeCloseTo(2 / 9, 12);
  });

  it("gives a non-zero first return when the first sample already moved away from initialCash", () => {
    expect(periodReturns(f64(95), 100)[0]).toBeCloseTo(-0.05, 12); // 95/100 − 1
  });

  it("returns an empty array for an empty equity series", () => {
    expect(periodReturns(f64(), 100)).toHaveLength(0);
  });
});

describe("meanAndStd", () => {
  it("uses the sample (n − 1) standard deviation", () => {
    const { mean, std } = meanAndStd(f64(1, 2, 3, 4)); // mean 2.5, Σd² = 5, 5/3 → std 1.2909944
    expect(mean).toBeCloseTo(2.5, 12);
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it("gives exactly zero spread for a constant series and NaN for fewer than two values", () => {
    expect(meanAndStd(f64(0.3, 0.3, 0.3)).std).toBe(0);
    expect(meanAndStd(f64(1)).std).toBeNaN();
    expect(meanAndStd(f64()).mean).toBeNaN();
  });
});

describe("totalReturn", () => {
  it("is the final sample over initialCash minus one", () => {
    expect(totalReturn(EQUITY, 100)).toBeCloseTo(0.21, 12); // 121/100 − 1
  });

  it("is zero when there are no samples, since the account still holds initialCash", () => {
    expect(totalReturn(f64(), 100)).toBe(0);
  });
});

describe("cagr", () => {
  it("compounds the total return over n / periodsPerYear years", () => {
    // 4 returns at 4 per year = 1 year → 1.21^1 − 1
    expect(cagr(EQUITY, 100, 4)).toBeCloseTo(0.21, 12);
    // 4 returns at 2 per year = 2 years → √1.21 − 1 = 0.1
    expect(cagr(EQUITY, 100, 2)).toBeCloseTo(0.1, 12);
  });

  it("gives −1 when the account ends at exactly zero", () => {
    expect(cagr(f64(50, 0), 100, 2)).toBe(-1);
  });

  it("gives NaN when the account ends below zero, has no samples, or has no frequency", () => {
    expect(cagr(f64(50, -10), 100, 2)).toBeNaN();
    expect(cagr(f64(), 100, 252)).toBeNaN();
    expect(cagr(EQUITY, 100, NaN)).toBeNaN();
  });
});

describe("annualVolatility", () => {
  it("scales the sample std of period returns by √periodsPerYear", () => {
    // √154/90 × √4 = √154/45 ≈ 0.2757705
    expect(annualVolatility(RETURNS, 4)).toBeCloseTo(Math.sqrt(154) / 45, 12);
  });

  it("is zero for returns that never vary and NaN for a single return", () => {
    expect(annualVolatility(f64(0, 0, 0), 252)).toBe(0);
    expect(annualVolatility(f64(0.1), 252)).toBeNaN();
  });
});

describe("sharpe", () => {
  it("divides the mean return by its sample std and annualises by √periodsPerYear", () => {
    // (1/18) / (√154/90) × √4 = 5/√154 × 2 = 10/√154 ≈ 0.8058230
    expect(sharpe(RETURNS, 4)).toBeCloseTo(10 / Math.sqrt(154), 12);
  });

  it("subtracts the risk-free rate spread evenly over the periods", () => {
    // rf 0.04 / 4 = 0.01 per period; mean excess = 1/18 − 1/100 = 41/900
    // (41/900) / (√154/90) × 2 = 41 / (5√154) ≈ 0.6607748
    expect(sharpe(RETURNS, 4, 0.04)).toBeCloseTo(41 / (5 * Math.sqrt(154)), 12);
  });

  it("gives a Sharpe of NaN when the returns never vary", () => {
    expect(sharpe(f64(0, 0, 0, 0), 252)).toBeNaN();
  });

  it("gives a Sharpe of NaN for constant compounding even though float rounding leaves a 1e-18 spread", () => {
    const equity = new Float64Array(1000);
    let value = 100;
    for (let i = 0; i < equity.length; i++) equity[i] = value *= 1.01;
    expect(sharpe(periodReturns(equity, 100), 252)).toBeNaN();
  });

  it("gives NaN with fewer than two returns", () => {
    expect(sharpe(f64(0.05), 252)).toBeNaN();
  });
});

describe("sortino", () => {
  it("divides the mean return by the downside deviation over ALL periods", () => {
    // below 0: only −0.1 → DD = √(0.01 / 4) = 0.05 (divided by all 4 periods, not by 1)
    // (1/18) / 0.05 × √4 = 20/9 ≈ 2.2222222
    expect(sortino(RETURNS, 4)).toBeCloseTo(20 / 9, 12);
  });

  it("uses the per-period risk-free rate as the target", () => {
    // target 0.01: excess = [−0.01, 0.09, −0.11, 0.2122…]; downside² = 0.0001 + 0.0121 = 0.0122
    // DD = √(0.0122 / 4) = √0.00305; mean excess = 41/900 → (41/900) / √0.00305 × 2 ≈ 1.6497625
    expect(sortino(RETURNS, 4, 0.04)).toBeCloseTo((41 / 900 / Math.sqrt(0.00305)) * 2, 12);
  });

  it("gives a Sortino of NaN when no period falls below the target", () => {
    expect(sortino(f64(0.01, 0.02, 0), 252)).toBeNaN();
  });

  it("gives NaN with no returns", () => {
    expect(sortino(f64(), 252)).toBeNaN();
  });
});

describe("inferPeriodsPerYear", () => {
  it("gives ≈260.9 for daily weekday timestamps (≈252 once holidays are missing as well)", () => {
    const times: number[] = [];
    for (let t = Date.UTC(2015, 0, 5); t < Date.UTC(2025, 0, 6); t += DAY) {
      const weekday = new Date(t).getUTCDay();
      if (weekday !== 0 && weekday !== 6) times.push(t);
    }
    // 365.25 × 5/7 = 260.89; edge weeks move it by well under 0.5
    expect(inferPeriodsPerYear(Float64Array.from(times))).toBeCloseTo(365.25 * 5 / 7, 0);
  });

  it("gives exactly 525,960 for 24/7 one-minute bars", () => {
    const day = Float64Array.from({ length: 1441 }, (_, i) => i * 60_000); // 1440 intervals in one day
    expect(inferPeriodsPerYear(day)).toBeCloseTo(525_960, 6); // 1440 / (1 / 365.25)
  });

  it("gives 365.25 for daily bars every calendar day", () => {
    expect(inferPeriodsPerYear(f64(0, DAY, 2 * DAY, 3 * DAY))).toBeCloseTo(365.25, 9);
    expect(YEAR_MS).toBe(365.25 * DAY);
  });

  it("gives NaN with fewer than two samples or no elapsed time", () => {
    expect(inferPeriodsPerYear(f64())).toBeNaN();
    expect(inferPeriodsPerYear(f64(DAY))).toBeNaN();
    expect(inferPeriodsPerYear(f64(DAY, DAY))).toBeNaN();
  });
});
