import { deny } from "./deny.js";
import type { RiskRule } from "./types.js";
import { positive, requireOptions, wholeNumber } from "./validate.js";

export interface BrokenDataOptions {
  /** Largest plausible |close / previous close − 1| between consecutive bars (0.5 = 50 %). */
  readonly maxJump: number;
  /** Normal bars that must follow a jump before orders on the symbol are accepted again. Default 3. */
  readonly recoveryBars?: number;
}

interface SymbolHealth {
  previousClose: number;
  barsLeft: number;
  jump: number;
}

/**
 * Refuses orders on a symbol whose bars jumped implausibly: a close more than `maxJump` away from the
 * previous close (or a close that is not a positive number) marks the symbol broken until
 * `recoveryBars` normal bars have followed. A jump back (spike and return) is itself a jump and
 * restarts the count; a genuine new level (an unadjusted split) becomes normal after the recovery bars.
 * Symbols with no bars yet are not judged here (see staleData).
 *
 * @example
 * const rule = brokenData({ maxJump: 0.5, recoveryBars: 3 });
 * rule.onBar?.("AAPL", t0, 190); rule.onBar?.("AAPL", t1, 1.9);
 * rule.checkOrder?.(order, view); // BROKEN_DATA: symbol=AAPL, maxJump=0.5, jump=-0.99, barsLeft=3
 */
export function brokenData(options: BrokenDataOptions): RiskRule {
  const name = "brokenData";
  const maxJump = positive(name, "maxJump", requireOptions(name, options).maxJump);
  const recoveryBars = options.recoveryBars === undefined ? 3 : wholeNumber(name, "recoveryBars", options.recoveryBars, 1);
  const health = new Map<string, SymbolHealth>();
  return {
    name,
    onBar(symbol, _timeMs, close) {
      let entry = health.get(symbol);
      const valid = close > 0 && close < Infinity;
      if (entry === undefined) {
        // allocated once per symbol, then mutated in place: this runs once per bar
        entry = { previousClose: valid ? close : NaN, barsLeft: valid ? 0 : recoveryBars, jump: valid ? 0 : NaN };
        health.set(symbol, entry);
        return;
      }
      if (!valid) {
        // keep the last good close so the next good bar is judged against it
        entry.barsLeft = recoveryBars;
        entry.jump = NaN;
        return;
      }
      const previous = entry.previousClose;
      entry.previousClose = close;
      if (previous !== previous) {
        // first good close after only bad ones: still owes its recovery bars
        if (entry.barsLeft > 0) entry.barsLeft--;
        return;
      }
      const jump = close / previous - 1;
      if (Math.abs(jump) > maxJump) {
        entry.barsLeft = recoveryBars;
        entry.jump = jump;
      } else if (entry.barsLeft > 0) {
        entry.barsLeft--;
      }
    },
    checkOrder(order) {
      const entry = health.get(order.symbol);
      if (entry === undefined || entry.barsLeft === 0) return null;
      return deny("BROKEN_DATA", { symbol: order.symbol, maxJump, jump: entry.jump, barsLeft: entry.barsLeft });
    },
  };
}
