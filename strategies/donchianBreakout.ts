import { defineStrategy, isOpenStatus, type Atr, type Donchian, type Order } from "../engine/index.js";

interface State {
  readonly entryChannel: Donchian;
  readonly exitChannel: Donchian;
  readonly atr: Atr;
  /** Channel edges of the bars BEFORE the one being handled (NaN until ready). */
  prevUpper: number;
  prevLower: number;
  /** The entry or exit market order still waiting for its fill, if any. */
  pending: Readonly<Order> | undefined;
  /** The trailing stop protecting the current position, if any. */
  trail: Readonly<Order> | undefined;
}

/**
 * Donchian channel breakout (turtle style), long only.
 *
 * - Channels: a bound Donchian channel includes the bar it was just fed, so on bar t the strategy
 *   compares with the values it kept from bar t−1: prevUpper = highest high of bars
 *   t−entryPeriod … t−1, prevLower = lowest low of bars t−exitPeriod … t−1. Comparing with the
 *   channel that includes bar t would be wrong (close(t) ≤ high(t) can never exceed it).
 * - Entry: on bar t, when flat with no order pending and close(t) > prevUpper (strictly): a
 *   market `orderTargetPercent(allocation)`, filled at bar t+1's open and sized there as
 *   floor(allocation × equity / (open × (1 + commission rate))) for a percent commission.
 * - Exit: on bar t, when long and close(t) < prevLower (strictly): the trailing stop is canceled
 *   and a market `orderTargetPercent(0)` sells everything at bar t+1's open.
 * - Trailing stop (`atrMultiple` > 0): when the entry fills (onFill), a GTC reduce-only
 *   TRAILING_STOP sell for the whole position with trailAmount = atrMultiple × ATR(atrPeriod),
 *   the Wilder ATR as of the bar before the fill bar (the last bar whose close is known at the
 *   open). The venue starts its level at the fill bar's close − trailAmount, first meets it with
 *   the next bar, then raises it to each bar's high − trailAmount. No trailing stop is placed
 *   while ATR is not ready yet.
 */
export const donchianBreakout = defineStrategy({
  name: "donchian-breakout",
  description: "Long on a close above the previous N-bar high, flat on a close below the previous M-bar low; optional ATR trailing stop.",
  params: {
    entryPeriod: { default: 20, min: 1, max: 400, integer: true, hot: false, description: "bars of the entry channel (highest high)" },
    exitPeriod: { default: 10, min: 1, max: 400, integer: true, hot: false, description: "bars of the exit channel (lowest low)" },
    atrPeriod: { default: 14, min: 1, max: 400, integer: true, hot: false, description: "ATR period (Wilder) for the trailing stop" },
    atrMultiple: { default: 0, min: 0, max: 20, description: "trailing stop distance in ATRs (0 = no trailing stop)" },
    allocation: { default: 1, min: 0.01, max: 1, description: "fraction of equity to hold while long" },
  },
  init(ctx, p): State {
    return {
      entryChannel: ctx.donchian(p.entryPeriod),
      exitChannel: ctx.donchian(p.exitPeriod),
      atr: ctx.atr(p.atrPeriod),
      prevUpper: NaN, prevLower: NaN, pending: undefined, trail: undefined,
    };
  },
  onBar(ctx, s) {
    const upper = s.prevUpper, lower = s.prevLower;
    // keep this bar's channel for the next bar before anything can return
    s.prevUpper = s.entryChannel.upper;
    s.prevLower = s.exitChannel.lower;
    if (s.pending && isOpenStatus(s.pending.status)) return;
    s.pending = undefined;
    const c = ctx.close;
    if (ctx.position === 0) {
      if (c > upper) s.pending = ctx.orderTargetPercent(ctx.params.allocation, { tag: "entry" });
    } else if (ctx.position > 0 && c < lower) {
      if (s.trail && isOpenStatus(s.trail.status)) ctx.cancel(s.trail);
      s.trail = undefined;
      s.pending = ctx.orderTargetPercent(0, { tag: "exit" });
    }
  },
  onFill(ctx, s, fill) {
    if (s.trail && fill.orderId === s.trail.id) {
      s.trail = undefined;
      return;
    }
    const m = ctx.params.atrMultiple;
    if (fill.side !== "buy" || !(m > 0) || !s.atr.ready || ctx.position <= 0) return;
    if (s.trail && isOpenStatus(s.trail.status)) ctx.cancel(s.trail);
    s.trail = ctx.sell(ctx.position, { type: "trailing_stop", trailAmount: m * s.atr.value, reduceOnly: true, tag: "trailing-stop" });
  },
});

export default donchianBreakout;
