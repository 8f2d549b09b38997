import type { Fill, Trade } from "../../../engine/records.js";

export const DAY = 86_400_000;

/** A closed trade where only the fields under test matter. */
export function trade(netPnl: number, overrides: Partial<Trade> = {}): Trade {
  return {
    symbol: "TEST", direction: "long", entryTimeMs: 0, exitTimeMs: DAY, quantity: 1,
    entryPrice: 100, exitPrice: 100 + netPnl, grossPnl: netPnl, commission: 0, netPnl,
    returnPct: netPnl / 100, bars: 1, ...overrides,
  };
}

export function fill(quantity: number, price: number, commission = 0, side: Fill["side"] = "buy"): Fill {
  return { timeMs: 0, orderId: 1, symbol: "TEST", side, quantity, price, commission, liquidity: "taker" };
}

export const f64 = (...values: number[]): Float64Array => Float64Array.from(values);
