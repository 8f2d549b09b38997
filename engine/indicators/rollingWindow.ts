/**
 * The last `length` inputs of a rolling window, kept in a ring: input j sits at j % length, so a
 * new input overwrites the oldest. `replaceLast` rewrites the newest input in place, which is how
 * an indicator's `replace` edits the window in place.
 *
 * Slots that no input has filled yet hold `empty`, so `push` can return the input leaving the
 * window without its caller counting inputs: an indicator picks an `empty` its arithmetic
 * ignores or propagates (0 for a sum, NaN for a ratio).
 *
 * @example
 * const w = new RollingWindow(3, NaN);
 * w.push(1); w.push(2); w.push(3); // NaN each time: nothing has left yet
 * w.push(4); // 1
 */
export class RollingWindow {
  /** The inputs; input j sits at j % length. */
  readonly buf: Float64Array;
  private readonly size: number;
  private readonly empty: number;
  private next = 0;
  private last = 0;

  constructor(length: number, empty = 0) {
    this.buf = new Float64Array(length);
    this.size = length;
    this.empty = empty;
    this.buf.fill(empty);
  }

  /** The slot of the oldest input once the window is full: oldest to newest runs from here round. */
  get head(): number {
    return this.next;
  }

  /** Stores `x` over the oldest input and returns that input (`empty` while the window fills). */
  push(x: number): number {
    const slot = this.next;
    const old = this.buf[slot]!;
    this.buf[slot] = x;
    this.last = slot;
    this.next = slot + 1 === this.size ? 0 : slot + 1;
    return old;
  }

  /** Replaces the newest input. */
  replaceLast(x: number): void {
    this.buf[this.last] = x;
  }

  clear(): void {
    this.buf.fill(this.empty);
    this.next = 0;
    this.last = 0;
  }
}
