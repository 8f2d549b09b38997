import { defineStrategy, isOpenStatus, type Bollinger, type Order } from "../engine/index.js";

interface State {
  readonly bands: Bollinger;
  /** The entry market order still waiting for its fill, if any. */
  entry: Readonly<Order> | undefined;
  /** The resting exit limit at the middle band, if any. */
  exit: Readonly<Order> | undefined;
}

/**
 * Bollinger-band mean reversion: buy a close below the lower band, take profit at the middle band
 * with a resting LIMIT order.
 *
 * - Bands: middle = SMA(`period`) of closes, upper / lower = middle ± `k` × population σ of the
 *   same window (`ctx.bollinger(period, k)`: averaged in exact price ticks when the closes allow
 *   it), ready after `period` bars.
 * - Entry, long: on bar t, when flat with no entry pending and close(t) < lower(t): a market
 *   `orderTargetPercent(allocation)`, filled at bar t+1's open and sized there as
 *   floor(allocation × equity / (open × (1 + commission rate))) for a percent commission.
 * - Entry, short (only with `allowShort`): when flat and close(t) > upper(t):
 *   `orderTargetPercent(−allocation)`, same timing and sizing.
 * - Exit: a reduce-only GTC LIMIT order for the whole position at the middle band — a sell
 *   limit for a long, a buy limit for a short. It is placed on the first bar handled while the
 *   position is open (the entry's fill bar, t+1, at middle(t+1)) and on every later bar moved to
 *   that bar's middle band (`modify`), so the bar after bar u is met by a limit at middle(u).
 *   It fills at the limit when the bar's range reaches it, or at the open when the bar opens
 *   beyond it (a better price). There is no stop: the position is held until the band is reached.
 * - New entries only from flat: a long is never reversed into a short on one bar, or vice versa.
 */
export const bollingerMeanReversion = defineStrategy({
  name: "bollinger-mean-reversion",
  description: "Long below the lower Bollinger band (short above the upper one if allowed); exit with a limit order at the middle band.",
  params: {
    period: { default: 20, min: 2, max: 400, integer: true, hot: false, description: "SMA / standard deviation window (bars)" },
    k: { default: 2, min: 0.1, max: 10, hot: false, description: "band width in population standard deviations" },
    allocation: { default: 1, min: 0.01, max: 1, description: "fraction of equity per position" },
    allowShort: { default: false, description: "also sell short when the close is above the upper band" },
  },
  init(ctx, p): State {
    return { bands: ctx.bollinger(p.period, p.k), entry: undefined, exit: undefined };
  },
  onBar(ctx, s) {
    const b = s.bands;
    if (!b.ready) return;
    const pos = ctx.position;
    if (pos !== 0) {
      const qty = Math.abs(pos);
      if (s.exit && isOpenStatus(s.exit.status) && s.exit.side === (pos > 0 ? "sell" : "buy")) {
        if (s.exit.limitPrice !== b.middle || s.exit.quantity - s.exit.filledQuantity !== qty) {
          ctx.modify(s.exit, { limitPrice: b.middle, quantity: s.exit.filledQuantity + qty });
        }
      } else {
        if (s.exit && isOpenStatus(s.exit.status)) ctx.cancel(s.exit);
        const side = pos > 0 ? "sell" : "buy";
        s.exit = ctx.order({ symbol: ctx.symbol, side, type: "limit", quantity: qty, limitPrice: b.middle, reduceOnly: true, tag: "exit" });
      }
      return;
    }
    if (s.exit && isOpenStatus(s.exit.status)) ctx.cancel(s.exit);
    s.exit = undefined;
    if (s.entry && isOpenStatus(s.entry.status)) return;
    s.entry = undefined;
    const c = ctx.close, p = ctx.params;
    if (c < b.lower) s.entry = ctx.orderTargetPercent(p.allocation, { tag: "entry" });
    else if (p.allowShort && c > b.upper) s.entry = ctx.orderTargetPercent(-p.allocation, { tag: "entry" });
  },
});

export default bollingerMeanReversion;
