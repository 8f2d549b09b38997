/** Test helpers: a RiskView from plain maps, and an order with sensible defaults. */
import type { RiskOrder, RiskView } from "../../../engine/risk/types.js";

export const T0 = Date.UTC(2024, 0, 2, 15, 0); // a Tuesday afternoon, UTC

export interface FakeViewInit {
  timeMs?: number;
  cash?: number;
  equity?: number;
  leverage?: number;
  positions?: Readonly<Record<string, number>>;
  /** Last prices; a symbol missing here has NaN. Default { AAA: 100 }. */
  prices?: Readonly<Record<string, number>>;
  /** Last bar times; default: one minute before timeMs for every priced symbol. */
  barTimes?: Readonly<Record<string, number>>;
  /** Sellable units; default max(position, 0). */
  sellable?: Readonly<Record<string, number>>;
  /** Gross exposure; default Σ |position × last price|. */
  gross?: number;
  /** Unfilled units of open orders per symbol and side; default none. */
  open?: Readonly<Record<string, { buy?: number; sell?: number }>>;
}

export function fakeView(init: FakeViewInit = {}): RiskView {
  const timeMs = init.timeMs ?? T0;
  const positions = init.positions ?? {};
  const prices = init.prices ?? { AAA: 100 };
  const barTimes = init.barTimes ?? Object.fromEntries(Object.keys(prices).map((s) => [s, timeMs - 60_000]));
  const gross =
    init.gross ?? Object.entries(positions).reduce((sum, [s, q]) => sum + Math.abs(q * (prices[s] ?? 0)), 0);
  return {
    timeMs,
    cash: init.cash ?? init.equity ?? 100_000,
    equity: init.equity ?? 100_000,
    leverage: init.leverage ?? 1,
    position: (symbol) => positions[symbol] ?? 0,
    lastPrice: (symbol) => prices[symbol] ?? NaN,
    lastBarTimeMs: (symbol) => barTimes[symbol] ?? NaN,
    grossExposure: () => gross,
    sellable: (symbol) => init.sellable?.[symbol] ?? Math.max(positions[symbol] ?? 0, 0),
    openQuantity: (symbol, side) => init.open?.[symbol]?.[side] ?? 0,
  };
}

export function order(overrides: Partial<RiskOrder> = {}): RiskOrder {
  return { symbol: "AAA", side: "buy", type: "limit", quantity: 10, price: 100, reduceOnly: false, ...overrides };
}
