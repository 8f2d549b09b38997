/**
 * The notebook's quick chart choice and value text: a line for a time column and a number (one
 * line per value of a text column with few values), bars by a text column (or by row) otherwise,
 * nothing without a number; epoch milliseconds count as time only in a time-named column; values
 * print compactly and exactly.
 */
import { describe, expect, it } from "vitest";
import { chartSpec, columnKind } from "../../src/components/notebookChart.ts";
import { formatValue } from "../../src/components/notebookOutput.ts";

describe("which chart an SQL result gets", () => {
  it("a time column and a number: a line, split by a text column with few values", () => {
    expect(chartSpec([{ name: "symbol", kind: "text", distinct: 4 }, { name: "time", kind: "time" }, { name: "close", kind: "number" }]))
      .toEqual({ mark: "line", x: "time", y: "close", z: "symbol" });
    expect(chartSpec([{ name: "id", kind: "text", distinct: 500 }, { name: "time", kind: "time" }, { name: "close", kind: "number" }]))
      .toEqual({ mark: "line", x: "time", y: "close" });
  });

  it("no time column: bars of the first number by the first text column, or by row", () => {
    expect(chartSpec([{ name: "symbol", kind: "text", distinct: 4 }, { name: "n", kind: "number" }, { name: "m", kind: "number" }]))
      .toEqual({ mark: "bar", x: "symbol", y: "n" });
    expect(chartSpec([{ name: "n", kind: "number" }])).toEqual({ mark: "bar", y: "n" });
  });

  it("no number: no chart", () => {
    expect(chartSpec([{ name: "symbol", kind: "text", distinct: 4 }, { name: "time", kind: "time" }])).toBeUndefined();
    expect(chartSpec([])).toBeUndefined();
  });

  it("a column is time when it holds dates, or epoch milliseconds under a time-like name", () => {
    expect(columnKind("time", [null, 1_704_067_200_000])).toBe("time");
    expect(columnKind("open_time", [1_704_067_200_000])).toBe("time");
    expect(columnKind("d", [new Date(0)])).toBe("time");
    expect(columnKind("volume", [1_704_067_200_000])).toBe("number");
    expect(columnKind("time", [42])).toBe("number");
    expect(columnKind("n", [5n])).toBe("number");
    expect(columnKind("symbol", ["SYN-A"])).toBe("text");
    expect(columnKind("x", [null, undefined])).toBe("other");
  });
});

describe("how a value prints", () => {
  it("numbers exactly, strings as they are at the top and quoted inside", () => {
    expect(formatValue(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(formatValue("hello")).toBe("hello");
    expect(formatValue(["a", 1, null, undefined])).toBe("Array(4) [\"a\", 1, null, undefined]");
    expect(formatValue({ a: 1, b: { c: [1, 2] } })).toBe("{a: 1, b: {c: Array(2) [1, 2]}}");
    expect(formatValue(new Map([["k", 2]]))).toBe("Map(1) {\"k\" => 2}");
    expect(formatValue(new Date(Date.UTC(2024, 0, 1)))).toBe("2024-01-01T00:00:00.000Z");
    expect(formatValue(function f(x: number) { return x; })).toBe("ƒ f(…)");
    expect(formatValue(12n)).toBe("12n");
  });

  it("long collections are cut with how many more there are", () => {
    const text = formatValue(Array.from({ length: 1000 }, (_, i) => i), 60);
    expect(text.startsWith("Array(1000) [0, 1, 2")).toBe(true);
    expect(text).toMatch(/… \d+ more\]$/);
    expect(formatValue(new Float64Array([1.5, 2]))).toBe("Float64Array(2) [1.5, 2]");
  });
});
