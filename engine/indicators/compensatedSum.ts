/**
 * A running sum with Neumaier compensation: the rounding error of every addition is captured
 * exactly and carried in `c`, so a rolling sum that adds and subtracts millions of values does
 * not drift the way a plain `sum += x - old` does.
 *
 * `mark()` / `restore()` let an indicator's `replace` redo its last step from the state before it,
 * which gives bit-for-bit what a fresh indicator fed the replaced value would give.
 *
 * @example
 * const s = new CompensatedSum();
 * s.add(1e16); s.add(1); s.add(-1e16);
 * s.value; // 1 (a plain running sum gives 0)
 */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  private ms = 0;
  private mc = 0;

  /** The compensated total. */
  get value(): number {
    return this.s + this.c;
  }

  add(x: number): void {
    const s = this.s;
    const t = s + x;
    // whichever operand is larger in magnitude keeps its bits in t; the other's lost bits are exact here
    this.c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    this.s = t;
  }

  /**
   * Adds `k * x` exactly for an integer |k| < 2^26 (Dekker's product: x is split into two halves
   * of 26 and 27 bits, whose products with k are exact), so weights do not leak rounding errors.
   */
  addProduct(k: number, x: number): void {
    const prod = k * x;
    const c = 134217729 * x; // 2^27 + 1: Veltkamp's split
    const hi = c - (c - x);
    const lo = x - hi;
    this.add(prod);
    this.add(hi * k - prod + lo * k);
  }

  /** Subtracts another sum, both its parts, so that its compensation is not lost. */
  subtract(other: CompensatedSum): void {
    this.add(-other.s);
    this.add(-other.c);
  }

  /** Remembers the current state for `restore()`. */
  mark(): void {
    this.ms = this.s;
    this.mc = this.c;
  }

  /** Returns to the state saved by the last `mark()`. */
  restore(): void {
    this.s = this.ms;
    this.c = this.mc;
  }

  clear(): void {
    this.s = 0;
    this.c = 0;
    this.ms = 0;
    this.mc = 0;
  }
}
