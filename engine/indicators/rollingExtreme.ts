/**
 * Maximum (sign 1) or minimum (sign -1) of the last `period` values in O(1) amortised time, with a
 * monotonic deque: it holds the inputs that are larger than every later input in the window, so
 * its front is the window's extreme. A minimum is the maximum of the negated values (negation is
 * exact, so nothing is lost).
 *
 * The deque is a pure function of the window's values, which is what makes `replaceLast` exact:
 * it rebuilds the deque from the window in O(period) and gets what a fresh run would hold.
 *
 * @example
 * const hi = new RollingExtreme(20, 1);
 * for (const h of highs) hi.push(h);
 * hi.value; // max of the last 20 highs
 */
export class RollingExtreme {
  private readonly period: number;
  private readonly sign: number;
  /** The last `period` signed values; input j sits at j % period. */
  private readonly ring: Float64Array;
  /** The deque, a ring of (input index, signed value); indices are exact as doubles up to 2^53. */
  private readonly dqIdx: Float64Array;
  private readonly dqVal: Float64Array;
  private head = 0;
  private size = 0;
  /** Inputs pushed so far, and the window slot of the next one (n % period, kept without a division). */
  private n = 0;
  private slot = 0;

  constructor(period: number, sign: 1 | -1) {
    this.period = period;
    this.sign = sign;
    this.ring = new Float64Array(period);
    this.dqIdx = new Float64Array(period);
    this.dqVal = new Float64Array(period);
  }

  /** The extreme of the values in the window (-Infinity for a max, +Infinity for a min, when empty). */
  get value(): number {
    return this.size === 0 ? -Infinity * this.sign : this.sign * this.dqVal[this.head]!;
  }

  push(x: number): void {
    const p = this.period;
    const i = this.n++;
    const v = this.sign * x;
    this.ring[this.slot] = v;
    this.slot = this.slot + 1 === p ? 0 : this.slot + 1;
    // the oldest input leaves before the new one arrives, so the deque never holds more than `period`
    if (this.size > 0 && this.dqIdx[this.head]! <= i - p) {
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.size--;
    }
    this.pushBack(i, v);
  }

  /** Replaces the most recently pushed value; O(period). */
  replaceLast(x: number): void {
    const p = this.period;
    const last = this.n - 1;
    this.ring[last % p] = this.sign * x;
    this.head = 0;
    this.size = 0;
    for (let i = Math.max(0, this.n - p); i <= last; i++) this.pushBack(i, this.ring[i % p]!);
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.n = 0;
    this.slot = 0;
  }

  private pushBack(i: number, v: number): void {
    const p = this.period;
    let tail = this.head + this.size - 1;
    if (tail >= p) tail -= p;
    // ties drop the older input: the newer one stays in the window longer
    while (this.size > 0 && this.dqVal[tail]! <= v) {
      this.size--;
      tail = tail === 0 ? p - 1 : tail - 1;
    }
    tail = tail + 1 === p ? 0 : tail + 1;
    this.dqIdx[tail] = i;
    this.dqVal[tail] = v;
    this.size++;
  }
}
