/**
 * A token bucket: at most `perSecond` operations a second on average, bursts of up to `burst`.
 * `take()` resolves when a token is free, in call order, so a burst of strategy orders leaves
 * spaced out instead of tripping the exchange's rate limit.
 */
export class Throttle {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.ceil(perSecond)),
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a throttle needs a positive rate; got ${perSecond}`);
    this.tokens = this.burst;
    this.last = now();
  }

  /** Waits for a token. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    }
  }
}
