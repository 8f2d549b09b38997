/** The contract every risk rule passes, whatever it checks. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../engine/errors.js";
import { brokenData } from "../../../engine/risk/brokenData.js";
import { buyingPower } from "../../../engine/risk/buyingPower.js";
import { dailyLossStop } from "../../../engine/risk/dailyLossStop.js";
import { formatContextValue } from "../../../engine/risk/deny.js";
import { drawdownCircuitBreaker } from "../../../engine/risk/drawdownCircuitBreaker.js";
import { killSwitch } from "../../../engine/risk/killSwitch.js";
import { maxCancelsPerDay } from "../../../engine/risk/maxCancelsPerDay.js";
import { maxGrossExposure } from "../../../engine/risk/maxGrossExposure.js";
import { maxOrderNotional } from "../../../engine/risk/maxOrderNotional.js";
import { maxOrderQuantity } from "../../../engine/risk/maxOrderQuantity.js";
import { maxOrdersPerDay } from "../../../engine/risk/maxOrdersPerDay.js";
import { maxPositionPerSymbol } from "../../../engine/risk/maxPositionPerSymbol.js";
import { priceBand } from "../../../engine/risk/priceBand.js";
import { RISK_REASONS } from "../../../engine/risk/reasons.js";
import { staleData } from "../../../engine/risk/staleData.js";
import { t1Sellable } from "../../../engine/risk/t1Sellable.js";
import type { RiskDenial, RiskOrder, RiskRule, RiskView } from "../../../engine/risk/types.js";
import { fakeView, order, T0 } from "./fakeView.js";

const SEED = 20240102;

/** An account where small orders near the last price are harmless for every rule's config below. */
const harmlessView = (): RiskView =>
  fakeView({ equity: 1_000_000, positions: { AAA: 100 }, prices: { AAA: 100 }, sellable: { AAA: 100 } });

interface ContractCase {
  readonly name: string;
  readonly make: () => RiskRule;
  /** Drives a fresh rule into refusing something; returns that denial. Absent for rules that only ask for states. */
  readonly denial?: (rule: RiskRule) => RiskDenial | null;
  /** Constructions that must throw InputError (NaN, negative, missing …). */
  readonly badConfigs: readonly (() => unknown)[];
}

const bad = (factory: (options: never) => unknown, options: unknown) => () => factory(options as never);

const cases: readonly ContractCase[] = [
  {
    name: "maxOrderQuantity",
    make: () => maxOrderQuantity({ max: 1000 }),
    denial: (r) => r.checkOrder!(order({ quantity: 5000 }), harmlessView()),
    badConfigs: [bad(maxOrderQuantity, { max: NaN }), bad(maxOrderQuantity, { max: -1 }), bad(maxOrderQuantity, undefined)],
  },
  {
    name: "maxOrderNotional",
    make: () => maxOrderNotional({ max: 50_000 }),
    denial: (r) => r.checkOrder!(order({ quantity: 1000 }), harmlessView()),
    badConfigs: [bad(maxOrderNotional, { max: NaN }), bad(maxOrderNotional, { max: -5 }), bad(maxOrderNotional, { max: Infinity })],
  },
  {
    name: "maxPositionPerSymbol",
    make: () => maxPositionPerSymbol({ maxQuantity: 1000, maxNotional: 200_000 }),
    denial: (r) => r.checkOrder!(order({ quantity: 5000 }), harmlessView()),
    badConfigs: [
      bad(maxPositionPerSymbol, { maxQuantity: NaN }),
      bad(maxPositionPerSymbol, { maxNotional: -1 }),
      bad(maxPositionPerSymbol, {}),
    ],
  },
  {
    name: "maxGrossExposure",
    make: () => maxGrossExposure({ maxMultiple: 2 }),
    denial: (r) => r.checkOrder!(order({ quantity: 100_000 }), harmlessView()),
    badConfigs: [bad(maxGrossExposure, { maxMultiple: NaN }), bad(maxGrossExposure, { maxAmount: -1 }), bad(maxGrossExposure, {})],
  },
  {
    name: "buyingPower",
    make: () => buyingPower(),
    denial: (r) => r.checkOrder!(order({ quantity: 100_000 }), harmlessView()),
    badConfigs: [],
  },
  {
    name: "maxOrdersPerDay",
    make: () => maxOrdersPerDay({ max: 50 }),
    denial: (r) => {
      const view = harmlessView();
      for (let i = 0; i < 50; i++) r.onAccepted!(order(), view);
      return r.checkOrder!(order(), view);
    },
    badConfigs: [bad(maxOrdersPerDay, { max: NaN }), bad(maxOrdersPerDay, { max: -1 }), bad(maxOrdersPerDay, { max: 2.5 })],
  },
  {
    name: "maxCancelsPerDay",
    make: () => maxCancelsPerDay({ max: 5 }),
    denial: (r) => {
      const view = harmlessView();
      for (let i = 0; i < 5; i++) r.onCancelAccepted!(view);
      return r.checkCancel!(view);
    },
    badConfigs: [bad(maxCancelsPerDay, { max: NaN }), bad(maxCancelsPerDay, { max: -3 })],
  },
  {
    name: "dailyLossStop",
    make: () => dailyLossStop({ maxLoss: 0.05 }),
    badConfigs: [
      bad(dailyLossStop, { maxLoss: NaN }),
      bad(dailyLossStop, { maxLoss: -0.05 }),
      bad(dailyLossStop, { maxLoss: 5 }),
      bad(dailyLossStop, { maxLoss: 0.05, state: "ACTIVE" }),
    ],
  },
  {
    name: "drawdownCircuitBreaker",
    make: () => drawdownCircuitBreaker({ reduceAt: 0.1, haltAt: 0.2 }),
    badConfigs: [
      bad(drawdownCircuitBreaker, { reduceAt: NaN }),
      bad(drawdownCircuitBreaker, { haltAt: -0.2 }),
      bad(drawdownCircuitBreaker, { reduceAt: 0.3, haltAt: 0.2 }),
      bad(drawdownCircuitBreaker, { reduceAt: 0.1, resumeBelow: 0.2 }),
      bad(drawdownCircuitBreaker, {}),
    ],
  },
  {
    name: "priceBand",
    make: () => priceBand({ maxDeviation: 0.1 }),
    denial: (r) => r.checkOrder!(order({ price: 1000 }), harmlessView()),
    badConfigs: [bad(priceBand, { maxDeviation: NaN }), bad(priceBand, { maxDeviation: -0.1 })],
  },
  {
    name: "staleData",
    make: () => staleData({ maxAgeMs: 3_600_000 }),
    denial: (r) => r.checkOrder!(order(), fakeView({ barTimes: { AAA: T0 - 7_200_000 } })),
    badConfigs: [bad(staleData, { maxAgeMs: NaN }), bad(staleData, { maxAgeMs: -1 })],
  },
  {
    name: "brokenData",
    make: () => brokenData({ maxJump: 0.5, recoveryBars: 2 }),
    denial: (r) => {
      r.onBar!("AAA", T0 - 120_000, 100);
      r.onBar!("AAA", T0 - 60_000, 1);
      return r.checkOrder!(order(), harmlessView());
    },
    badConfigs: [
      bad(brokenData, { maxJump: NaN }),
      bad(brokenData, { maxJump: -0.5 }),
      bad(brokenData, { maxJump: 0.5, recoveryBars: 0 }),
      bad(brokenData, { maxJump: 0.5, recoveryBars: NaN }),
    ],
  },
  {
    name: "t1Sellable",
    make: () => t1Sellable(),
    denial: (r) => r.checkOrder!(order({ side: "sell", quantity: 100 }), fakeView({ positions: { AAA: 100 }, sellable: { AAA: 40 } })),
    badConfigs: [bad(t1Sellable, { allowShort: "yes" })],
  },
  {
    name: "killSwitch",
    make: () => killSwitch(),
    denial: (r) => {
      (r as ReturnType<typeof killSwitch>).engage("test");
      return r.checkOrder!(order(), harmlessView());
    },
    badConfigs: [],
  },
];

function expectWellFormed(decision: RiskDenial | null | undefined): void {
  if (decision === null || decision === undefined) return;
  expect(RISK_REASONS).toContain(decision.code);
  expect(decision.message.startsWith(decision.code)).toBe(true);
  for (const [key, value] of Object.entries(decision.context)) {
    expect(decision.message).toContain(`${key}=${formatContextValue(value)}`);
  }
}

const harmlessOrder: fc.Arbitrary<RiskOrder> = fc.record({
  symbol: fc.constant("AAA"),
  side: fc.constantFrom("buy" as const, "sell" as const),
  type: fc.constantFrom("market" as const, "limit" as const, "stop" as const, "stop_limit" as const),
  quantity: fc.integer({ min: 1, max: 10 }),
  price: fc.double({ min: 99, max: 101, noNaN: true }),
  reduceOnly: fc.boolean(),
});

const anyNumber = fc.oneof(fc.double(), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.constantFrom(0, NaN, Infinity, -Infinity));
const symbol = fc.constantFrom("AAA", "BBB", "");

const anyOrder: fc.Arbitrary<RiskOrder> = fc.record({
  symbol,
  side: fc.constantFrom("buy" as const, "sell" as const),
  type: fc.constantFrom("market" as const, "limit" as const, "stop" as const, "stop_limit" as const, "trailing_stop" as const),
  quantity: anyNumber,
  price: anyNumber,
  reduceOnly: fc.boolean(),
});

const anyView: fc.Arbitrary<RiskView> = fc
  .record({
    timeMs: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constant(NaN)),
    equity: anyNumber,
    leverage: anyNumber,
    position: anyNumber,
    price: anyNumber,
    barTime: anyNumber,
    sellable: anyNumber,
    gross: anyNumber,
  })
  .map((v) =>
    fakeView({
      timeMs: v.timeMs,
      equity: v.equity,
      leverage: v.leverage,
      positions: { AAA: v.position },
      prices: { AAA: v.price },
      barTimes: { AAA: v.barTime },
      sellable: { AAA: v.sellable },
      gross: v.gross,
    }),
  );

describe.each(cases)("risk rule contract: $name", (c) => {
  it("has a name", () => {
    expect(c.make().name).toBe(c.name);
  });

  it("allows a harmless order", () => {
    const rule = c.make();
    expect(rule.checkOrder?.(order(), harmlessView()) ?? null).toBeNull();
  });

  it("allows every order in a seeded sample of harmless orders", () => {
    const rule = c.make();
    const view = harmlessView();
    fc.assert(
      fc.property(harmlessOrder, (o) => (rule.checkOrder?.(o, view) ?? null) === null),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("returns a decision without throwing for every order, view and hook input in a seeded sample", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyOrder, anyView, symbol, anyNumber, anyNumber, fc.boolean()), { minLength: 1, maxLength: 20 }),
        (steps) => {
          const rule = c.make();
          for (const [o, view, barSymbol, x, y, accept] of steps) {
            rule.onBar?.(barSymbol, view.timeMs, x);
            const state = rule.onEquity?.(view.timeMs, y);
            if (state !== undefined && state !== null) expect(["ACTIVE", "REDUCING", "HALTED"]).toContain(state);
            const decision = rule.checkOrder?.(o, view);
            expect(decision === undefined || decision === null || typeof decision === "object").toBe(true);
            expectWellFormed(decision);
            if (accept && !decision) rule.onAccepted?.(o, view);
            const cancel = rule.checkCancel?.(view);
            expectWellFormed(cancel);
            if (accept && !cancel) rule.onCancelAccepted?.(view);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  const makeDenial = c.denial;
  // rules that only ask for trading states refuse nothing themselves
  if (makeDenial) it("renders a denial as `CODE: key=value, …` with every context entry", () => {
    const denial = makeDenial(c.make());
    expect(denial).not.toBeNull();
    const d = denial as RiskDenial;
    const rendered = Object.entries(d.context).map(([k, v]) => `${k}=${formatContextValue(v)}`).join(", ");
    expect(d.message).toBe(rendered === "" ? d.code : `${d.code}: ${rendered}`);
    expectWellFormed(d);
  });

  it("rejects NaN, negative and missing limits with an InputError at construction", () => {
    for (const make of c.badConfigs) {
      expect(make).toThrow(InputError);
      try {
        make();
      } catch (error) {
        expect((error as InputError).message).toMatch(new RegExp(`^${c.name}: `));
      }
    }
  });
});
