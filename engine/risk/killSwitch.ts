import { deny } from "./deny.js";
import type { RiskDenial, RiskOrder, RiskRule, RiskView } from "./types.js";

/** A rule that refuses every order while engaged; cancels stay allowed so open orders can be pulled. */
export interface KillSwitch extends RiskRule {
  readonly engaged: boolean;
  /** Why it was engaged; undefined while released. */
  readonly reason: string | undefined;
  engage(reason: string): void;
  release(): void;
  checkOrder(order: RiskOrder, view: RiskView): RiskDenial | null;
}

/**
 * A kill switch as a rule, for a strategy or a monitor that holds the rule object itself
 * (`RiskManager.kill` does the same at the manager level and also halts the state).
 *
 * @example
 * const stop = killSwitch();
 * const manager = new RiskManager([stop, maxOrderNotional({ max: 50_000 })]);
 * stop.engage("feed looks wrong"); // every order: KILL_SWITCH: reason=feed looks wrong
 * stop.release();
 */
export function killSwitch(): KillSwitch {
  // built at engage time so the per-order check allocates nothing
  let denial: RiskDenial | null = null;
  let reason: string | undefined;
  return {
    name: "killSwitch",
    get engaged() {
      return denial !== null;
    },
    get reason() {
      return reason;
    },
    engage(why: string) {
      reason = String(why);
      denial = deny("KILL_SWITCH", { reason });
    },
    release() {
      reason = undefined;
      denial = null;
    },
    checkOrder() {
      return denial;
    },
  };
}
