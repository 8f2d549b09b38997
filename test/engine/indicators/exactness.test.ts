import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { priceDecimals } from "../../../engine/bars.js";
import { Crossover, Sma, crossoverBatch, smaBatch } from "../../../engine/indicators/index.js";
import { loadOrcl } from "./orcl.js";

/**
 * Real prices with fixed decimals make two averages tie exactly; a floating rolling sum turns the
 * tie into a 2e-14 difference and a crossing a day early (see ../shared/data/reference/README.md).
 */

const { series, dates } = loadOrcl();
const decimals = priceDecimals(series)!;
const close = series.close;
const TIE = dates.indexOf("2004-06-29");

/** The textbook floating rolling sum, `sum += x - old`, that the tick sums replace. */
function plainRollingSma(values: ArrayLike<number>, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]! - (i >= period ? values[i - period]! : 0);
    if (i >= period - 1) out[i] = sum / period;
  }
  return out;
}

describe("exact averages on ORCL 1995-2014", () => {
  it("finds 6 decimals in the file and the tie date in it", () => {
    expect(decimals).toBe(6);
    expect(TIE).toBeGreaterThan(30);
  });

  it("gives SMA(10) and SMA(30) both exactly 11.375 on 2004-06-29", () => {
    const fast = new Sma(10, { decimals });
    const slow = new Sma(30, { decimals });
    for (let i = 0; i <= TIE; i++) {
      fast.update(close[i]!);
      slow.update(close[i]!);
    }
    expect(fast.value).toBe(11.375);
    expect(slow.value).toBe(11.375);
    expect(smaBatch(close, 10, { decimals })[TIE]).toBe(11.375);
    expect(smaBatch(close, 30, { decimals })[TIE]).toBe(11.375);
  });

  it("gives no crossing on the tie, and the up-cross on the next day", () => {
    const fast = smaBatch(close, 10, { decimals });
    const slow = smaBatch(close, 30, { decimals });
    const cross = crossoverBatch(fast, slow);
    expect(fast[TIE - 1]! - slow[TIE - 1]!).toBeLessThan(0);
    expect(cross[TIE]).toBe(0);
    expect(fast[TIE + 1]! - slow[TIE + 1]!).toBeGreaterThan(0);
    expect(cross[TIE + 1]).toBe(1);

    const streaming = new Crossover();
    for (let i = 0; i <= TIE; i++) streaming.update(fast[i]!, slow[i]!);
    expect(streaming.value).toBe(0);
  });

  it("shows that a plain floating rolling sum does not tie, and crosses a day early", () => {
    const fast = plainRollingSma(close, 10);
    const slow = plainRollingSma(close, 30);
    const diff = fast[TIE]! - slow[TIE]!;
    expect(diff).not.toBe(0);
    expect(Math.abs(diff)).toBeLessThan(1e-12);
    expect(crossoverBatch(fast, slow)[TIE]).toBe(1);
  });

  it("gives equal averages for equal windows, on every bar of the file", () => {
    // exact check in integers: SMA(10) == SMA(30) iff 3 · sum10 == sum30 in ticks
    const scale = 10 ** decimals;
    const ticks = Array.from(close, (x) => BigInt(Math.round(x * scale)));
    const fast = smaBatch(close, 10, { decimals });
    const slow = smaBatch(close, 30, { decimals });
    let ties = 0;
    for (let i = 29; i < close.length; i++) {
      let s10 = 0n, s30 = 0n;
      for (let j = i - 29; j <= i; j++) {
        s30 += ticks[j]!;
        if (j > i - 10) s10 += ticks[j]!;
      }
      const exactlyEqual = 3n * s10 === s30;
      expect(fast[i] === slow[i]).toBe(exactlyEqual);
      if (exactlyEqual) ties++;
    }
    expect(ties).toBeGreaterThanOrEqual(1);
  });

  it("reproduces the dates and sides of all 195 fills of backtrader's SMA(10)/SMA(30) cross run", () => {
    const refFile = fileURLToPath(new URL("../../../../shared/data/reference/backtrader_smacross_orcl.json", import.meta.url));
    const ref = JSON.parse(readFileSync(refFile, "utf8")) as { fill_list: { date: string; side: string }[] };
    const cross = crossoverBatch(smaBatch(close, 10, { decimals }), smaBatch(close, 30, { decimals }));
    // buy when flat on an up-cross, sell when long on a down-cross; filled at the next bar's open
    const fills: { date: string; side: string }[] = [];
    let long = false;
    for (let t = 0; t < close.length - 1; t++) {
      if (!long && cross[t] === 1) {
        fills.push({ date: dates[t + 1]!, side: "buy" });
        long = true;
      } else if (long && cross[t] === -1) {
        fills.push({ date: dates[t + 1]!, side: "sell" });
        long = false;
      }
    }
    expect(fills).toEqual(ref.fill_list.map((f) => ({ date: f.date, side: f.side })));
  });
});
