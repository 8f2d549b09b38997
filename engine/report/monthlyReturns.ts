/**
 * Calendar returns of an equity curve: one per UTC month and one per UTC year, the table a tear
 * sheet draws as a year × month heatmap.
 */

/** One calendar month of the curve. */
export interface MonthlyReturn {
  readonly year: number;
  /** 1 = January … 12 = December. */
  readonly month: number;
  /** The equity the month started from: the last sample of the month before, or the initial cash. */
  readonly startEquity: number;
  /** The month's last sample. */
  readonly endEquity: number;
  /** endEquity / startEquity − 1. */
  readonly return: number;
  /** Samples in the month; a first or last month with few of them is partial. */
  readonly samples: number;
}

/** One calendar year: the months compounded, end of year over end of the year before. */
export interface YearlyReturn {
  readonly year: number;
  readonly startEquity: number;
  readonly endEquity: number;
  readonly return: number;
  /** Months with samples. */
  readonly months: number;
}

export interface CalendarReturns {
  readonly months: readonly MonthlyReturn[];
  readonly years: readonly YearlyReturn[];
}

/**
 * Monthly and yearly returns of `equity` sampled at `timeMs` (ascending UTC ms). A month's return
 * runs from the last sample of the previous month with samples (the initial cash for the first)
 * to its own last sample, so the months chain: Π(1 + r) − 1 is the total return. Months without
 * samples are left out (a gap in the data), and the next month starts where the last one ended.
 *
 * @example
 * const jan = Date.UTC(2024, 0, 15), feb = Date.UTC(2024, 1, 15);
 * calendarReturns(Float64Array.of(jan, feb), Float64Array.of(110, 99), 100).months;
 * // [{ year: 2024, month: 1, startEquity: 100, endEquity: 110, return: 0.1, samples: 1 },
 * //  { year: 2024, month: 2, startEquity: 110, endEquity: 99, return: -0.1, samples: 1 }]
 */
export function calendarReturns(timeMs: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number): CalendarReturns {
  const months: MonthlyReturn[] = [];
  let start = initialCash;
  let i = 0;
  while (i < equity.length) {
    const d = new Date(timeMs[i]!);
    const year = d.getUTCFullYear(), month = d.getUTCMonth() + 1;
    const next = Date.UTC(year, month, 1);
    let j = i;
    while (j + 1 < equity.length && timeMs[j + 1]! < next) j++;
    const end = equity[j]!;
    months.push({ year, month, startEquity: start, endEquity: end, return: end / start - 1, samples: j - i + 1 });
    start = end;
    i = j + 1;
  }
  const years: YearlyReturn[] = [];
  for (const m of months) {
    const last = years[years.length - 1];
    if (last?.year === m.year) years[years.length - 1] = { ...last, endEquity: m.endEquity, return: m.endEquity / last.startEquity - 1, months: last.months + 1 };
    else years.push({ year: m.year, startEquity: m.startEquity, endEquity: m.endEquity, return: m.return, months: 1 });
  }
  return { months, years };
}
