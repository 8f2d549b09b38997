import { describe, expect, it } from "vitest";
import { calendarReturns } from "../../../engine/report/monthlyReturns.js";

const d = (y: number, m: number, day: number) => Date.UTC(y, m - 1, day);

describe("calendarReturns", () => {
  it("chains each month from the last sample of the month before (the cash for the first)", () => {
    // Dec 2023: 100 → 110; Jan 2024: 110 → 99 (last sample of Jan); Mar 2024 (no February): 99 → 108.9
    const time = Float64Array.of(d(2023, 12, 5), d(2023, 12, 28), d(2024, 1, 2), d(2024, 1, 31), d(2024, 3, 1));
    const equity = Float64Array.of(105, 110, 120, 99, 108.9);
    const { months, years } = calendarReturns(time, equity, 100);
    expect(months.map((m) => [m.year, m.month, m.startEquity, m.endEquity, m.samples])).toEqual([
      [2023, 12, 100, 110, 2], [2024, 1, 110, 99, 2], [2024, 3, 99, 108.9, 1],
    ]);
    expect(months[0]!.return).toBeCloseTo(0.1, 15);
    expect(months[1]!.return).toBeCloseTo(-0.1, 15); // 99 / 110 − 1
    expect(months[2]!.return).toBeCloseTo(0.1, 15); // 108.9 / 99 − 1
    expect(years.map((y) => [y.year, y.startEquity, y.endEquity, y.months])).toEqual([[2023, 100, 110, 1], [2024, 110, 108.9, 2]]);
    expect(years[1]!.return).toBeCloseTo(-0.01, 15); // 108.9 / 110 − 1
  });

  it("compounds to the total return", () => {
    const time = Float64Array.from({ length: 400 }, (_, i) => d(2020, 1, 1) + i * 86_400_000);
    const equity = Float64Array.from({ length: 400 }, (_, i) => 1000 * (1 + 0.3 * Math.sin(i / 17)) + i);
    const { months } = calendarReturns(time, equity, 1000);
    const product = months.reduce((p, m) => p * (1 + m.return), 1);
    expect(product - 1).toBeCloseTo(equity[399]! / 1000 - 1, 12);
    expect(months.reduce((n, m) => n + m.samples, 0)).toBe(400);
  });

  it("is empty without samples", () => {
    expect(calendarReturns(new Float64Array(0), new Float64Array(0), 100)).toEqual({ months: [], years: [] });
  });
});
