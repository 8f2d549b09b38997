/**
 * Parity with backtrader: the CLI's fills on real ORCL data equal the reference fills in
 * ../shared/data/reference (same rules: SMA 10/30 CrossOver, next-open market fills, all-in
 * sizing with 0.1 % commission, 100 000 cash).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { crossover, defineStrategy, runBacktest } from "../../engine/index.js";
import { readBars } from "../../engine/node/readBars.js";
import { smaCrossover } from "../../strategies/smaCrossover.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SHARED = resolve(ROOT, "../shared/data");
const DATA = join(SHARED, "backtrader/orcl-1995-2014.txt");
const REFERENCE = join(SHARED, "reference/backtrader_smacross_orcl.json");

interface RefFill { date: string; side: string; size: number; price: number; commission: number }
interface CliFill { time: string; side: string; qty: number; price: number; commission: number }

describe.skipIf(!existsSync(REFERENCE))("parity with backtrader on ORCL 1995-2014 (skipped: ../shared/data is absent)", () => {
  const ref = existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, "utf8")) : undefined;

  it("reproduces every one of backtrader's 195 fills through the CLI", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "parity-")), "orcl.json");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "engine/node/cli/backtest.ts", "--data", DATA,
      "--strategy", "sma-crossover", "--param", "fast=10", "--param", "slow=30", "--cash", "100000", "--commission", "0.001", "--json", out, "--quiet"], { cwd: ROOT });
    const result = JSON.parse(readFileSync(out, "utf8"));
    const fills: CliFill[] = result.fills;
    const expected: RefFill[] = ref.fill_list;
    expect(fills.length).toBe(expected.length);
    expect(fills.length).toBe(195);
    fills.forEach((f, j) => {
      const e = expected[j]!;
      const where = `fill ${j} (${e.date})`;
      expect(f.time.slice(0, 10), where).toBe(e.date);
      expect(f.side, where).toBe(e.side);
      expect(f.qty, where).toBe(e.size);
      // backtrader's stored prices carry its own float noise (4.2222219999999995 for the file's 4.222222)
      expect(Math.abs(f.price - e.price), where).toBeLessThanOrEqual(1e-9 * e.price);
      expect(Math.abs(f.commission - e.commission), where).toBeLessThanOrEqual(1e-6);
    });
    expect(Math.abs(result.metrics.finalEquity / ref.final_value - 1)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(result.finalCash - ref.final_cash)).toBeLessThanOrEqual(1e-6 * ref.final_value);
    expect(result.positions[0].quantity).toBe(ref.open_position);
    expect(result.trades.length).toBe(ref.closed_trades);
    expect(result.trades.filter((t: { netPnl: number }) => t.netPnl > 0).length).toBe(ref.winning_trades);
    expect(Math.abs(result.metrics.totalCommission - ref.total_commission)).toBeLessThanOrEqual(1e-6);
  }, 60_000);

  it("matches backtrader's round-trip PnL after commission trade by trade", async () => {
    const r = runBacktest({ bars: await readBars(DATA), strategy: smaCrossover, cash: 100_000, commission: 0.001 });
    const expected: { pnlcomm: number }[] = ref.closed_trade_list;
    expect(r.trades.map((t) => t.netPnl)).toHaveLength(expected.length);
    r.trades.forEach((t, j) => expect(Math.abs(t.netPnl - expected[j]!.pnlcomm), `trade ${j}`).toBeLessThanOrEqual(1e-6));
  });

  it("depends on exact averages: a plain floating rolling sum crosses a day early at the 2004-06-29 tie and every fill after it differs", async () => {
    const bars = await readBars(DATA);
    // the same rule on `sum += x - old` averages: 2e-14 of noise where the averages really tie
    const naive = defineStrategy({
      name: "naive-sma-crossover",
      params: {},
      init: () => ({ f: 0, s: 0, cross: crossover() }),
      onBar(ctx, st) {
        const c = ctx.history("close", 31);
        st.f += ctx.close - (c.length > 10 ? c[c.length - 11]! : 0);
        st.s += ctx.close - (c.length > 30 ? c[c.length - 31]! : 0);
        const signal = st.cross.update(c.length >= 10 ? st.f / 10 : NaN, c.length >= 30 ? st.s / 30 : NaN);
        if (signal > 0 && ctx.position === 0) ctx.orderTargetPercent(1);
        else if (signal < 0 && ctx.position > 0) ctx.orderTargetPercent(0);
      },
    });
    const exact = runBacktest({ bars, strategy: smaCrossover, cash: 100_000, commission: 0.001 });
    const float = runBacktest({ bars, strategy: naive, cash: 100_000, commission: 0.001 });
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    expect(exact.fills.map((f) => day(f.timeMs))).toEqual((ref.fill_list as RefFill[]).map((f) => f.date));
    const firstDiff = float.fills.findIndex((f, j) => exact.fills[j]?.timeMs !== f.timeMs);
    expect(firstDiff).toBeGreaterThan(0);
    expect(day(float.fills[firstDiff]!.timeMs)).toBe("2004-06-30");
  });
});
