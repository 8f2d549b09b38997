/**
 * New strategy documents: every template transpiles and runs, and two people seeding the same new
 * document apart (each offline) end up with one copy of the template, not two.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { runBacktest } from "../../engine/backtest.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { seedStrategy, STRATEGY_ID, TEMPLATES } from "../../src/components/strategyTemplates.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";

describe("strategy templates", () => {
  it("each transpiles and runs as a strategy named after its document", async () => {
    const bars = syntheticMarket({ seed: 5, symbols: ["A"], timeframe: "1h", bars: 800 })[0]!;
    for (const t of TEMPLATES) {
      const out = transpileStrategy(t.source("doc-1"));
      expect([t.id, out.ok]).toEqual([t.id, true]);
      if (!out.ok) continue;
      const module = (await import(`data:text/javascript,${encodeURIComponent(out.code)}`)) as { default: Parameters<typeof defineStrategy>[0] };
      const result = runBacktest({ bars, strategy: defineStrategy(module.default), cash: 100_000 });
      expect(result.strategy).toBe("doc-1");
      expect(result.error).toBeUndefined();
    }
  });

  it("seeds an empty document once, and two seeds made apart merge into one copy", () => {
    const a = new Y.Doc(), b = new Y.Doc();
    expect(seedStrategy(a, "s1", "above-sma")).toBe(true);
    expect(seedStrategy(a, "s1", "above-sma")).toBe(false);
    expect(seedStrategy(b, "s1", "above-sma")).toBe(true);
    b.getText("source").insert(0, "// b was here\n");
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const expected = `// b was here\n${TEMPLATES[0]!.source("s1")}`;
    expect(a.getText("source").toString()).toBe(expected);
    expect(b.getText("source").toString()).toBe(expected);
  });

  it("takes ids that are valid strategy names only", () => {
    expect(["trend-1", "a_b-c", "x", "9"].every((s) => STRATEGY_ID.test(s))).toBe(true);
    expect(["", "-x", "a b", "a/b", "A", "a.b", "x".repeat(65)].some((s) => STRATEGY_ID.test(s))).toBe(false);
  });
});
