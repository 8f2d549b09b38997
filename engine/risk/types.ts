/** The contract between the engine and its pre-trade risk rules. Rules decide; they never throw. */
import type { OrderSide, OrderType } from "../orders.js";

/**
 * ACTIVE: all orders allowed. REDUCING: only orders that reduce exposure (and cancels).
 * HALTED: only cancels.
 */
export type TradingState = "ACTIVE" | "REDUCING" | "HALTED";

/** An order as the risk rules see it: quantity and price are the best estimate at submission. */
export interface RiskOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Positive units. */
  readonly quantity: number;
  /** Expected execution price: the limit/stop price, or the last price for market orders. */
  readonly price: number;
  readonly reduceOnly: boolean;
}

/** Read-only account state at the time of the check. */
export interface RiskView {
  readonly timeMs: number;
  readonly cash: number;
  readonly equity: number;
  /** Maximum gross exposure as a multiple of equity (1 = no leverage). */
  readonly leverage: number;
  /** Signed position (negative = short). */
  position(symbol: string): number;
  /** Last known price of the symbol, NaN when none. */
  lastPrice(symbol: string): number;
  /** Time of the last bar seen for the symbol, NaN when none. */
  lastBarTimeMs(symbol: string): number;
  /** Σ |position × last price| over all symbols. */
  grossExposure(): number;
  /** Units of a long not bought on the current UTC day: what T+1 settlement lets be sold now. */
  sellable(symbol: string): number;
  /** Unfilled units of the symbol's open orders on one side: what is already on its way. */
  openQuantity(symbol: string, side: OrderSide): number;
}

/** A refusal: a stable code, the numbers behind it, and `CODE: key=value, …` as message. */
export interface RiskDenial {
  readonly code: string;
  readonly context: Readonly<Record<string, string | number>>;
  readonly message: string;
}

/** One pre-trade rule. Each hook is optional; the engine calls only the hooks a rule has. */
export interface RiskRule {
  readonly name: string;
  /**
   * Optional: the stable code behind the state this rule asks for now (e.g. DAILY_LOSS_STOP),
   * read by the manager after `onEquity` to label the transition it causes; `name` is used when absent.
   */
  readonly stateCode?: string;
  /** null to allow. */
  checkOrder?(order: RiskOrder, view: RiskView): RiskDenial | null;
  /** null to allow a cancel. */
  checkCancel?(view: RiskView): RiskDenial | null;
  /** Each bar as it arrives (data-quality rules). Must be cheap: runs once per bar. */
  onBar?(symbol: string, timeMs: number, close: number): void;
  /**
   * Each equity sample; returns the state this rule asks for (ACTIVE to lift its earlier request),
   * or null to keep its previous request. Must be cheap: runs once per time step.
   */
  onEquity?(timeMs: number, equity: number): TradingState | null;
  /** Book-keeping after an accepted order or cancel (for per-day counters). */
  onAccepted?(order: RiskOrder, view: RiskView): void;
  onCancelAccepted?(view: RiskView): void;
}
