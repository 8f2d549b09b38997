import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { brokenData } from "../../../engine/risk/brokenData.js";
import { dailyLossStop } from "../../../engine/risk/dailyLossStop.js";
import { drawdownCircuitBreaker } from "../../../engine/risk/drawdownCircuitBreaker.js";
import { maxCancelsPerDay } from "../../../engine/risk/maxCancelsPerDay.js";
import { maxOrderNotional } from "../../../engine/risk/maxOrderNotional.js";
import { maxOrderQuantity } from "../../../engine/risk/maxOrderQuantity.js";
import { maxOrdersPerDay } from "../../../engine/risk/maxOrdersPerDay.js";
import { RiskManager } from "../../../engine/risk/riskManager.js";
import type { RiskRule, TradingState } from "../../../engine/risk/types.js";
import { HOUR_MS } from "../../../engine/time.js";
import { fakeView, order } from "./fakeView.js";

const day1 = Date.UTC(2024, 0, 2);
const day2 = Date.UTC(2024, 0, 3);
const long100 = fakeView({ positions: { AAA: 100 } });
const short100 = fakeView({ positions: { AAA: -100 } });

/** A manager in REDUCING by hand, with no rules. */
function reducing(): RiskManager {
  return new RiskManager([], { initialState: "REDUCING" });
}

describe("RiskManager", () => {
  describe("checking orders", () => {
    it("starts ACTIVE and accepts an order every rule allows", () => {
      const manager = new RiskManager([maxOrderQuantity({ max: 100 }), maxOrderNotional({ max: 50_000 })]);
      expect(manager.state).toBe("ACTIVE");
      expect(manager.checkOrder(order(), fakeView())).toBeNull();
    });

    it("returns the first rule's denial and runs no later rule", () => {
      const later: RiskRule = { name: "later", checkOrder: vi.fn(() => null) };
      const manager = new RiskManager([maxOrderQuantity({ max: 5 }), maxOrderNotional({ max: 1 }), later]);
      expect(manager.checkOrder(order(), fakeView())?.code).toBe("MAX_ORDER_QUANTITY");
      expect(later.checkOrder).not.toHaveBeenCalled();
    });

    it("calls onAccepted only for an accepted order", () => {
      const manager = new RiskManager([maxOrdersPerDay({ max: 2 }), maxOrderQuantity({ max: 50 })]);
      const view = fakeView();
      expect(manager.checkOrder(order({ quantity: 500 }), view)?.code).toBe("MAX_ORDER_QUANTITY");
      expect(manager.checkOrder(order(), view)).toBeNull();
      expect(manager.checkOrder(order(), view)).toBeNull();
      expect(manager.checkOrder(order(), view)?.code).toBe("MAX_ORDERS_PER_DAY");
    });

    it("treats a rule that throws as a denial instead of letting the order through", () => {
      const manager = new RiskManager([
        {
          name: "buggy",
          checkOrder() {
            throw new TypeError("boom");
          },
        },
      ]);
      expect(manager.checkOrder(order(), fakeView())?.message).toBe("RULE_FAILED: rule=buggy, error=TypeError: boom");
    });

    it("forwards bars to the rules that watch bars", () => {
      const manager = new RiskManager([brokenData({ maxJump: 0.5, recoveryBars: 1 })]);
      manager.onBar("AAA", 0, 100);
      manager.onBar("AAA", 1, 500);
      expect(manager.checkOrder(order(), fakeView())?.code).toBe("BROKEN_DATA");
      manager.onBar("AAA", 2, 505);
      expect(manager.checkOrder(order(), fakeView())).toBeNull();
    });

    it("accepts bars and equity samples with no rules at all", () => {
      const manager = new RiskManager([]);
      manager.onBar("AAA", 0, 1);
      manager.onEquity(0, 1);
      expect(manager.state).toBe("ACTIVE");
      expect(manager.transitions).toEqual([]);
    });
  });

  describe("state transitions from rules", () => {
    it("halts on a daily loss and is ACTIVE again on the next UTC day", () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 })]);
      manager.onEquity(day1, 100_000);
      manager.onEquity(day1 + HOUR_MS, 96_000);
      expect(manager.state).toBe("ACTIVE");
      manager.onEquity(day1 + 2 * HOUR_MS, 94_000);
      expect(manager.state).toBe("HALTED");
      manager.onEquity(day1 + 3 * HOUR_MS, 99_000);
      expect(manager.state).toBe("HALTED");
      manager.onEquity(day2, 99_000);
      expect(manager.state).toBe("ACTIVE");
      expect(manager.transitions).toEqual([
        { timeMs: day1 + 2 * HOUR_MS, from: "ACTIVE", to: "HALTED", code: "DAILY_LOSS_STOP", reason: "dailyLossStop" },
        { timeMs: day2, from: "HALTED", to: "ACTIVE", code: "DAILY_LOSS_RESET", reason: "dailyLossStop" },
      ]);
    });

    it("goes REDUCING then HALTED as drawdown deepens", () => {
      const manager = new RiskManager([drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2 })]);
      manager.onEquity(1, 100);
      manager.onEquity(2, 89);
      expect(manager.state).toBe("REDUCING");
      manager.onEquity(3, 79);
      expect(manager.state).toBe("HALTED");
      expect(manager.transitions.map((t) => [t.from, t.to, t.code])).toEqual([
        ["ACTIVE", "REDUCING", "DRAWDOWN_REDUCE"],
        ["REDUCING", "HALTED", "DRAWDOWN_HALT"],
      ]);
    });

    it("lets the most severe rule win", () => {
      const manager = new RiskManager([
        drawdownCircuitBreaker({ reduceAt: 0.05, resumeBelow: 0.01 }),
        dailyLossStop({ maxLoss: 0.1 }),
      ]);
      manager.onEquity(day1, 100);
      manager.onEquity(day1 + 1, 94);
      expect(manager.state).toBe("REDUCING");
      manager.onEquity(day1 + 2, 89);
      expect(manager.state).toBe("HALTED");
      // next day: the loss stop lifts, the drawdown breaker (still 11 % down) holds REDUCING
      manager.onEquity(day2, 89);
      expect(manager.state).toBe("REDUCING");
      expect(manager.transitions.at(-1)).toMatchObject({ from: "HALTED", to: "REDUCING", code: "DAILY_LOSS_RESET" });
    });

    it("keeps a rule's last request when it returns null", () => {
      let answer: TradingState | null = "HALTED";
      const manager = new RiskManager([{ name: "custom", onEquity: () => answer }]);
      manager.onEquity(1, 1);
      answer = null;
      manager.onEquity(2, 1);
      expect(manager.state).toBe("HALTED");
      answer = "ACTIVE";
      manager.onEquity(3, 1);
      expect(manager.state).toBe("ACTIVE");
      expect(manager.transitions.map((t) => t.code)).toEqual(["custom", "custom"]);
    });
  });

  describe("REDUCING", () => {
    it("accepts an order that closes a long", () => {
      expect(reducing().checkOrder(order({ side: "sell", quantity: 100 }), long100)).toBeNull();
    });

    it("accepts an order that partly covers a short", () => {
      expect(reducing().checkOrder(order({ side: "buy", quantity: 40 }), short100)).toBeNull();
    });

    it("refuses an order that opens a position", () => {
      const denial = reducing().checkOrder(order({ side: "buy", quantity: 10 }), fakeView());
      expect(denial?.message).toBe(
        "TRADING_REDUCING: cause=INITIAL_STATE, reason=initial state, symbol=AAA, side=buy, quantity=10, position=0",
      );
    });

    it("refuses an order that grows a position", () => {
      expect(reducing().checkOrder(order({ side: "buy", quantity: 1 }), long100)?.code).toBe("TRADING_REDUCING");
      expect(reducing().checkOrder(order({ side: "sell", quantity: 1 }), short100)?.code).toBe("TRADING_REDUCING");
    });

    it("refuses an order that would flip the position past zero", () => {
      expect(reducing().checkOrder(order({ side: "sell", quantity: 101 }), long100)?.code).toBe("TRADING_REDUCING");
      expect(reducing().checkOrder(order({ side: "buy", quantity: 150 }), short100)?.code).toBe("TRADING_REDUCING");
    });

    it("still runs the rules on a reducing order", () => {
      const manager = new RiskManager([maxOrderQuantity({ max: 50 })], { initialState: "REDUCING" });
      expect(manager.checkOrder(order({ side: "sell", quantity: 100 }), long100)?.code).toBe("MAX_ORDER_QUANTITY");
    });
  });

  describe("HALTED", () => {
    it("refuses every order but accepts cancels", () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 })]);
      manager.onEquity(day1, 100);
      manager.onEquity(day1 + 1, 90);
      expect(manager.checkOrder(order(), fakeView())?.message).toBe("TRADING_HALTED: cause=DAILY_LOSS_STOP, reason=dailyLossStop");
      expect(manager.checkOrder(order({ side: "sell", quantity: 100 }), long100)?.code).toBe("TRADING_HALTED");
      expect(manager.checkCancel(fakeView())).toBeNull();
    });

    it("still limits cancels per day", () => {
      const manager = new RiskManager([maxCancelsPerDay({ max: 1 })], { initialState: "HALTED" });
      expect(manager.checkCancel(fakeView())).toBeNull();
      expect(manager.checkCancel(fakeView())?.code).toBe("MAX_CANCELS_PER_DAY");
    });

    it("does not count a refused order against the daily order limit", () => {
      const manager = new RiskManager([maxOrdersPerDay({ max: 1 })], { initialState: "HALTED" });
      manager.checkOrder(order(), fakeView());
      manager.setState("ACTIVE", "resume", 5);
      expect(manager.checkOrder(order(), fakeView())).toBeNull();
    });
  });

  describe("manual state and the kill switch", () => {
    it("starts in the given initial state", () => {
      expect(new RiskManager([], { initialState: "HALTED" }).state).toBe("HALTED");
    });

    it("sets the state by hand and records it", () => {
      const manager = new RiskManager([]);
      manager.setState("REDUCING", "risk desk: end of quarter", 10);
      expect(manager.state).toBe("REDUCING");
      expect(manager.transitions).toEqual([
        { timeMs: 10, from: "ACTIVE", to: "REDUCING", code: "MANUAL", reason: "risk desk: end of quarter" },
      ]);
    });

    it("cannot lift a rule's halt by setting ACTIVE", () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 })]);
      manager.onEquity(day1, 100);
      manager.onEquity(day1 + 1, 90);
      manager.setState("ACTIVE", "please", day1 + 2);
      expect(manager.state).toBe("HALTED");
    });

    it("holds a manual halt when the rules recover", () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 })]);
      manager.onEquity(day1, 100);
      manager.onEquity(day1 + 1, 90);
      manager.setState("HALTED", "investigating", day1 + 2);
      manager.onEquity(day2, 90);
      expect(manager.state).toBe("HALTED");
      manager.setState("ACTIVE", "done", day2 + 1);
      expect(manager.state).toBe("ACTIVE");
    });

    it("stays killed through equity recovery until release", () => {
      const manager = new RiskManager([drawdownCircuitBreaker({ reduceAt: 0.1, resumeBelow: 0.05 })]);
      manager.onEquity(1, 100);
      manager.kill("operator pressed the button", 2);
      expect(manager.state).toBe("HALTED");
      expect(manager.killed).toBe(true);
      manager.onEquity(3, 85);
      manager.onEquity(4, 120);
      manager.setState("ACTIVE", "trying to undo the kill", 5);
      expect(manager.state).toBe("HALTED");
      expect(manager.checkOrder(order(), fakeView())?.message).toBe(
        "TRADING_HALTED: cause=KILL_SWITCH, reason=operator pressed the button",
      );
      expect(manager.checkCancel(fakeView())).toBeNull();
      manager.release(6);
      expect(manager.state).toBe("ACTIVE");
      expect(manager.transitions.map((t) => [t.timeMs, t.from, t.to, t.code])).toEqual([
        [2, "ACTIVE", "HALTED", "KILL_SWITCH"],
        [6, "HALTED", "ACTIVE", "KILL_RELEASED"],
      ]);
    });

    it("falls back to the rules' state on release", () => {
      const manager = new RiskManager([drawdownCircuitBreaker({ reduceAt: 0.1 })]);
      manager.onEquity(1, 100);
      manager.kill("x", 2);
      manager.onEquity(3, 85);
      manager.release(4);
      expect(manager.state).toBe("REDUCING");
      expect(manager.ruleState).toBe("REDUCING");
    });

    it("records every transition in order, each starting where the last one ended", () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 }), drawdownCircuitBreaker({ reduceAt: 0.03 })]);
      manager.onEquity(day1, 100);
      manager.onEquity(day1 + 1, 96);
      manager.onEquity(day1 + 2, 94);
      manager.kill("k", day1 + 3);
      manager.onEquity(day2, 94);
      manager.release(day2 + 1);
      manager.setState("HALTED", "h", day2 + 2);
      manager.setState("ACTIVE", "a", day2 + 3);
      expect(manager.transitions.map((t) => `${t.from}>${t.to}:${t.code}`)).toEqual([
        "ACTIVE>REDUCING:DRAWDOWN_REDUCE",
        "REDUCING>HALTED:DAILY_LOSS_STOP",
        "HALTED>REDUCING:KILL_RELEASED",
        "REDUCING>HALTED:MANUAL",
        "HALTED>REDUCING:MANUAL",
      ]);
    });

    it("rejects an unknown state with an InputError", () => {
      expect(() => new RiskManager([], { initialState: "PAUSED" as TradingState })).toThrow(InputError);
      expect(() => new RiskManager([]).setState("paused" as TradingState, "x", 0)).toThrow(InputError);
    });

    it("rejects something that is not a rule", () => {
      expect(() => new RiskManager([{} as RiskRule])).toThrow("rules[0] is not a RiskRule");
    });
  });

  it("holds named conditions as a layer of their own, named in denials", () => {
    const manager = new RiskManager([]);
    manager.setState("HALTED", "paused by ops", day1);
    manager.setCondition("STALE_FEED", "REDUCING", "no kline for 90 s", day1 + 1);
    expect(manager.state).toBe("HALTED");
    manager.setState("ACTIVE", "resumed", day1 + 2);
    expect(manager.state).toBe("REDUCING");
    expect(manager.checkOrder(order({ side: "buy", quantity: 1 }), long100)?.context).toMatchObject({ cause: "STALE_FEED", reason: "no kline for 90 s" });
    expect(manager.checkOrder(order({ side: "sell", quantity: 10 }), long100)).toBeNull();
    manager.setCondition("STALE_FEED", null, "feed back", day1 + 3);
    expect(manager.state).toBe("ACTIVE");
    expect(manager.transitions.map((t) => [t.to, t.code])).toEqual([["HALTED", "MANUAL"], ["REDUCING", "MANUAL"], ["ACTIVE", "STALE_FEED"]]);
    expect(() => manager.setCondition("X", "PAUSED" as TradingState, "", day1)).toThrow(InputError);
  });

  it("keeps the effective state the most severe of the four layers under any sequence of events", () => {
    const severity = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;
    const event = fc.oneof(
      fc.record({ kind: fc.constant("equity" as const), value: fc.double({ min: 1, max: 200, noNaN: true }), dayStep: fc.boolean() }),
      fc.record({ kind: fc.constant("set" as const), state: fc.constantFrom<TradingState>("ACTIVE", "REDUCING", "HALTED") }),
      fc.record({ kind: fc.constant("kill" as const) }),
      fc.record({ kind: fc.constant("release" as const) }),
      fc.record({ kind: fc.constant("condition" as const), code: fc.constantFrom("STALE_FEED", "RECONCILING"), state: fc.constantFrom<TradingState | null>(null, "ACTIVE", "REDUCING", "HALTED") }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const manager = new RiskManager([
          dailyLossStop({ maxLoss: 0.1 }),
          drawdownCircuitBreaker({ reduceAt: 0.2, haltAt: 0.4, resumeBelow: 0.1 }),
        ]);
        let t = day1;
        for (const e of events) {
          t += e.kind === "equity" && e.dayStep ? 86_400_000 : 1;
          if (e.kind === "equity") manager.onEquity(t, e.value);
          else if (e.kind === "set") manager.setState(e.state, "prop", t);
          else if (e.kind === "kill") manager.kill("prop", t);
          else if (e.kind === "condition") manager.setCondition(e.code, e.state, "prop", t);
          else manager.release(t);
          const held = Math.max(0, ...[...manager.conditions.values()].map((c) => c.level));
          const expected = Math.max(severity[manager.ruleState], severity[manager.manualState], manager.killed ? 2 : 0, held);
          expect(severity[manager.state]).toBe(expected);
        }
        let state: TradingState = "ACTIVE";
        for (const transition of manager.transitions) {
          expect(transition.from).toBe(state);
          expect(transition.to).not.toBe(transition.from);
          state = transition.to;
        }
        expect(state).toBe(manager.state);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("gives identical decisions and transitions when rerun with the same inputs", () => {
    const run = () => {
      const manager = new RiskManager([dailyLossStop({ maxLoss: 0.05 }), maxOrdersPerDay({ max: 3 })]);
      const decisions: (string | null)[] = [];
      for (let i = 0; i < 50; i++) {
        const t = day1 + i * 3 * HOUR_MS;
        manager.onEquity(t, 100 - (i % 7) * 1.5);
        decisions.push(manager.checkOrder(order(), fakeView({ timeMs: t }))?.message ?? null);
      }
      return { decisions, transitions: manager.transitions };
    };
    expect(run()).toEqual(run());
  });
});
