import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { riskRules } from "../../../engine/risk/riskConfig.js";
import { RiskManager } from "../../../engine/risk/riskManager.js";
import type { RiskConfig } from "../../../engine/risk/riskConfig.js";
import { fakeView, order } from "./fakeView.js";

const example: RiskConfig = {
  maxOrderQuantity: 1000,
  maxOrderNotional: 50_000,
  maxOrdersPerDay: 50,
  dailyLossStop: 0.05,
  drawdown: { reduceAt: 0.1, haltAt: 0.2 },
  priceBand: 0.1,
  staleDataMs: 86_400_000 * 3,
  brokenDataJump: 0.5,
  t1: true,
};

function errorOf(config: unknown): InputError {
  try {
    riskRules(config as RiskConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected riskRules to throw");
}

describe("riskRules", () => {
  it("builds one rule per configured key, data-quality rules first", () => {
    expect(riskRules(example).map((r) => r.name)).toEqual([
      "staleData",
      "brokenData",
      "priceBand",
      "maxOrderQuantity",
      "maxOrderNotional",
      "t1Sellable",
      "maxOrdersPerDay",
      "dailyLossStop",
      "drawdownCircuitBreaker",
    ]);
  });

  it("builds every configurable rule from a JSON document (the kill switch lives on the manager)", () => {
    const json = JSON.stringify({
      ...example,
      maxPositionPerSymbol: { maxQuantity: 500 },
      maxGrossExposure: { maxMultiple: 2, maxAmount: 1e6 },
      buyingPower: true,
      maxCancelsPerDay: 100,
      dailyLossState: "REDUCING",
      brokenDataRecoveryBars: 5,
      t1AllowShort: true,
    });
    expect(riskRules(JSON.parse(json)).map((r) => r.name).sort()).toEqual([
      "brokenData", "buyingPower", "dailyLossStop", "drawdownCircuitBreaker", "maxCancelsPerDay", "maxGrossExposure",
      "maxOrderNotional", "maxOrderQuantity", "maxOrdersPerDay", "maxPositionPerSymbol", "priceBand", "staleData", "t1Sellable",
    ]);
  });

  it("builds no rules from an empty config", () => {
    expect(riskRules({})).toEqual([]);
  });

  it("builds rules that behave as configured inside a manager", () => {
    const manager = new RiskManager(riskRules(example));
    expect(manager.checkOrder(order(), fakeView())).toBeNull();
    expect(manager.checkOrder(order({ quantity: 600 }), fakeView())?.message).toBe("MAX_ORDER_NOTIONAL: max=50000, notional=60000");
  });

  it("leaves out a rule switched off with false", () => {
    expect(riskRules({ t1: false, buyingPower: false })).toEqual([]);
  });

  it("rejects an unknown key, naming it and the known keys", () => {
    const error = errorOf({ maxOrderNotionl: 50_000 });
    expect(error.code).toBe("UNKNOWN_RISK_CONFIG_KEY");
    expect(error.context["key"]).toBe("maxOrderNotionl");
    expect(error.message).toMatch(/^risk config: unknown key "maxOrderNotionl"; known keys: maxOrderQuantity, maxOrderNotional/);
  });

  it("rejects an unknown nested key with its full path", () => {
    const error = errorOf({ drawdown: { reduceAt: 0.1, haltat: 0.2 } });
    expect(error.context["key"]).toBe("drawdown.haltat");
    expect(error.message).toBe('risk config: unknown key "drawdown.haltat"; known keys of drawdown: reduceAt, haltAt, resumeBelow');
  });

  it("rejects a negative limit, naming the key and the value", () => {
    const error = errorOf({ maxOrderNotional: -5 });
    expect(error.code).toBe("INVALID_RISK_CONFIG");
    expect(error.context).toEqual({ key: "maxOrderNotional", value: "-5" });
    expect(error.message).toMatch(/^risk config: maxOrderNotional is invalid \(.*\), got -5$/);
  });

  it("rejects NaN and a value of the wrong type", () => {
    expect(errorOf({ maxOrderQuantity: NaN }).context["key"]).toBe("maxOrderQuantity");
    expect(errorOf({ priceBand: "10%" }).message).toContain('got "10%"');
    expect(errorOf({ maxOrdersPerDay: 2.5 }).context["key"]).toBe("maxOrdersPerDay");
  });

  it("rejects something that is not an object", () => {
    expect(errorOf(null).message).toMatch(/^risk config must be an object/);
    expect(errorOf([1]).code).toBe("INVALID_RISK_CONFIG");
  });

  it("rejects a companion key without its main key", () => {
    expect(errorOf({ dailyLossState: "REDUCING" }).message).toBe(
      "risk config: dailyLossState only applies together with dailyLossStop; add dailyLossStop or remove dailyLossState",
    );
    expect(errorOf({ t1: false, t1AllowShort: true }).context["key"]).toBe("t1AllowShort");
  });

  it("passes on the rule's own check of combined values", () => {
    expect(errorOf({ drawdown: { reduceAt: 0.3, haltAt: 0.2 } }).message).toMatch(/^drawdownCircuitBreaker: reduceAt/);
  });
});
