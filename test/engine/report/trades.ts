/** Hand-made closed trades for the report tests: only what each test sets matters. */
import type { Trade } from "../../../engine/index.js";
import { T0 } from "../harness.ts";

const HOUR = 3_600_000;

/** A long trade entered `entryHour` hours after T0, held `hours`, with this net PnL (commission 1). */
export function trade(netPnl: number, options: { entryHour?: number; hours?: number; bars?: number; direction?: Trade["direction"]; returnPct?: number } = {}): Trade {
  const entry = T0 + (options.entryHour ?? 0) * HOUR;
  return {
    symbol: "AAA", direction: options.direction ?? "long", entryTimeMs: entry, exitTimeMs: entry + (options.hours ?? 1) * HOUR,
    quantity: 10, entryPrice: 100, exitPrice: 100 + (netPnl + 1) / 10, grossPnl: netPnl + 1, commission: 1, netPnl,
    returnPct: options.returnPct ?? netPnl / 1000, bars: options.bars ?? options.hours ?? 1,
  };
}
