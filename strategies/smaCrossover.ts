import { InputError, crossover, defineStrategy } from "../engine/index.js";

/**
 * SMA crossover, long only: buy with all equity when the fast average crosses above the slow
 * one while flat; sell the whole position when it crosses below while long.
 *
 * The crossing rule is backtrader's `CrossOver`, so results compare with it fill for fill: an
 * up-cross happens on bar t when `fast − slow > 0` on bar t and the last NON-ZERO value of
 * `fast − slow` before t was `< 0` (mirror for a down-cross); a bar where the averages are
 * exactly equal is neither. Averages are computed in exact price ticks (`ctx.sma`), so such
 * ties really are ties. The signal uses bar t's close; the market order fills at bar t+1's open,
 * sized there as floor(allocation × equity / (open × (1 + commission rate))).
 */
export const smaCrossover = defineStrategy({
  name: "sma-crossover",
  description: "Long when the fast SMA crosses above the slow SMA, flat when it crosses below.",
  params: {
    fast: { default: 10, min: 2, max: 200, integer: true, hot: false, description: "fast SMA period (bars)" },
    slow: { default: 30, min: 3, max: 400, integer: true, hot: false, description: "slow SMA period (bars)" },
    allocation: { default: 1, min: 0.01, max: 1, description: "fraction of equity each entry buys (1 = all in; 1/N to share among N symbols)" },
  },
  init(ctx, p) {
    if (p.fast >= p.slow) throw new InputError("BAD_PARAMS", { fast: p.fast, slow: p.slow }, `sma-crossover: fast (${p.fast}) must be shorter than slow (${p.slow})`);
    return { fast: ctx.sma(p.fast), slow: ctx.sma(p.slow), cross: crossover() };
  },
  onBar(ctx, s) {
    const signal = s.cross.update(s.fast.value, s.slow.value);
    if (signal > 0 && ctx.position === 0) ctx.orderTargetPercent(ctx.params.allocation);
    else if (signal < 0 && ctx.position > 0) ctx.orderTargetPercent(0);
  },
});

export default smaCrossover;
