/**
 * The stable codes of the risk layer. UIs, logs and tests key on these codes, never on message text,
 * so a code is never renamed; a new situation gets a new code.
 */

/**
 * Why an order or a cancel was refused (`RiskDenial.code`), each with its one-line meaning.
 *
 * @example
 * RISK_REASON_MEANINGS.MAX_ORDER_NOTIONAL; // "the order's quantity × price is above the per-order limit"
 */
export const RISK_REASON_MEANINGS = {
  TRADING_HALTED: "the trading state is HALTED: only cancels are accepted",
  TRADING_REDUCING: "the trading state is REDUCING: only orders that shrink a position without flipping it are accepted",
  RULE_FAILED: "a rule threw instead of deciding; the request is refused to fail safe",
  KILL_SWITCH: "the kill switch is engaged: every order is refused",
  MAX_ORDER_QUANTITY: "the order's quantity is above the per-order limit",
  MAX_ORDER_NOTIONAL: "the order's quantity × price is above the per-order limit",
  MAX_POSITION_QUANTITY: "the symbol's |position| after the order would be above the unit limit",
  MAX_POSITION_NOTIONAL: "the symbol's |position| × price after the order would be above the notional limit",
  MAX_GROSS_EXPOSURE: "gross exposure after the order would be above the configured limit",
  BUYING_POWER: "gross exposure after the order would be above leverage × equity",
  MAX_ORDERS_PER_DAY: "the number of orders accepted this UTC day has reached the limit",
  MAX_CANCELS_PER_DAY: "the number of cancels accepted this UTC day has reached the limit",
  PRICE_BAND: "the order's price is further from the last price than the band allows (fat finger)",
  NO_MARKET_DATA: "no price or bar has been seen for the symbol yet",
  STALE_DATA: "the symbol's last bar is older than the allowed age",
  BROKEN_DATA: "the symbol's recent bars jumped implausibly; orders wait for enough normal bars",
  T1_NOT_SELLABLE: "the sell is larger than the units that may be sold now (T+1 settlement)",
  SHORT_NOT_ALLOWED: "the sell would open or grow a short position, which is not allowed",
  INSUFFICIENT_BUYING_POWER: "the venue refused a fill: gross exposure after it would be above leverage × equity",
} as const;

/** Every denial code, in the order of `RISK_REASON_MEANINGS`. */
export const RISK_REASONS = Object.keys(RISK_REASON_MEANINGS) as readonly RiskReason[];
export type RiskReason = keyof typeof RISK_REASON_MEANINGS;

/**
 * Why the trading state changed (`StateTransition.code`), each with its one-line meaning.
 * Rules written elsewhere may use their own `stateCode`s; these are the ones the built-in rules and the manager use.
 *
 * @example
 * STATE_REASON_MEANINGS.DAILY_LOSS_STOP; // "equity fell below today's start-of-day equity by more than the daily loss limit"
 */
export const STATE_REASON_MEANINGS = {
  INITIAL_STATE: "the state the manager was constructed with",
  MANUAL: "set by hand (setState), e.g. from the live monitor",
  KILL_SWITCH: "the manager's kill switch was engaged",
  KILL_RELEASED: "the manager's kill switch was released",
  DAILY_LOSS_STOP: "equity fell below today's start-of-day equity by more than the daily loss limit",
  DAILY_LOSS_RESET: "a new UTC day began, lifting the daily loss stop",
  DRAWDOWN_REDUCE: "drawdown from the equity peak reached the reduce level",
  DRAWDOWN_HALT: "drawdown from the equity peak reached the halt level",
  DRAWDOWN_RESUME: "drawdown recovered below the resume level",
} as const;

/** Every state-change code, in the order of `STATE_REASON_MEANINGS`. */
export const STATE_REASONS = Object.keys(STATE_REASON_MEANINGS) as readonly StateReason[];
export type StateReason = keyof typeof STATE_REASON_MEANINGS;
