/**
 * Bundles (engine/bundle.ts): the id is the SHA-256 of the content's canonical JSON, the same
 * whatever order the keys were written in and the same as Node's own hash; every field is covered,
 * so changing any one of them after the bundle was made gets it refused, with the field named
 * when the original is at hand; a malformed content is refused with the path of each problem.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundleId, canonicalJson, checkBundle, contentDifferences, makeBundle, type Bundle, type BundleInput } from "../../engine/bundle.ts";
import { InputError } from "../../engine/errors.ts";
import { ENGINE_VERSION } from "../../engine/version.ts";

const INPUT: BundleInput = {
  strategy: { name: "above-sma", code: "export default { name: \"above-sma\" };\n", source: "export default defineStrategy({ name: \"above-sma\" });\n" },
  params: { period: 20, allocation: 0.9, side: "long", exits: true },
  paramSchema: {
    period: { default: 50, min: 2, max: 400, integer: true, hot: false },
    allocation: { default: 1, min: 0.01, max: 1 },
    side: { default: "long", options: ["long", "short"] },
    exits: { default: true },
  },
  risk: { maxOrderNotional: 500_000, drawdown: { reduceAt: 0.2, haltAt: 0.4 } },
  backtest: {
    dataset: { name: "sample-1h", sha256: "ab".repeat(32) },
    symbols: ["SYN-A", "SYN-B"], timeframe: "1h", cash: 100_000, commission: 0.001, slippageBps: 0, fillOnClose: false,
    metrics: { totalReturn: 0.125, sharpe: 1.5, profitFactor: Infinity, sortino: NaN, trades: 12 },
  },
  author: "alice",
  createdMs: Date.UTC(2025, 0, 2, 3, 4, 5),
};

/** The same object with its keys in reverse order at every depth. */
function reversed(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(reversed);
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

async function refusal(bundle: unknown, options?: Parameters<typeof checkBundle>[1]): Promise<InputError> {
  try {
    await checkBundle(bundle, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("the bundle was accepted");
}

/** `bundle` with the value at `path` replaced by `value` (a deep copy; the original is untouched). */
function withField(bundle: Bundle, path: string, value: unknown): { id: string; content: unknown } {
  const content = structuredClone(bundle.content) as Record<string, any>;
  const keys = path.split(".");
  let at = content;
  for (const k of keys.slice(0, -1)) at = at[k];
  at[keys.at(-1)!] = value;
  return { id: bundle.id, content };
}

describe("a bundle's id", () => {
  it("is the SHA-256 of the canonical JSON (sorted keys, no whitespace), as Node computes it", async () => {
    const bundle = await makeBundle(INPUT);
    const text = canonicalJson(bundle.content);
    expect(text).not.toMatch(/\s"|":\s|,\s/);
    expect(text.indexOf("\"author\"")).toBeLessThan(text.indexOf("\"backtest\""));
    expect(bundle.id).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    expect(bundle.id).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.content).toMatchObject({ format: "qw-bundle/1", engineVersion: ENGINE_VERSION });
    // what JSON carries: a NaN or Infinity metric is null
    expect(bundle.content.backtest.metrics).toMatchObject({ profitFactor: null, sortino: null, sharpe: 1.5 });
  });

  it("does not depend on the order keys were written in, and survives a JSON round trip", async () => {
    const bundle = await makeBundle(INPUT);
    expect(await bundleId(reversed(bundle.content))).toBe(bundle.id);
    expect((await makeBundle(reversed(INPUT) as BundleInput)).id).toBe(bundle.id);
    const travelled = JSON.parse(JSON.stringify(reversed(bundle)));
    expect(await checkBundle(travelled)).toEqual(bundle);
  });

  it("changes with any value, and two different contents never share it", async () => {
    const a = await makeBundle(INPUT);
    const b = await makeBundle({ ...INPUT, params: { ...INPUT.params, period: 21 } });
    const c = await makeBundle({ ...INPUT, createdMs: INPUT.createdMs + 1 });
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  it("records the engine version of package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(ENGINE_VERSION).toBe(pkg.version);
  });
});

describe("checkBundle", () => {
  const FIELDS: [string, unknown][] = [
    ["strategy.code", "export default { name: \"above-sma\", evil: true };\n"],
    ["strategy.source", "// edited\n"],
    ["strategy.name", "other-name"],
    ["params.period", 21],
    ["params.allocation", 0.5],
    ["paramSchema.period.max", 1000],
    ["risk.maxOrderNotional", 5_000_000],
    ["risk.drawdown.haltAt", 0.9],
    ["backtest.dataset.name", "sample-1d"],
    ["backtest.dataset.sha256", "cd".repeat(32)],
    ["backtest.symbols", ["SYN-A"]],
    ["backtest.timeframe", "1d"],
    ["backtest.cash", 1_000_000],
    ["backtest.commission", 0],
    ["backtest.slippageBps", 5],
    ["backtest.fillOnClose", true],
    ["backtest.metrics.sharpe", 2.5],
    ["backtest.metrics.trades", 13],
    ["engineVersion", "9.9.9"],
    ["author", "mallory"],
    ["createdMs", 0],
  ];

  it("gives back a bundle whose content hashes to its id", async () => {
    const bundle = await makeBundle(INPUT);
    await expect(checkBundle(bundle)).resolves.toEqual(bundle);
  });

  it.each(FIELDS)("refuses a bundle whose %s was changed after it was made, naming the field when the original is known", async (path, value) => {
    const bundle = await makeBundle(INPUT);
    const tampered = withField(bundle, path, value);
    const blind = await refusal(tampered);
    expect(blind.code).toBe("BUNDLE_TAMPERED");
    expect(blind.message).toContain(`bundle ${bundle.id} does not match its id: its content hashes to `);
    expect(blind.message).toMatch(/changed after it was made/);
    const named = await refusal(tampered, { known: bundle.content });
    expect(named.code).toBe("BUNDLE_TAMPERED");
    expect(named.message).toContain(`it differs from the bundle made with that id in ${path}.`);
  });

  it("refuses a bundle whose id was changed, or whose id is not a hash", async () => {
    const bundle = await makeBundle(INPUT);
    const other = await makeBundle({ ...INPUT, author: "bob" });
    expect((await refusal({ id: other.id, content: bundle.content })).code).toBe("BUNDLE_TAMPERED");
    expect((await refusal({ id: bundle.id.toUpperCase(), content: bundle.content })).message).toMatch(/id must be a lowercase hex SHA-256/);
    expect((await refusal({ id: bundle.id, content: bundle.content, signedBy: "x" })).message).toMatch(/unknown key signedBy/);
    expect((await refusal("bundle")).message).toMatch(/expected an object \{ id, content \}/);
  });

  it("refuses a malformed content with the path of each problem, before hashing", async () => {
    const bundle = await makeBundle(INPUT);
    const cases: [string, unknown, RegExp][] = [
      ["format", "qw-bundle/2", /format: must be "qw-bundle\/1"/],
      ["strategy.code", "", /strategy\.code: the strategy's code is empty/],
      ["backtest.dataset.sha256", "xyz", /backtest\.dataset\.sha256: must be a lowercase hex SHA-256/],
      ["backtest.symbols", [], /backtest\.symbols: must list at least one symbol/],
      ["backtest.metrics", {}, /backtest\.metrics: must hold the run's metrics/],
      ["risk.maxOrderNotional", -1, /risk\.maxOrderNotional/],
      ["params.period", 1000, /params: value 1000 of parameter "period" of "above-sma" is outside its range \[2, 400\]/],
      ["params.side", "both", /params: .*"side".* must be one of long, short/],
    ];
    for (const [path, value, message] of cases) {
      const error = await refusal(withField(bundle, path, value));
      expect([path, error.code]).toEqual([path, "BAD_BUNDLE"]);
      expect(error.message).toMatch(message);
    }
    const extra = await refusal({ id: bundle.id, content: { ...bundle.content, note: "hi" } });
    expect(extra.message).toMatch(/note: unknown key/);
  });

  it("makeBundle refuses what checkBundle would", async () => {
    await expect(makeBundle({ ...INPUT, params: { period: 1 } })).rejects.toThrow(/outside its range/);
    await expect(makeBundle({ ...INPUT, author: "" })).rejects.toThrow(/author/);
  });
});

describe("contentDifferences", () => {
  it("lists the paths of the leaves that differ, sorted, keys only one side has included", () => {
    expect(contentDifferences({ a: 1, b: { c: [1, 2], d: "x" } }, { a: 1, b: { c: [1, 3], e: null } })).toEqual(["b.c", "b.d", "b.e"]);
    expect(contentDifferences({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
