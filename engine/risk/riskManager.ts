import { InputError } from "../errors.js";
import { deny } from "./deny.js";
import type { RiskDenial, RiskOrder, RiskRule, RiskView, TradingState } from "./types.js";

/** One change of the effective trading state. */
export interface StateTransition {
  readonly timeMs: number;
  readonly from: TradingState;
  readonly to: TradingState;
  /** What caused it: a STATE_REASONS code (MANUAL, KILL_SWITCH, DAILY_LOSS_STOP, …) or a rule's stateCode/name. */
  readonly code: string;
  /** The human reason given to setState/kill, or the name of the rule that caused it. */
  readonly reason: string;
}

export interface RiskManagerOptions {
  /** State of the manual layer at construction (e.g. HALTED when a live trader restarts mid-halt). Default ACTIVE. */
  readonly initialState?: TradingState;
}

const STATES: readonly TradingState[] = ["ACTIVE", "REDUCING", "HALTED"];
const ACTIVE = 0;
const HALTED = 2;

function severity(state: TradingState): number {
  return state === "HALTED" ? 2 : state === "REDUCING" ? 1 : 0;
}

function isTradingState(value: unknown): value is TradingState {
  return value === "ACTIVE" || value === "REDUCING" || value === "HALTED";
}

function has<K extends keyof RiskRule>(key: K) {
  return (rule: RiskRule): boolean => typeof rule[key] === "function";
}

/**
 * Runs the pre-trade rules and owns the trading state; the same instance type serves backtests and
 * the live trader.
 *
 * **How the state is decided.** Three independent layers each hold a state, and the effective
 * `state` is the most severe of them (HALTED > REDUCING > ACTIVE):
 * - the *rules* layer: the most severe state requested by any rule's `onEquity` (each rule's last
 *   request is remembered; a rule returning null keeps it, returning ACTIVE lifts it);
 * - the *manual* layer: `initialState`, then whatever `setState` last set;
 * - the *kill* layer: HALTED from `kill()` until `release()`.
 *
 * So no layer can lift another's restriction: `setState("ACTIVE")` clears only a manual halt — a daily
 * loss stop still holds until its next UTC day, and a kill until `release()`; a rule recovering cannot
 * lift a manual halt or a kill. `transitions` records every change of the effective state (a layer
 * change that leaves the effective state unchanged is not a transition).
 *
 * **Gates.** HALTED refuses every order (TRADING_HALTED) and accepts cancels; REDUCING accepts only an
 * order that shrinks its symbol's |position| without going past zero (TRADING_REDUCING); then every
 * rule runs in list order and the first denial wins. A rule that throws is treated as a denial
 * (RULE_FAILED) so a bug fails safe. `onAccepted`/`onCancelAccepted` run only when the request passed.
 *
 * @example
 * const manager = new RiskManager([maxOrderNotional({ max: 50_000 }), dailyLossStop({ maxLoss: 0.05 })]);
 * manager.onEquity(timeMs, equity);
 * const denial = manager.checkOrder(order, view); // null: accepted (counters updated)
 * if (denial) console.log(denial.message); // "MAX_ORDER_NOTIONAL: max=50000, notional=61234.5"
 */
export class RiskManager {
  readonly #rules: readonly RiskRule[];
  readonly #orderRules: readonly RiskRule[];
  readonly #cancelRules: readonly RiskRule[];
  readonly #barRules: readonly RiskRule[];
  readonly #equityRules: readonly RiskRule[];
  readonly #acceptRules: readonly RiskRule[];
  readonly #cancelAcceptRules: readonly RiskRule[];
  /** Last severity requested by each equity rule (index-aligned with #equityRules). */
  readonly #ruleSeverity: number[];
  readonly #transitions: StateTransition[] = [];

  #ruleLayer = ACTIVE;
  #manualLayer: number;
  #manualCode = "INITIAL_STATE";
  #manualReason = "initial state";
  #killed = false;
  #killReason = "";
  /** The conditions layer: named states held by the live trader (STALE_FEED, RECONCILING, …). */
  readonly #conditions = new Map<string, { readonly level: number; readonly reason: string }>();
  #state: TradingState;

  constructor(rules: readonly RiskRule[], options: RiskManagerOptions = {}) {
    if (!Array.isArray(rules)) {
      throw new InputError("INVALID_RISK_RULES", {}, "RiskManager: rules must be an array of RiskRule (e.g. from riskRules(config))");
    }
    rules.forEach((rule: unknown, index) => {
      const named = rule as RiskRule | null;
      if (typeof named !== "object" || named === null || typeof named.name !== "string") {
        throw new InputError("INVALID_RISK_RULES", { index }, `RiskManager: rules[${index}] is not a RiskRule (an object with a name)`);
      }
    });
    const initialState = options.initialState ?? "ACTIVE";
    if (!isTradingState(initialState)) {
      throw new InputError(
        "INVALID_TRADING_STATE",
        { state: String(initialState) },
        `RiskManager: initialState must be ACTIVE, REDUCING or HALTED, got ${JSON.stringify(initialState)}`,
      );
    }
    this.#rules = [...rules];
    // hook lists computed once: the per-order/per-bar paths loop only over rules that have the hook
    this.#orderRules = this.#rules.filter(has("checkOrder"));
    this.#cancelRules = this.#rules.filter(has("checkCancel"));
    this.#barRules = this.#rules.filter(has("onBar"));
    this.#equityRules = this.#rules.filter(has("onEquity"));
    this.#acceptRules = this.#rules.filter(has("onAccepted"));
    this.#cancelAcceptRules = this.#rules.filter(has("onCancelAccepted"));
    this.#ruleSeverity = this.#equityRules.map(() => ACTIVE);
    this.#manualLayer = severity(initialState);
    this.#state = initialState;
  }

  /** The effective trading state: the most severe of the rules, manual and kill layers. */
  get state(): TradingState {
    return this.#state;
  }

  /** Every change of the effective state, oldest first. */
  get transitions(): readonly StateTransition[] {
    return this.#transitions;
  }

  /** The rules, in the order they run. */
  get rules(): readonly RiskRule[] {
    return this.#rules;
  }

  /** Whether `kill()` is in force. */
  get killed(): boolean {
    return this.#killed;
  }

  /** The state the manual layer holds (set by `initialState` / `setState`). */
  get manualState(): TradingState {
    return STATES[this.#manualLayer] as TradingState;
  }

  /** The most severe state the rules currently ask for. */
  get ruleState(): TradingState {
    return STATES[this.#ruleLayer] as TradingState;
  }

  /**
   * Decides on an order: null to accept (and the rules' `onAccepted` has run), else the first denial.
   * Allocates nothing when it accepts.
   */
  checkOrder(order: RiskOrder, view: RiskView): RiskDenial | null {
    const state = this.#state;
    if (state !== "ACTIVE") {
      if (state === "HALTED") return this.#stateDenial("TRADING_HALTED", null);
      if (!reducesPosition(order, view.position(order.symbol), view.openQuantity(order.symbol, order.side))) return this.#stateDenial("TRADING_REDUCING", order, view);
    }
    const rules = this.#orderRules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as RiskRule;
      let denial: RiskDenial | null;
      try {
        denial = rule.checkOrder!(order, view);
      } catch (error) {
        return ruleFailed(rule, error);
      }
      if (denial) return denial;
    }
    const accept = this.#acceptRules;
    for (let i = 0; i < accept.length; i++) (accept[i] as RiskRule).onAccepted!(order, view);
    return null;
  }

  /** Decides on a cancel: allowed in every state, subject to the rules' `checkCancel` (e.g. maxCancelsPerDay). */
  checkCancel(view: RiskView): RiskDenial | null {
    const rules = this.#cancelRules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as RiskRule;
      let denial: RiskDenial | null;
      try {
        denial = rule.checkCancel!(view);
      } catch (error) {
        return ruleFailed(rule, error);
      }
      if (denial) return denial;
    }
    const accept = this.#cancelAcceptRules;
    for (let i = 0; i < accept.length; i++) (accept[i] as RiskRule).onCancelAccepted!(view);
    return null;
  }

  /** Forwards a bar to the rules that watch bars (a no-op loop when none do). */
  onBar(symbol: string, timeMs: number, close: number): void {
    const rules = this.#barRules;
    for (let i = 0; i < rules.length; i++) (rules[i] as RiskRule).onBar!(symbol, timeMs, close);
  }

  /** Forwards an equity sample to the rules that watch equity and applies the states they ask for. */
  onEquity(timeMs: number, equity: number): void {
    const rules = this.#equityRules;
    if (rules.length === 0) return;
    const requested = this.#ruleSeverity;
    // the rule to credit with a transition: the one that rose highest, else the first that stepped down
    let raised = -1;
    let lowered = -1;
    for (let i = 0; i < rules.length; i++) {
      const state = (rules[i] as RiskRule).onEquity!(timeMs, equity);
      if (state === null || state === undefined) continue;
      const next = severity(state);
      const previous = requested[i] as number;
      if (next === previous) continue;
      requested[i] = next;
      if (next > previous) {
        if (raised === -1 || next > (requested[raised] as number)) raised = i;
      } else if (lowered === -1) {
        lowered = i;
      }
    }
    if (raised === -1 && lowered === -1) return;
    let layer = ACTIVE;
    for (let i = 0; i < requested.length; i++) if ((requested[i] as number) > layer) layer = requested[i] as number;
    const rising = layer > this.#ruleLayer;
    this.#ruleLayer = layer;
    const credited = rules[rising || lowered === -1 ? raised : lowered] as RiskRule;
    this.#apply(timeMs, credited.stateCode ?? credited.name, credited.name);
  }

  /** Sets the manual layer (e.g. from the live monitor). It cannot lift a rule's state or a kill. */
  setState(state: TradingState, reason: string, timeMs: number): void {
    if (!isTradingState(state)) {
      throw new InputError(
        "INVALID_TRADING_STATE",
        { state: String(state) },
        `RiskManager.setState: state must be ACTIVE, REDUCING or HALTED, got ${JSON.stringify(state)}`,
      );
    }
    this.#manualLayer = severity(state);
    this.#manualCode = "MANUAL";
    this.#manualReason = String(reason);
    this.#apply(timeMs, "MANUAL", this.#manualReason);
  }

  /**
   * Holds (or with null, lifts) a named condition: a state the live trader asks for while
   * something outside the rules is wrong, e.g. STALE_FEED → REDUCING. Conditions are a layer of
   * their own: lifting one never lifts a manual halt, a rule's state or a kill.
   */
  setCondition(code: string, state: TradingState | null, reason: string, timeMs: number): void {
    if (state !== null && !isTradingState(state)) {
      throw new InputError("INVALID_TRADING_STATE", { state: String(state) }, `RiskManager.setCondition: state must be ACTIVE, REDUCING, HALTED or null, got ${JSON.stringify(state)}`);
    }
    const had = this.#conditions.get(code);
    if (state === null || state === "ACTIVE") {
      if (!had) return;
      this.#conditions.delete(code);
      this.#apply(timeMs, code, `cleared: ${had.reason}`);
      return;
    }
    this.#conditions.set(code, { level: severity(state), reason: String(reason) });
    this.#apply(timeMs, code, String(reason));
  }

  /** The conditions in force, by code. */
  get conditions(): ReadonlyMap<string, { readonly level: number; readonly reason: string }> {
    return this.#conditions;
  }

  /** Kill switch: HALTED, and it stays HALTED whatever the rules or setState say, until `release()`. A second kill keeps the first reason. */
  kill(reason: string, timeMs: number): void {
    if (this.#killed) return;
    this.#killed = true;
    this.#killReason = String(reason);
    this.#apply(timeMs, "KILL_SWITCH", this.#killReason);
  }

  /** Lifts the kill switch; the state falls back to the most severe of the rules and manual layers. */
  release(timeMs: number): void {
    if (!this.#killed) return;
    this.#killed = false;
    this.#apply(timeMs, "KILL_RELEASED", `released kill: ${this.#killReason}`);
    this.#killReason = "";
  }

  #apply(timeMs: number, code: string, reason: string): void {
    let layer = this.#killed ? HALTED : ACTIVE;
    if (this.#manualLayer > layer) layer = this.#manualLayer;
    if (this.#ruleLayer > layer) layer = this.#ruleLayer;
    for (const c of this.#conditions.values()) if (c.level > layer) layer = c.level;
    const next = STATES[layer] as TradingState;
    if (next === this.#state) return;
    this.#transitions.push({ timeMs, from: this.#state, to: next, code, reason });
    this.#state = next;
  }

  /** Denial for the state gate, naming the layer that holds the state (kill first, then manual, then rules). */
  #stateDenial(code: "TRADING_HALTED" | "TRADING_REDUCING", order: RiskOrder | null, view?: RiskView): RiskDenial {
    const level = severity(this.#state);
    const condition = [...this.#conditions].find(([, c]) => c.level === level);
    let cause: string;
    let reason: string;
    if (this.#killed) {
      cause = "KILL_SWITCH";
      reason = this.#killReason;
    } else if (this.#manualLayer === level) {
      cause = this.#manualCode;
      reason = this.#manualReason;
    } else if (condition) {
      cause = condition[0];
      reason = condition[1].reason;
    } else {
      const holder = this.#equityRules[this.#ruleSeverity.indexOf(level)];
      cause = holder?.stateCode ?? holder?.name ?? "UNKNOWN";
      reason = holder?.name ?? "";
    }
    if (order === null || view === undefined) return deny(code, { cause, reason });
    return deny(code, {
      cause,
      reason,
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
      position: view.position(order.symbol),
    });
  }
}

/** True when the order shrinks |position| and stops at or before zero (closing is allowed, flipping is not). */
/** Whether the order shrinks |position| without going past zero, counting what same-side open orders already take off. */
function reducesPosition(order: RiskOrder, position: number, open: number): boolean {
  if (order.side === "buy") return position < 0 && order.quantity > 0 && order.quantity + open <= -position;
  return position > 0 && order.quantity > 0 && order.quantity + open <= position;
}

function ruleFailed(rule: RiskRule, error: unknown): RiskDenial {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return deny("RULE_FAILED", { rule: rule.name, error: text });
}
