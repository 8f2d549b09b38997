import { z } from "zod";
import { InputError } from "../errors.js";
import { buyingPower } from "./buyingPower.js";
import { brokenData } from "./brokenData.js";
import { dailyLossStop } from "./dailyLossStop.js";
import { drawdownCircuitBreaker } from "./drawdownCircuitBreaker.js";
import { maxCancelsPerDay } from "./maxCancelsPerDay.js";
import { maxGrossExposure } from "./maxGrossExposure.js";
import { maxOrderNotional } from "./maxOrderNotional.js";
import { maxOrderQuantity } from "./maxOrderQuantity.js";
import { maxOrdersPerDay } from "./maxOrdersPerDay.js";
import { maxPositionPerSymbol } from "./maxPositionPerSymbol.js";
import { priceBand } from "./priceBand.js";
import { staleData } from "./staleData.js";
import { t1Sellable } from "./t1Sellable.js";
import type { RiskRule } from "./types.js";

const amount = z.number().min(0);
const count = z.number().int().min(0);
const fraction = z.number().min(0).max(1);

const positionSchema = z.strictObject({ maxQuantity: amount.optional(), maxNotional: amount.optional() });
const grossSchema = z.strictObject({ maxMultiple: amount.optional(), maxAmount: amount.optional() });
const drawdownSchema = z.strictObject({
  reduceAt: fraction.optional(),
  haltAt: fraction.optional(),
  resumeBelow: fraction.optional(),
});

/**
 * The JSON form of a risk setup, as a CLI flag file or a web form sends it. Every key is optional;
 * a key that is absent adds no rule. (Also usable for `z.toJSONSchema` to generate a form.)
 */
export const riskConfigSchema = z.strictObject({
  /** Largest units per order. */
  maxOrderQuantity: amount.optional(),
  /** Largest quantity × price per order. */
  maxOrderNotional: amount.optional(),
  /** Largest |position| per symbol, in units and/or notional. */
  maxPositionPerSymbol: positionSchema.optional(),
  /** Largest gross exposure, as a multiple of equity and/or an absolute amount. */
  maxGrossExposure: grossSchema.optional(),
  /** true: gross exposure ≤ view.leverage × equity. */
  buyingPower: z.boolean().optional(),
  /** Most orders accepted per UTC day. */
  maxOrdersPerDay: count.optional(),
  /** Most cancels accepted per UTC day. */
  maxCancelsPerDay: count.optional(),
  /** Largest intraday loss as a fraction of start-of-day equity (0.05 = 5 %). */
  dailyLossStop: fraction.optional(),
  /** State the daily loss stop asks for; default HALTED. Needs dailyLossStop. */
  dailyLossState: z.enum(["REDUCING", "HALTED"]).optional(),
  /** Drawdown circuit breaker levels (fractions of the equity peak). */
  drawdown: drawdownSchema.optional(),
  /** Largest limit/stop price deviation from the last price (0.1 = 10 %). */
  priceBand: amount.optional(),
  /** Longest age of a symbol's last bar at order time, in ms. */
  staleDataMs: amount.optional(),
  /** Largest plausible close-to-close jump (0.5 = 50 %); bigger jumps mark the symbol's data broken. */
  brokenDataJump: amount.optional(),
  /** Normal bars needed after a jump before trading resumes; default 3. Needs brokenDataJump. */
  brokenDataRecoveryBars: count.optional(),
  /** true: T+1 settlement, sells limited to view.sellable(symbol). */
  t1: z.boolean().optional(),
  /** With t1: whether sells may open shorts; default false. Needs t1. */
  t1AllowShort: z.boolean().optional(),
});

/** A plain risk configuration object (see `riskConfigSchema` for each key). */
export type RiskConfig = z.input<typeof riskConfigSchema>;

const nestedShapes: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  maxPositionPerSymbol: positionSchema.shape,
  maxGrossExposure: grossSchema.shape,
  drawdown: drawdownSchema.shape,
};

/**
 * Builds the rule list from a plain (JSON) config. Data-quality rules come first so a broken or
 * stale price is reported as such rather than as a limit breach computed from it.
 * Throws InputError naming the key for an unknown key, a wrong type or a bad value.
 *
 * @example
 * const manager = new RiskManager(riskRules({
 *   maxOrderQuantity: 1000, maxOrderNotional: 50_000, maxOrdersPerDay: 50, dailyLossStop: 0.05,
 *   drawdown: { reduceAt: 0.1, haltAt: 0.2 }, priceBand: 0.1, staleDataMs: 3 * DAY_MS,
 *   brokenDataJump: 0.5, t1: true,
 * }));
 */
export function riskRules(config: RiskConfig): RiskRule[] {
  const parsed = riskConfigSchema.safeParse(config);
  if (!parsed.success) throw configError(parsed.error.issues[0] as z.core.$ZodIssue, config);
  const c = parsed.data;
  requireCompanion(c.dailyLossState, "dailyLossState", c.dailyLossStop, "dailyLossStop");
  requireCompanion(c.brokenDataRecoveryBars, "brokenDataRecoveryBars", c.brokenDataJump, "brokenDataJump");
  requireCompanion(c.t1AllowShort, "t1AllowShort", c.t1, "t1");

  const rules: RiskRule[] = [];
  if (c.staleDataMs !== undefined) rules.push(staleData({ maxAgeMs: c.staleDataMs }));
  if (c.brokenDataJump !== undefined) {
    rules.push(brokenData({ maxJump: c.brokenDataJump, ...(c.brokenDataRecoveryBars === undefined ? {} : { recoveryBars: c.brokenDataRecoveryBars }) }));
  }
  if (c.priceBand !== undefined) rules.push(priceBand({ maxDeviation: c.priceBand }));
  if (c.maxOrderQuantity !== undefined) rules.push(maxOrderQuantity({ max: c.maxOrderQuantity }));
  if (c.maxOrderNotional !== undefined) rules.push(maxOrderNotional({ max: c.maxOrderNotional }));
  if (c.maxPositionPerSymbol !== undefined) rules.push(maxPositionPerSymbol(c.maxPositionPerSymbol));
  if (c.maxGrossExposure !== undefined) rules.push(maxGrossExposure(c.maxGrossExposure));
  if (c.buyingPower === true) rules.push(buyingPower());
  if (c.t1 === true) rules.push(t1Sellable({ allowShort: c.t1AllowShort ?? false }));
  if (c.maxOrdersPerDay !== undefined) rules.push(maxOrdersPerDay({ max: c.maxOrdersPerDay }));
  if (c.maxCancelsPerDay !== undefined) rules.push(maxCancelsPerDay({ max: c.maxCancelsPerDay }));
  if (c.dailyLossStop !== undefined) {
    rules.push(dailyLossStop({ maxLoss: c.dailyLossStop, state: c.dailyLossState ?? "HALTED" }));
  }
  if (c.drawdown !== undefined) rules.push(drawdownCircuitBreaker(c.drawdown));
  return rules;
}

function requireCompanion(value: unknown, key: string, main: unknown, mainKey: string): void {
  if (value !== undefined && (main === undefined || main === false)) {
    throw new InputError("INVALID_RISK_CONFIG", { key }, `risk config: ${key} only applies together with ${mainKey}; add ${mainKey} or remove ${key}`);
  }
}

function configError(issue: z.core.$ZodIssue, config: unknown): InputError {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = [...path, issue.keys[0] ?? ""].join(".");
    const shape = path.length === 0 ? riskConfigSchema.shape : nestedShapes[path[0] ?? ""] ?? {};
    return new InputError(
      "UNKNOWN_RISK_CONFIG_KEY",
      { key },
      `risk config: unknown key "${key}"; known keys${path.length ? ` of ${path.join(".")}` : ""}: ${Object.keys(shape).join(", ")}`,
    );
  }
  if (path.length === 0) {
    return new InputError("INVALID_RISK_CONFIG", { key: "" }, `risk config must be an object of limits, e.g. { "maxOrderNotional": 50000 }`);
  }
  const key = path.join(".");
  let value: unknown = config;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
  return new InputError("INVALID_RISK_CONFIG", { key, value: shown }, `risk config: ${key} is invalid (${issue.message}), got ${shown}`);
}
