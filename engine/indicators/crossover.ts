import { checkLengths, nothingToReplace } from "./checks.js";

/**
 * Crossing of two series, with backtrader's `CrossOver` rule exactly: `update(a, b)` returns 1
 * when `a − b > 0` now and the last non-zero `a − b` before now was `< 0`, −1 for the mirror, and
 * 0 otherwise. A zero difference (an exact tie) is neither and does not reset the memory, so
 * `a` touching `b` and turning back is not a cross. NaN inputs (an average not ready yet, or
 * ∞ − ∞) give 0 and are not remembered; infinities otherwise compare as numbers.
 *
 * Ties are only detected if the averages are exact: feed SMAs built with `{ decimals }`.
 *
 * @example
 * const cross = new Crossover();
 * const fast = sma(10, { decimals }), slow = sma(30, { decimals });
 * for (const c of closes) {
 *   const signal = cross.update(fast.update(c), slow.update(c)); // 1 buy, -1 sell
 * }
 */
export class Crossover {
  readonly kind = "cross";
  /** Pairs seen since construction or the last `reset()`. */
  private n = 0;
  /** Sign of the last non-zero difference (0: none yet), and before the last update. */
  private side = 0;
  private baseSide = 0;
  private val: 1 | -1 | 0 = 0;

  get count(): number {
    return this.n;
  }

  /** The result of the last update: 1 up-cross, −1 down-cross, 0 neither. */
  get value(): 1 | -1 | 0 {
    return this.val;
  }

  update(a: number, b: number): 1 | -1 | 0 {
    this.n++;
    this.baseSide = this.side;
    return this.apply(a, b);
  }

  /** Replaces the last pair (live: the forming bar changed). */
  replace(a: number, b: number): 1 | -1 | 0 {
    if (this.n === 0) nothingToReplace("Crossover");
    return this.apply(a, b);
  }

  reset(): void {
    this.n = 0;
    this.side = 0;
    this.baseSide = 0;
    this.val = 0;
  }

  private apply(a: number, b: number): 1 | -1 | 0 {
    const d = a - b;
    const before = this.baseSide;
    if (d > 0) {
      this.val = before < 0 ? 1 : 0;
      this.side = 1;
    } else if (d < 0) {
      this.val = before > 0 ? -1 : 0;
      this.side = -1;
    } else {
      // zero or NaN: no cross, and the memory stays as it was
      this.val = 0;
      this.side = before;
    }
    return this.val;
  }
}

/**
 * `new Crossover()`.
 *
 * @example
 * const cross = crossover();
 */
export function crossover(): Crossover {
  return new Crossover();
}

/**
 * Crossings of two whole arrays (1, −1 or 0 per element), identical to streaming `Crossover`.
 *
 * @example
 * const d = priceDecimals(s);
 * const signals = crossoverBatch(smaBatch(s.close, 10, { decimals: d }), smaBatch(s.close, 30, { decimals: d }));
 */
export function crossoverBatch(a: ArrayLike<number>, b: ArrayLike<number>): Int8Array {
  const n = checkLengths("crossoverBatch", { a, b });
  const ind = new Crossover();
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = ind.update(a[i]!, b[i]!);
  return out;
}
