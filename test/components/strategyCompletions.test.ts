/**
 * The strategy editor's completion list stays in sync with the strategy API: every member of
 * StrategyContext (engine/strategy/context.ts), every field of StrategyDefinition, every key of a
 * parameter spec and every output of the bound indicators is offered, and nothing else; and the
 * right list comes at the right place in the code.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTEXT_API, DEFINITION_API, INDICATOR_API, LOG_API, PARAM_SPEC_API, strategyCompletions,
} from "../../src/components/strategyCompletions.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const source = (path: string) => readFile(join(ROOT, path), "utf8");

/** The member names declared in `interface <name> … { … }` of a TypeScript file (one level of braces). */
function interfaceMembers(text: string, name: string): string[] {
  const start = new RegExp(`interface ${name}\\b[^{]*\\{`).exec(text);
  if (!start) throw new Error(`interface ${name} not found`);
  let depth = 1, i = start.index + start[0].length;
  const body: string[] = [];
  for (; i < text.length && depth > 0; i++) {
    const c = text[i]!;
    if (c === "{") depth++;
    if (c === "}") depth--;
    // only what is at the interface's own level: members of nested object types are not its members
    body.push(depth === 1 || (depth === 2 && c === "{") ? c : " ");
  }
  const flat = body.join("").replace(/\/\*\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return [...flat.matchAll(/^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[(<:]/gm)].map((m) => m[1]!);
}
/** The public getters and readonly fields of an indicator class. */
function classOutputs(text: string): string[] {
  return [...text.matchAll(/^ {2}(?:get |readonly )([a-z]\w*)/gm)].map((m) => m[1]!);
}
const labels = (list: readonly { label: string }[]) => list.map((c) => c.label).sort();

describe("the completion list against the strategy API's source", () => {
  it("offers exactly the members of StrategyContext", async () => {
    const members = interfaceMembers(await source("engine/strategy/context.ts"), "StrategyContext");
    expect(members.length).toBeGreaterThan(30);
    expect(labels(CONTEXT_API)).toEqual([...new Set(members)].sort());
  });

  it("offers exactly ctx.log's methods, the definition's fields and a parameter spec's keys", async () => {
    const context = await source("engine/strategy/context.ts");
    expect(labels(LOG_API)).toEqual(interfaceMembers(context, "StrategyLogger").sort());
    expect(labels(DEFINITION_API)).toEqual(interfaceMembers(await source("engine/strategy/defineStrategy.ts"), "StrategyDefinition").sort());
    const params = await source("engine/strategy/params.ts");
    const keys = new Set(["ParamCommon", "NumberParam", "ChoiceParam", "BooleanParam"].flatMap((n) => interfaceMembers(params, n)));
    expect(labels(PARAM_SPEC_API)).toEqual([...keys].sort());
  });

  it("offers the outputs every bound indicator has, and the extra outputs of the multi-output ones", async () => {
    const scalar = interfaceMembers(await source("engine/indicators/types.ts"), "ScalarIndicator");
    const common = ["value", "ready", "count", "warmup"];
    for (const name of common) expect(scalar).toContain(name);
    const extras = new Set<string>();
    for (const file of ["macd", "bollinger", "stochastic", "donchian"]) {
      for (const out of classOutputs(await source(`engine/indicators/${file}.ts`))) {
        // the periods an indicator was built with are inputs, not outputs
        if (!/Period$|^period$|^kind$|^warmup$/.test(out) && !(file === "bollinger" && out === "k")) extras.add(out);
      }
    }
    expect(labels(INDICATOR_API)).toEqual([...new Set([...common, ...extras])].sort());
  });
});

describe("strategyCompletions: what is offered where", () => {
  const HEAD = "export default {\n  name: \"x\",\n  params: { period: { default: 20 } },\n  init(ctx, p) { return { sma: ctx.sma(p.period) }; },\n";
  const at = (before: string, params?: string[]) => {
    const r = strategyCompletions(before, { params });
    return r ? { from: r.from, labels: r.options.map((o) => o.label) } : null;
  };

  it("completes ctx's members after `ctx.`, whatever the callback calls it", () => {
    const r = at(`${HEAD}  onBar(ctx, s) {\n    ctx.orderT`);
    expect(r?.labels).toEqual(CONTEXT_API.map((c) => c.label));
    expect(r?.from).toBe(HEAD.length + "  onBar(ctx, s) {\n    ctx.".length);
    expect(at(`${HEAD}  onBar: (c: any, state: any) => {\n    c.`)?.labels).toContain("orderTargetPercent");
    expect(at(`${HEAD}  onFill: function (context, s, fill) {\n    context.`)?.labels).toContain("positionOf");
  });

  it("completes ctx.log, ctx.params and init's params with the strategy's parameter names", () => {
    expect(at(`${HEAD}  onBar(ctx, s) { ctx.log.`)?.labels).toEqual(["info", "warn"]);
    expect(at(`${HEAD}  onBar(ctx, s) { ctx.params.pe`, ["period", "allocation"])?.labels).toEqual(["period", "allocation"]);
    expect(at(`export default { init(ctx, p) { return ctx.sma(p.`, ["period"])?.labels).toEqual(["period"]);
  });

  it("completes an indicator's outputs after `state.name.`", () => {
    expect(at(`${HEAD}  onBar(ctx, s) {\n    if (s.sma.re`)?.labels).toEqual(INDICATOR_API.map((c) => c.label));
  });

  it("completes the definition's fields at a key of the default export, and a spec's keys inside params", () => {
    expect(at(`${HEAD}  `)?.labels).toEqual(DEFINITION_API.map((c) => c.label));
    expect(at("export default defineStrategy({\n  name: \"x\",\n  on")?.labels).toContain("onBar");
    expect(at("export default {\n  params: {\n    fast: { default: 10, mi")?.labels).toEqual(PARAM_SPEC_API.map((c) => c.label));
    // a string holding braces does not confuse it
    expect(at("export default {\n  description: \"a { b\",\n  params: { fast: { \"x}\": 1, ")?.labels).toEqual(PARAM_SPEC_API.map((c) => c.label));
  });

  it("offers nothing elsewhere: in a value, in a callback's body, after an unknown object", () => {
    expect(at("export default {\n  name: ")).toBeNull();
    expect(at(`${HEAD}  onBar(ctx, s) {\n    const x = `)).toBeNull();
    expect(at(`${HEAD}  onBar(ctx, s) {\n    Math.`)?.labels ?? null).toBeNull();
    expect(at("export default {\n  params: { fast: ")).toBeNull();
  });
});
