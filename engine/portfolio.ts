import { InputError } from "./errors.js";
import type { Trade } from "./records.js";
import { utcDayStart } from "./time.js";

export type Settlement = "T+0" | "T+1";

export interface PortfolioOptions {
  /** Starting cash. */
  readonly cash: number;
  /** Maximum gross exposure as a multiple of equity (1 = cash account, no leverage). */
  readonly leverage?: number;
  /** T+1: units bought on a UTC day cannot be sold the same day. Default T+0. */
  readonly settlement?: Settlement;
}

/** What a fill did to a position. */
export interface PositionChange {
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realizedPnl: number;
}

/**
 * Cash and signed positions per symbol (indexed by the engine's symbol number), average entry
 * price, realized PnL, and round-trip trades. Equity = cash + Σ position × last price.
 */
export class Portfolio {
  readonly symbols: readonly string[];
  readonly initialCash: number;
  readonly leverage: number;
  readonly settlement: Settlement;
  cash: number;
  readonly quantity: Float64Array;
  readonly averagePrice: Float64Array;
  readonly realizedPnl: Float64Array;
  readonly lastPrice: Float64Array;
  readonly trades: Trade[] = [];
  private readonly boughtDay: Float64Array;
  private readonly boughtToday: Float64Array;
  private readonly open: (OpenTrade | undefined)[];

  constructor(symbols: readonly string[], options: PortfolioOptions) {
    const { cash, leverage = 1, settlement = "T+0" } = options;
    if (!Number.isFinite(cash) || cash <= 0) {
      throw new InputError("BAD_CASH", { cash }, `starting cash must be a finite number above zero, got ${cash}`);
    }
    if (!Number.isFinite(leverage) || leverage <= 0) {
      throw new InputError("BAD_LEVERAGE", { leverage }, `leverage must be a finite number above zero, got ${leverage}`);
    }
    this.symbols = symbols;
    this.initialCash = cash;
    this.cash = cash;
    this.leverage = leverage;
    this.settlement = settlement;
    const n = symbols.length;
    this.quantity = new Float64Array(n);
    this.averagePrice = new Float64Array(n);
    this.realizedPnl = new Float64Array(n);
    this.lastPrice = new Float64Array(n).fill(NaN);
    this.boughtDay = new Float64Array(n).fill(NaN);
    this.boughtToday = new Float64Array(n);
    this.open = new Array(n).fill(undefined);
  }

  /** Gross exposure as of the last `mark()`. */
  gross = 0;

  /** Equity, and `gross` as a side effect, in one pass (once per time step). */
  mark(): number {
    let e = this.cash, g = 0;
    const q = this.quantity, p = this.lastPrice;
    for (let k = 0; k < q.length; k++) {
      const x = q[k]!;
      if (x !== 0) {
        const v = x * p[k]!;
        e += v;
        g += v < 0 ? -v : v;
      }
    }
    this.gross = g;
    return e;
  }

  /** Cash plus every position marked at its last price. */
  equity(): number {
    let e = this.cash;
    const q = this.quantity, p = this.lastPrice;
    for (let k = 0; k < q.length; k++) if (q[k] !== 0) e += q[k]! * p[k]!;
    return e;
  }

  /** Σ |position × last price|. */
  grossExposure(): number {
    let g = 0;
    const q = this.quantity, p = this.lastPrice;
    for (let k = 0; k < q.length; k++) if (q[k] !== 0) g += Math.abs(q[k]! * p[k]!);
    return g;
  }

  /** Open PnL of symbol k at its last price: (last − average price) × position. */
  unrealizedPnl(k: number): number {
    const q = this.quantity[k]!;
    return q === 0 ? 0 : (this.lastPrice[k]! - this.averagePrice[k]!) * q;
  }

  /**
   * Units of a long not bought on the UTC day of `timeMs`: what T+1 settlement lets be sold then.
   * Tracked under either settlement, so a T+1 risk rule works on its own; the venue enforces it
   * only under `settlement: "T+1"`.
   */
  sellable(k: number, timeMs: number): number {
    const q = this.quantity[k]!;
    if (q <= 0) return 0;
    if (this.boughtDay[k] !== utcDayStart(timeMs)) return q;
    return Math.max(0, q - this.boughtToday[k]!);
  }

  /**
   * A live restart: symbol k's position as reconciled with the exchange, carried over at its
   * average price as a trade open since `timeMs`. No cash moves (set `cash` to the reconciled balance).
   */
  restore(k: number, quantity: number, averagePrice: number, timeMs: number): void {
    if (this.quantity[k] !== 0) throw new InputError("POSITION_EXISTS", { symbol: this.symbols[k] }, `${this.symbols[k]}: a position can only be restored into a flat book`);
    if (!Number.isFinite(quantity) || quantity === 0) return;
    if (!(averagePrice > 0)) throw new InputError("BAD_PRICE", { symbol: this.symbols[k], averagePrice }, `${this.symbols[k]}: a restored position needs a positive average price, got ${averagePrice}`);
    this.quantity[k] = quantity;
    this.averagePrice[k] = averagePrice;
    this.tradeOpen(k, quantity, averagePrice, 0, timeMs, 0);
  }

  /** Books a fill: cash, position, average price, realized PnL, and the round trip it belongs to. */
  applyFill(k: number, signedQty: number, price: number, commission: number, timeMs: number, step: number): PositionChange {
    const before = this.quantity[k]!;
    const after = before + signedQty;
    this.cash -= signedQty * price + commission;
    if (signedQty > 0) {
      const day = utcDayStart(timeMs);
      if (this.boughtDay[k] !== day) { this.boughtDay[k] = day; this.boughtToday[k] = 0; }
      this.boughtToday[k]! += signedQty;
    }
    this.quantity[k] = after;
    let realized = 0;
    if (before === 0 || Math.sign(before) === Math.sign(signedQty)) {
      // opening or adding: the average moves, nothing is realized
      this.averagePrice[k] = (this.averagePrice[k]! * Math.abs(before) + price * Math.abs(signedQty)) / Math.abs(after);
      this.tradeOpen(k, signedQty, price, commission, timeMs, step);
    } else {
      const closing = Math.min(Math.abs(signedQty), Math.abs(before));
      realized = (price - this.averagePrice[k]!) * closing * Math.sign(before);
      this.realizedPnl[k]! += realized;
      const closingShare = closing / Math.abs(signedQty);
      this.tradeReduce(k, closing, price, commission * closingShare, realized, timeMs, step, after === 0 || Math.sign(after) !== Math.sign(before));
      if (after !== 0 && Math.sign(after) !== Math.sign(before)) {
        // a reversal: the rest of the fill opens a new position at the fill price
        this.averagePrice[k] = price;
        this.tradeOpen(k, after, price, commission * (1 - closingShare), timeMs, step);
      } else if (after === 0) {
        this.averagePrice[k] = 0;
      }
    }
    return { quantity: after, averagePrice: this.averagePrice[k]!, realizedPnl: realized };
  }

  private tradeOpen(k: number, signedQty: number, price: number, commission: number, timeMs: number, step: number): void {
    let t = this.open[k];
    if (!t) {
      t = { direction: signedQty > 0 ? "long" : "short", entryTimeMs: timeMs, entryStep: step, entryQty: 0, entryValue: 0,
        exitQty: 0, exitValue: 0, maxQty: 0, commission: 0, grossPnl: 0 };
      this.open[k] = t;
    }
    const q = Math.abs(signedQty);
    t.entryQty += q;
    t.entryValue += q * price;
    t.commission += commission;
    t.maxQty = Math.max(t.maxQty, Math.abs(this.quantity[k]!));
  }

  private tradeReduce(k: number, q: number, price: number, commission: number, pnl: number, timeMs: number, step: number, closes: boolean): void {
    const t = this.open[k];
    if (!t) return;
    t.exitQty += q;
    t.exitValue += q * price;
    t.commission += commission;
    t.grossPnl += pnl;
    if (!closes) return;
    const entryPrice = t.entryValue / t.entryQty;
    const netPnl = t.grossPnl - t.commission;
    this.trades.push({
      symbol: this.symbols[k]!, direction: t.direction, entryTimeMs: t.entryTimeMs, exitTimeMs: timeMs,
      quantity: t.maxQty, entryPrice, exitPrice: t.exitValue / t.exitQty, grossPnl: t.grossPnl,
      commission: t.commission, netPnl, returnPct: netPnl / (entryPrice * t.maxQty), bars: step - t.entryStep,
    });
    this.open[k] = undefined;
  }
}

interface OpenTrade {
  direction: "long" | "short";
  entryTimeMs: number;
  entryStep: number;
  entryQty: number;
  entryValue: number;
  exitQty: number;
  exitValue: number;
  maxQty: number;
  commission: number;
  grossPnl: number;
}
