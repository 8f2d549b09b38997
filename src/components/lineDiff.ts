/**
 * A line diff (Myers' O(ND) shortest edit script) and its side-by-side layout: what the Compare
 * page shows between two versions of a strategy. Pure functions, no DOM.
 *
 * @example
 * const ops = diffLines(oldSource, newSource);   // [{kind: "same", a: 1, b: 1, text}, {kind: "delete", a: 2, text}, …]
 * const rows = foldUnchanged(sideBySide(ops), 3); // rows for a two-column table, long unchanged runs folded
 */

/** One line of the edit script; `a` and `b` are 1-based line numbers in the old and new text. */
export type DiffOp =
  | { readonly kind: "same"; readonly a: number; readonly b: number; readonly text: string }
  | { readonly kind: "delete"; readonly a: number; readonly text: string }
  | { readonly kind: "insert"; readonly b: number; readonly text: string };

/** A line of one side of a side-by-side row. */
export interface DiffSide {
  readonly line: number;
  readonly text: string;
}

/**
 * One row of a side-by-side diff: a line kept on both sides, a line changed (a deleted line
 * beside the inserted line that took its place), only deleted, or only inserted; or a fold
 * standing for `count` unchanged lines.
 */
export type DiffRow =
  | { readonly kind: "same" | "changed"; readonly left: DiffSide; readonly right: DiffSide }
  | { readonly kind: "deleted"; readonly left: DiffSide }
  | { readonly kind: "inserted"; readonly right: DiffSide }
  | { readonly kind: "fold"; readonly count: number; readonly fromA: number; readonly fromB: number };

/** Lines of a text; a final newline does not make an extra empty line, and "\r\n" counts as one break. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The shortest edit script from `a` to `b`, line by line (texts are split with splitLines).
 * Deletions come before insertions within a change; the common prefix and suffix are matched
 * first, so the search only runs over the part that differs.
 */
export function diffLines(a: string | readonly string[], b: string | readonly string[]): DiffOp[] {
  const A = typeof a === "string" ? splitLines(a) : a;
  const B = typeof b === "string" ? splitLines(b) : b;
  let start = 0;
  while (start < A.length && start < B.length && A[start] === B[start]) start++;
  let endA = A.length, endB = B.length;
  while (endA > start && endB > start && A[endA - 1] === B[endB - 1]) { endA--; endB--; }
  const ops: DiffOp[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: "same", a: i + 1, b: i + 1, text: A[i]! });
  for (const op of middle(A.slice(start, endA), B.slice(start, endB))) {
    if (op.kind === "same") ops.push({ kind: "same", a: op.a + start, b: op.b + start, text: op.text });
    else if (op.kind === "delete") ops.push({ kind: "delete", a: op.a + start, text: op.text });
    else ops.push({ kind: "insert", b: op.b + start, text: op.text });
  }
  for (let i = endA, j = endB; i < A.length; i++, j++) ops.push({ kind: "same", a: i + 1, b: j + 1, text: A[i]! });
  return ops;
}

/** Myers' greedy search with the trace kept for backtracking (fine for source files: D is small). */
function middle(A: readonly string[], B: readonly string[]): DiffOp[] {
  const n = A.length, m = B.length, max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  search: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) break search;
    }
  }
  const reversed: DiffOp[] = [];
  let x = n, y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const t = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && t[offset + k - 1]! < t[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = t[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY && x > 0 && y > 0) {
      reversed.push({ kind: "same", a: x, b: y, text: A[x - 1]! });
      x--; y--;
    }
    if (d > 0) {
      if (x === prevX) reversed.push({ kind: "insert", b: y, text: B[y - 1]! });
      else reversed.push({ kind: "delete", a: x, text: A[x - 1]! });
    }
    x = prevX; y = prevY;
  }
  return reversed.reverse();
}

/**
 * The edit script as rows of two columns: kept lines side by side, and within each change the
 * deleted lines beside the inserted ones, row by row ("changed"), the surplus alone.
 */
export function sideBySide(ops: readonly DiffOp[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let dels: DiffSide[] = [], ins: DiffSide[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, ins.length); i++) {
      const left = dels[i], right = ins[i];
      if (left && right) rows.push({ kind: "changed", left, right });
      else if (left) rows.push({ kind: "deleted", left });
      else rows.push({ kind: "inserted", right: right! });
    }
    dels = [];
    ins = [];
  };
  for (const op of ops) {
    if (op.kind === "delete") dels.push({ line: op.a, text: op.text });
    else if (op.kind === "insert") ins.push({ line: op.b, text: op.text });
    else {
      flush();
      rows.push({ kind: "same", left: { line: op.a, text: op.text }, right: { line: op.b, text: op.text } });
    }
  }
  flush();
  return rows;
}

/**
 * Keeps `context` unchanged rows around each change and folds every longer unchanged run into
 * one "fold" row (a run must hide at least two rows to be folded: one fold row for one line
 * would hide nothing).
 */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): DiffRow[] {
  const out: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]!.kind !== "same") { out.push(rows[i]!); i++; continue; }
    let j = i;
    while (j < rows.length && rows[j]!.kind === "same") j++;
    const keepHead = i === 0 ? 0 : context;
    const keepTail = j === rows.length ? 0 : context;
    if (j - i - keepHead - keepTail >= 2) {
      out.push(...rows.slice(i, i + keepHead));
      const first = rows[i + keepHead] as { readonly left: DiffSide; readonly right: DiffSide };
      out.push({ kind: "fold", count: j - i - keepHead - keepTail, fromA: first.left.line, fromB: first.right.line });
      out.push(...rows.slice(j - keepTail, j));
    } else {
      out.push(...rows.slice(i, j));
    }
    i = j;
  }
  return out;
}

/** Lines deleted and inserted by an edit script. */
export function diffStats(ops: readonly DiffOp[]): { deleted: number; inserted: number; same: number } {
  let deleted = 0, inserted = 0, same = 0;
  for (const op of ops) {
    if (op.kind === "delete") deleted++;
    else if (op.kind === "insert") inserted++;
    else same++;
  }
  return { deleted, inserted, same };
}
