/** The loops the watchdog's message points at: found by the grammar, not by words in strings or comments. */
import { describe, expect, it } from "vitest";
import { loopsIn } from "../../src/components/strategyLoops.ts";

describe("loopsIn", () => {
  it("finds for, for…of, while and do…while loops with their lines and heads", () => {
    const source = [
      "export default {",
      "  onBar(ctx: any, s: { n: number }) {",
      "    if (++s.n === 100) for (;;) {}",
      "    while (s.n > 0) s.n--;",
      "    do { s.n++; } while (s.n < 3)",
      "    for (const x of [1, 2]) { ctx.log.info(String(x)); }",
      "  },",
      "};",
    ].join("\n");
    expect(loopsIn(source)).toEqual([
      { line: 3, column: 24, head: "for (;;)" },
      { line: 4, column: 5, head: "while (s.n > 0) s.n--;" },
      { line: 5, column: 5, head: "do … while (s.n < 3)" },
      { line: 6, column: 5, head: "for (const x of [1, 2])" },
    ]);
  });

  it("sees no loop in strings, comments or method names", () => {
    expect(loopsIn('const a = "for (;;) {}"; // while (true)\n/* do {} while (1) */\nctx.forEach(() => 1);\n')).toEqual([]);
  });
});
