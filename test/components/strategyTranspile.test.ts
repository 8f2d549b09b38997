/**
 * The editor's TypeScript → worker module step: a TypeScript strategy becomes a module whose
 * default export is the definition, runs like the same strategy written in JavaScript, keeps its
 * line numbers, maps `import { defineStrategy } from "qw"` and refuses other imports at their line.
 */
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../engine/backtest.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { defineStrategy } from "../../engine/strategy/defineStrategy.ts";
import { problemAt, problemOf } from "../../src/components/strategyProblems.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";

const TS = `import { defineStrategy } from "qw";
import type { StrategyContext } from "qw";

interface State { n: number; sma: { value: number; ready: boolean } }

export default defineStrategy({
  name: "ts-above-sma",
  params: { period: { default: 20, min: 2, integer: true } },
  init(ctx: StrategyContext, p: { period: number }): State {
    return { n: 0, sma: ctx.sma(p.period) };
  },
  onBar(ctx: StrategyContext, s: State) {
    s.n++;
    if (!s.sma.ready) return;
    ctx.orderTargetPercent(ctx.close > s.sma.value ? 0.5 : 0);
    if (s.n === 300) throw new Error("stop here");
  },
});
`;
const JS = `export default {
  name: "ts-above-sma",
  params: { period: { default: 20, min: 2, integer: true } },
  init(ctx, p) {
    return { n: 0, sma: ctx.sma(p.period) };
  },
  onBar(ctx, s) {
    s.n++;
    if (!s.sma.ready) return;
    ctx.orderTargetPercent(ctx.close > s.sma.value ? 0.5 : 0);
    if (s.n === 300) throw new Error("stop here");
  },
};
`;

/** The module text imported as Node would import it, and its default export as a strategy. */
async function load(code: string) {
  const module = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { default: Parameters<typeof defineStrategy>[0] };
  return defineStrategy(module.default);
}

describe("transpileStrategy", () => {
  it("turns a TypeScript strategy into a module that runs as the same strategy in JavaScript", async () => {
    const t = transpileStrategy(TS);
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    const bars = syntheticMarket({ seed: 3, symbols: ["A"], timeframe: "1h", bars: 600 })[0]!;
    const fromTs = runBacktest({ bars, strategy: await load(t.code), cash: 100_000 });
    const js = transpileStrategy(JS);
    expect(js.ok).toBe(true);
    const fromJs = runBacktest({ bars, strategy: await load((js as { code: string }).code), cash: 100_000 });
    expect(fromTs.metrics).toEqual(fromJs.metrics);
    expect(fromTs.trades.length).toBeGreaterThan(0);
    // the throw on bar 300 names its line (16) in the source
    expect(fromTs.error?.message).toMatch(/stop here/);
    expect(fromTs.barsProcessed).toBe(300);
  });

  it("keeps every line where it was", () => {
    const t = transpileStrategy(TS);
    if (!t.ok) throw new Error("did not transpile");
    const lines = t.code.split("\n");
    expect(lines[15]).toContain('throw new Error("stop here")');
    expect(lines[9]).toContain("return { n: 0, sma: ctx.sma(p.period) };");
  });

  it("reports a syntax error at its line and column", () => {
    const bad = TS.replace("s.n++;", "s.n++ +;");
    const t = transpileStrategy(bad);
    expect(t.ok).toBe(false);
    expect(t.problems).toEqual([{ line: 13, column: 12, message: expect.stringMatching(/^syntax: Unexpected token/), severity: "error" }]);
  });

  it("refuses other modules and names \"qw\" does not give, at their lines", () => {
    const t = transpileStrategy(`import { defineStrategy } from "qw";\nimport _ from "lodash";\nimport { crossover } from "qw";\nexport default defineStrategy({ name: "x", params: {}, init: () => crossover(_), onBar() {} });\n`);
    expect(t.ok).toBe(false);
    expect(t.problems.map((p) => p.line)).toEqual([2, 4]);
    expect(t.problems[0]?.message).toMatch(/^cannot import "lodash": strategy code runs on its own in the backtest worker; import only \{ defineStrategy \} from "qw"/);
    expect(t.problems[1]?.message).toMatch(/^"crossover" is not in "qw": it gives only defineStrategy/);
  });

  it("says when there is no default export", () => {
    const t = transpileStrategy("const x = { name: \"x\" };\n");
    expect(t.ok).toBe(false);
    expect(t.problems[0]?.message).toMatch(/^no default export/);
    expect(t.problems[0]?.line).toBe(1);
  });
});

describe("problemAt and problemOf", () => {
  it("reads the line the worker's messages name", () => {
    expect(problemAt("onBar threw at bar 12: boom (line 14, column 11 of the strategy code)")).toEqual({ line: 14, column: 11 });
    expect(problemAt("the strategy code does not load: SyntaxError: x (line 3, column 5)")).toEqual({ line: 3, column: 5 });
    expect(problemAt("x (line 1, column 250)")).toEqual({ line: 1, column: 1 });
    expect(problemAt("no position here")).toBeUndefined();
  });

  it("places a message without a line where a person would look", () => {
    expect(problemOf(TS, "onBar threw at bar 300: stop here (line 16, column 28 of the strategy code)")).toEqual(
      { line: 16, column: 28, message: "onBar threw at bar 300: stop here", severity: "error" });
    expect(problemOf(TS, 'default 1 of parameter "period" of "x" is outside its range [2, ∞]')).toMatchObject({ line: 8, column: 3 });
    expect(problemOf(TS, 'strategy "x" needs an onBar(ctx, …) function')).toMatchObject({ line: 6, column: 1 });
  });
});
