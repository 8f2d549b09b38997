import { InputError } from "../errors.js";
import { utcDayStart } from "../time.js";
import type { RiskRule, TradingState } from "./types.js";
import { fraction, requireOptions } from "./validate.js";

export interface DailyLossStopOptions {
  /** Largest loss allowed within one UTC day, as a fraction of start-of-day equity (0.05 = 5 %). */
  readonly maxLoss: number;
  /** State asked for once the loss is exceeded. Default HALTED. */
  readonly state?: "REDUCING" | "HALTED";
}

/**
 * Stops trading for the rest of the UTC day once equity falls below start-of-day equity × (1 − maxLoss).
 *
 * Start-of-day equity is the first equity sample whose time falls in a new UTC day. Once tripped the
 * rule keeps asking for `state` (even if equity recovers) until the first sample of the next UTC day,
 * which asks for ACTIVE again. NaN samples are ignored. For a negative start the floor is
 * start − |start| × maxLoss, so "a loss" still means "lower".
 *
 * @example
 * const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 })]);
 * manager.onEquity(Date.UTC(2024, 0, 2, 0), 100_000);
 * manager.onEquity(Date.UTC(2024, 0, 2, 15), 94_000); // manager.state === "HALTED"
 * manager.onEquity(Date.UTC(2024, 0, 3, 0), 94_500); // manager.state === "ACTIVE"
 */
export function dailyLossStop(options: DailyLossStopOptions): RiskRule {
  const name = "dailyLossStop";
  const maxLoss = fraction(name, "maxLoss", requireOptions(name, options).maxLoss);
  const tripState: TradingState = options.state ?? "HALTED";
  if (tripState !== "HALTED" && tripState !== "REDUCING") {
    throw new InputError(
      "INVALID_RISK_LIMIT",
      { rule: name, option: "state", value: String(tripState) },
      `${name}: state must be "REDUCING" or "HALTED", got ${JSON.stringify(tripState)}`,
    );
  }
  let day = -Infinity;
  let floor = NaN;
  let tripped = false;
  return {
    name,
    get stateCode() {
      return tripped ? "DAILY_LOSS_STOP" : "DAILY_LOSS_RESET";
    },
    onEquity(timeMs, equity) {
      if (!Number.isFinite(equity) || !Number.isFinite(timeMs)) return null;
      const start = utcDayStart(timeMs);
      if (start > day) {
        day = start;
        floor = equity - Math.abs(equity) * maxLoss;
        tripped = false;
      } else if (!tripped && equity < floor) {
        tripped = true;
      }
      return tripped ? tripState : "ACTIVE";
    },
  };
}
