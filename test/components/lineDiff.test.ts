/**
 * The line diff of the Compare page: a shortest edit script (as long a common subsequence as a
 * dynamic-programming LCS finds), which replays the old text into the new one, laid out side by
 * side and folded without losing a line.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, diffStats, foldUnchanged, sideBySide, splitLines, type DiffOp } from "../../src/components/lineDiff.ts";

/** The length of a longest common subsequence, by dynamic programming. */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

/** Applies the script: the old side must read `a` in order, the new side gives the result. */
function replay(a: readonly string[], ops: readonly DiffOp[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const op of ops) {
    if (op.kind === "insert") { out.push(op.text); expect(op.b).toBe(out.length); continue; }
    expect(op.a).toBe(i + 1);
    expect(op.text).toBe(a[i]);
    i++;
    if (op.kind === "same") { out.push(op.text); expect(op.b).toBe(out.length); }
  }
  expect(i).toBe(a.length);
  return out;
}

const lines = fc.array(fc.constantFrom("a", "b", "c", "d", "", "  x;"), { maxLength: 40 });

describe("diffLines", () => {
  it("gives a script that turns the old lines into the new ones, keeping an LCS (a shortest script)", () => {
    fc.assert(fc.property(lines, lines, (a, b) => {
      const ops = diffLines(a, b);
      expect(replay(a, ops)).toEqual(b);
      const { same, deleted, inserted } = diffStats(ops);
      expect(same).toBe(lcs(a, b));
      expect(deleted).toBe(a.length - same);
      expect(inserted).toBe(b.length - same);
    }), { numRuns: 400 });
  });

  it("diffs a small edit of a strategy as a person would read it", () => {
    const before = "export default {\n  name: \"x\",\n  params: {},\n  onBar(ctx) {\n    ctx.buy(1);\n  },\n};\n";
    const after = "export default {\n  name: \"x\",\n  params: { n: { default: 2 } },\n  onBar(ctx) {\n    ctx.buy(1);\n    ctx.log.info(\"hi\");\n  },\n};\n";
    const ops = diffLines(before, after);
    expect(ops.filter((o) => o.kind !== "same")).toEqual([
      { kind: "delete", a: 3, text: "  params: {}," },
      { kind: "insert", b: 3, text: "  params: { n: { default: 2 } }," },
      { kind: "insert", b: 6, text: "    ctx.log.info(\"hi\");" },
    ]);
    expect(sideBySide(ops).map((r) => r.kind)).toEqual(["same", "same", "changed", "same", "same", "inserted", "same", "same"]);
  });

  it("handles empty texts, CRLF and a missing final newline", () => {
    expect(diffLines("", "")).toEqual([]);
    expect(diffLines("", "a\n")).toEqual([{ kind: "insert", b: 1, text: "a" }]);
    expect(diffLines("a\r\nb", "a\nb\n").every((o) => o.kind === "same")).toBe(true);
    expect(splitLines("a\n\nb\n")).toEqual(["a", "", "b"]);
  });
});

describe("sideBySide and foldUnchanged", () => {
  it("lose no line of either side, and fold only unchanged runs", () => {
    fc.assert(fc.property(lines, lines, fc.integer({ min: 0, max: 4 }), (a, b, context) => {
      const rows = sideBySide(diffLines(a, b));
      const left = rows.flatMap((r) => ("left" in r ? [r.left.text] : []));
      const right = rows.flatMap((r) => ("right" in r ? [r.right.text] : []));
      expect(left).toEqual(a);
      expect(right).toEqual(b);
      const folded = foldUnchanged(rows, context);
      const count = folded.reduce((n, r) => n + (r.kind === "fold" ? r.count : 1), 0);
      expect(count).toBe(rows.length);
      // every changed row survives the folding, in order
      expect(folded.filter((r) => r.kind !== "same" && r.kind !== "fold")).toEqual(rows.filter((r) => r.kind !== "same"));
      for (const r of folded) if (r.kind === "fold") expect(r.count).toBeGreaterThanOrEqual(2);
    }), { numRuns: 300 });
  });

  it("keeps `context` lines around a change and folds the rest", () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const b = a.map((l, i) => (i === 14 ? "changed" : l));
    const folded = foldUnchanged(sideBySide(diffLines(a, b)), 2);
    expect(folded.map((r) => (r.kind === "fold" ? `fold ${r.count} from ${r.fromA}` : r.kind))).toEqual([
      "fold 12 from 1", "same", "same", "changed", "same", "same", "fold 13 from 18",
    ]);
  });
});
