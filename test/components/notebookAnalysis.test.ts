/**
 * The notebook's cell analysis: what a JavaScript cell defines (its top-level declarations) and
 * reads (free identifiers that are not the browser's globals), with scopes respected; syntax
 * errors and forbidden forms at their line; the function text keeps the cell's lines; an SQL
 * cell's `-- name:` line.
 */
import { describe, expect, it } from "vitest";
import { analyzeCell, cellFunction, errorLine, sqlNameComment, type CellAnalysis } from "../../src/components/notebookAnalysis.ts";

const ok = (source: string) => {
  const a = analyzeCell(source);
  if (!a.ok) throw new Error(`expected ${JSON.stringify(source)} to parse: ${a.error.message}`);
  return a;
};
const bad = (source: string) => {
  const a = analyzeCell(source);
  if (a.ok) throw new Error(`expected ${JSON.stringify(source)} to fail`);
  return a.error;
};

describe("what a JavaScript cell defines and reads", () => {
  it("an expression defines nothing and reads its free names", () => {
    const a = ok("Plot.lineY(prices, { x: \"time\", y: k * 2 })");
    expect(a).toMatchObject({ expression: true, defines: [], reads: ["Plot", "k", "prices"] });
  });

  it("a lone expression statement is an expression (its value is shown)", () => {
    expect(ok("1 + total;")).toMatchObject({ expression: true, reads: ["total"] });
    expect(ok("// the count\nprices.numRows()\n")).toMatchObject({ expression: true, reads: ["prices"] });
  });

  it("top-level declarations of every kind are defined, in order", () => {
    const a = ok(`const total = 1, { a, b: [c, ...rest] } = obj;
let x;
var y = 2;
function f(p) { return p + z; }
class K {}
`);
    expect(a.expression).toBe(false);
    expect(a.defines).toEqual(["total", "a", "c", "rest", "x", "y", "f", "K"]);
    expect(a.reads).toEqual(["obj", "z"]);
  });

  it("names declared inside functions and blocks stay local and shadow other cells' names", () => {
    const a = ok(`const g = (prices) => prices.numRows() + n;
{ const inner = 1; console.log(inner); }
for (const row of rows) { const n = row; }
try { risky(); } catch (err) { console.log(err); }
const h = function named() { return named; };`);
    expect(a.defines).toEqual(["g", "h"]);
    expect(a.reads).toEqual(["n", "risky", "rows"]);
  });

  it("property names, object keys and browser globals are not reads; display is each cell's own", () => {
    const a = ok("const o = { width: Math.max(a.width, 3), [key]: 1 }; display(o); console.log(window.innerWidth);");
    expect(a.reads).toEqual(["a", "key"]);
  });

  it("a cell reads the names it uses before declaring them elsewhere only once", () => {
    expect(ok("const s = prices.numRows() + prices.numCols();").reads).toEqual(["prices"]);
  });

  it("top-level await is allowed", () => {
    expect(ok("const rows = await engine.tables();")).toMatchObject({ defines: ["rows"], reads: ["engine"] });
    expect(ok("await engine.tables()")).toMatchObject({ expression: true, reads: ["engine"] });
  });
});

describe("problems at their line", () => {
  it("a syntax error gives acorn's message, line and column (1-based)", () => {
    expect(bad("const a = 1;\nconst b = ;")).toEqual({ line: 2, column: 11, message: "Unexpected token" });
  });

  it("imports and exports are refused with a reason", () => {
    expect(bad("const a = 1;\nimport x from \"y\";")).toMatchObject({ line: 2, message: expect.stringMatching(/cannot import/) });
    expect(bad("export const a = 1;")).toMatchObject({ line: 1, message: expect.stringMatching(/cannot export/) });
    expect(bad("const m = await import(\"x\");")).toMatchObject({ line: 1, message: expect.stringMatching(/cannot import/) });
  });

  it("assigning to another cell's name is refused; assigning to one's own is fine", () => {
    expect(bad("const a = 1;\ntotal = a + 1;")).toMatchObject({ line: 2, column: 1, message: expect.stringMatching(/"total", which this cell does not declare/) });
    expect(bad("count++")).toMatchObject({ line: 1, message: expect.stringMatching(/"count"/) });
    expect(ok("let t = 0;\nfor (const x of xs) t += x;").defines).toEqual(["t"]);
  });

  it("redefining a browser global or display is refused", () => {
    expect(bad("const Math = 1;").message).toMatch(/"Math" cannot be redefined/);
    expect(bad("function display() {}").message).toMatch(/"display" cannot be redefined/);
  });
});

describe("the function the runtime calls", () => {
  const run = async (id: string, a: CellAnalysis, ...inputs: unknown[]) => {
    if (!a.ok) throw new Error("not ok");
    const fn = (0, eval)(cellFunction(id, a)) as (...args: unknown[]) => Promise<unknown>;
    const shown: unknown[] = [];
    return { value: await fn((v: unknown) => shown.push(v), ...inputs), shown };
  };

  it("returns an expression's value, or a program's defined names", async () => {
    expect((await run("e", ok("k * 2;"), 21)).value).toBe(42);
    expect((await run("p", ok("const a = k + 1;\nfunction f() { return a; }\ndisplay(a);"), 1)).value).toMatchObject({ a: 2 });
    expect((await run("p", ok("const a = k + 1;\ndisplay(a);"), 1)).shown).toEqual([2]);
  });

  it("an error thrown at line L of the cell is found at line L", async () => {
    const a = ok("const a = 1;\n\nconst b = a.nope.deeper;");
    const error = await run("cell-7", a).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(errorLine("cell-7", error)).toEqual({ line: 3, column: expect.any(Number) });
    const e2 = await run("x2", ok("// first line\nnull.f()")).then(() => undefined, (e: unknown) => e);
    expect(errorLine("x2", e2)?.line).toBe(2);
    expect(errorLine("other", error)).toBeUndefined();
  });
});

describe("an SQL cell's name line", () => {
  it("takes `-- name: x` on the first non-blank line only", () => {
    expect(sqlNameComment("-- name: prices\nselect 1")).toBe("prices");
    expect(sqlNameComment("\n  --name:p2  \nselect 1")).toBe("p2");
    expect(sqlNameComment("select 1\n-- name: late")).toBeUndefined();
    expect(sqlNameComment("-- name: 2bad\nselect 1")).toBeUndefined();
  });
});
