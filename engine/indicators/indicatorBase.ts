/**
 * The state and getters every indicator class shares: the input count and the main output.
 * Only these getters are shared code; each subclass keeps its own flat `update`, so the hot path
 * of every indicator stays monomorphic and inlinable.
 *
 * @example
 * export class Ema extends IndicatorBase implements ScalarIndicator {
 *   readonly kind = "scalar";
 *   readonly warmup: number;
 *   // update() does this.n++ and sets this.val
 * }
 */
export abstract class IndicatorBase {
  /** Inputs needed before the first value: `ready` turns true on exactly this input. */
  abstract readonly warmup: number;
  /** Inputs seen since construction or the last `reset()`. */
  protected n = 0;
  /** The main output; NaN until ready. */
  protected val = NaN;

  /** Inputs seen since construction or the last `reset()`; `replace` does not change it. */
  get count(): number {
    return this.n;
  }

  /** True once `count >= warmup`; every output field is then defined. */
  get ready(): boolean {
    return this.n >= this.warmup;
  }

  /** The main output; NaN until ready. */
  get value(): number {
    return this.val;
  }
}
