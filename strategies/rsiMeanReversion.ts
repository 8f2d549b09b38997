import { defineStrategy, isOpenStatus, type Order, type Rsi } from "../engine/index.js";

interface State {
  readonly rsi: Rsi;
  /** The entry or exit market order still waiting for its fill, if any. */
  pending: Readonly<Order> | undefined;
  /** The protective stop of the current position, if any. */
  stop: Readonly<Order> | undefined;
  /** False after a stop-out until RSI is back at or above `oversold` (no re-entry into the same dip). */
  armed: boolean;
}

/**
 * RSI mean reversion, long only.
 *
 * - Indicator: Wilder RSI(`period`) of closes (`ctx.rsi(period)`), ready after
 *   `period + 1` bars; nothing happens before it is ready.
 * - Entry: on bar t, when flat, armed, with no order pending, and RSI(t) < `oversold`: a market
 *   `orderTargetPercent(allocation)`. It fills at bar t+1's open, sized there as
 *   floor(allocation × equity / (open × (1 + commission rate))) units for a percent commission.
 * - Exit: on bar t, when long and RSI(t) > `exitLevel`: any protective stop is canceled and a
 *   market `orderTargetPercent(0)` sells the whole position at bar t+1's open.
 * - Stop-loss (`stopLossPct` > 0): when an entry fills, a GTC reduce-only STOP sell for the whole
 *   position is placed at averageEntryPrice × (1 − stopLossPct) (from onFill, so relative to the
 *   real fill price). It first meets the bar after the entry's fill bar; a bar that gaps below it
 *   fills at that bar's open, otherwise at the stop price. After a stop-out the strategy is
 *   disarmed: it re-enters only after RSI has been back at or above `oversold` on some bar.
 * - `oversold` ≤ 50 ≤ `exitLevel` by their ranges, so the two levels never contradict.
 */
export const rsiMeanReversion = defineStrategy({
  name: "rsi-mean-reversion",
  description: "Long when Wilder RSI drops below the oversold level, flat when it rises above the exit level; optional stop-loss.",
  params: {
    period: { default: 14, min: 2, max: 200, integer: true, hot: false, description: "RSI period (bars, Wilder smoothing)" },
    oversold: { default: 30, min: 1, max: 50, description: "enter long when RSI is below this" },
    exitLevel: { default: 70, min: 50, max: 99, description: "exit when RSI is above this (70: overbought; 50: back at the mean)" },
    allocation: { default: 1, min: 0.01, max: 1, description: "fraction of equity to hold while long" },
    stopLossPct: { default: 0, min: 0, max: 0.5, description: "protective stop this fraction below the entry price (0 = none)" },
  },
  init(ctx, p): State {
    return { rsi: ctx.rsi(p.period), pending: undefined, stop: undefined, armed: true };
  },
  onBar(ctx, s) {
    const p = ctx.params;
    const r = s.rsi.value;
    if (Number.isNaN(r)) return;
    if (!s.armed && r >= p.oversold) s.armed = true;
    if (s.pending && isOpenStatus(s.pending.status)) return;
    s.pending = undefined;
    if (ctx.position === 0) {
      if (s.armed && r < p.oversold) s.pending = ctx.orderTargetPercent(p.allocation, { tag: "entry" });
    } else if (ctx.position > 0 && r > p.exitLevel) {
      if (s.stop) ctx.cancel(s.stop);
      s.stop = undefined;
      s.pending = ctx.orderTargetPercent(0, { tag: "exit" });
    }
  },
  onFill(ctx, s, fill) {
    if (s.stop && fill.orderId === s.stop.id) {
      // stopped out: wait for RSI to leave the oversold zone before buying again
      s.stop = undefined;
      s.armed = false;
      return;
    }
    const pct = ctx.params.stopLossPct;
    if (fill.side !== "buy" || pct <= 0 || ctx.position <= 0) return;
    if (s.stop && isOpenStatus(s.stop.status)) ctx.cancel(s.stop);
    s.stop = ctx.sell(ctx.position, { type: "stop", stopPrice: ctx.averagePrice() * (1 - pct), reduceOnly: true, tag: "stop-loss" });
  },
});

export default rsiMeanReversion;
