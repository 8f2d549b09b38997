/**
 * The arithmetic of reconciliation, kept pure so that it can be checked on its own: positions
 * follow from a baseline and the account's fills, whatever order the fills arrive in and however
 * often each one is seen; the exchange's balances either agree with them or the difference is
 * reported.
 */

/** What reconciliation reads of a fill. `tradeId` is the exchange's (or the paper venue's) id: unique. */
export interface FillRecord {
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly quantity: number;
  readonly price: number;
  readonly timeMs: number;
}

export interface PositionRecord {
  readonly symbol: string;
  readonly quantity: number;
  /** Average entry price of what is held (0 when flat). */
  readonly averagePrice: number;
}

/**
 * Positions from a baseline (what was held before the first fill, at its price) and fills, each
 * trade id counted once, fills applied in (time, trade id) order so that the result does not
 * depend on the order they were received in.
 */
export function positionsFromFills(baseline: readonly PositionRecord[], fills: Iterable<FillRecord>): Map<string, PositionRecord> {
  const unique = new Map<string, FillRecord>();
  for (const f of fills) if (!unique.has(f.tradeId)) unique.set(f.tradeId, f);
  const ordered = [...unique.values()].sort((a, b) => a.timeMs - b.timeMs || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
  const book = new Map<string, { quantity: number; averagePrice: number }>();
  for (const b of baseline) book.set(b.symbol, { quantity: b.quantity, averagePrice: b.averagePrice });
  for (const f of ordered) {
    const p = book.get(f.symbol) ?? { quantity: 0, averagePrice: 0 };
    const signed = f.side === "buy" ? f.quantity : -f.quantity;
    const after = roundQty(p.quantity + signed);
    if (p.quantity === 0 || Math.sign(p.quantity) === Math.sign(signed)) {
      p.averagePrice = (p.averagePrice * Math.abs(p.quantity) + f.price * f.quantity) / Math.abs(after);
    } else if (after !== 0 && Math.sign(after) !== Math.sign(p.quantity)) {
      p.averagePrice = f.price;
    } else if (after === 0) {
      p.averagePrice = 0;
    }
    p.quantity = after;
    book.set(f.symbol, p);
  }
  return new Map([...book].map(([symbol, p]) => [symbol, { symbol, ...p }]));
}

/** A difference between what the fills say is held and what the exchange holds. */
export interface Mismatch {
  readonly symbol: string;
  readonly expected: number;
  readonly exchange: number;
}

/** Symbols whose exchange holding differs from the expected one by more than half a lot step. */
export function compareHoldings(expected: ReadonlyMap<string, PositionRecord>, exchange: Readonly<Record<string, number>>, step: (symbol: string) => number): Mismatch[] {
  const symbols = new Set([...expected.keys(), ...Object.keys(exchange)]);
  const out: Mismatch[] = [];
  for (const symbol of [...symbols].sort()) {
    const e = expected.get(symbol)?.quantity ?? 0;
    const x = exchange[symbol] ?? 0;
    if (Math.abs(e - x) > step(symbol) / 2) out.push({ symbol, expected: e, exchange: x });
  }
  return out;
}

/** Sums of binary fractions drift (0.1 + 0.2); quantities are kept to 12 significant digits. */
function roundQty(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(12));
}
