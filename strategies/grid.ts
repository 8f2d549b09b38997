import { defineStrategy, isOpenStatus, type Order, type StrategyContext } from "../engine/index.js";

type RiskMode = "fixed" | "percent";

/** The parameter values a live grid was built with; a change of any of them rebuilds it. */
interface GridSpec {
  readonly spacing: number;
  readonly levels: number;
  readonly mode: RiskMode;
  readonly size: number;
  readonly percent: number;
}

interface State {
  /** The grid's reference price (NaN before the first bar). */
  anchor: number;
  /** True when a grid order filled since the grid was last built. */
  moved: boolean;
  /** What the live grid was built with (undefined before the first build). */
  built: GridSpec | undefined;
  /** The live grid's orders, and their ids (to recognise their fills). */
  orders: Readonly<Order>[];
  readonly ids: Set<number>;
}

/**
 * Grid trading, long-only inventory, with hot parameter updates.
 *
 * Every parameter is read from `ctx.params` on every bar (never captured in init), so a live
 * runner can change them while it runs: values changed before bar t is handled are used by
 * bar t's onBar, and the orders they give first meet bar t+1.
 *
 * - Anchor: the close of the first bar, then the price of the latest grid fill (when one bar
 *   fills several grid orders, the last one the venue processed: the venue matches orders
 *   oldest first). Also, on a bar that ends with no inventory and a close above
 *   anchor × (1 + grid_spacing), the anchor moves up to that close: with nothing to sell, a grid
 *   left below a rising market would never trade again.
 * - Grid (built on bar t, first met by bar t+1): for j = 1 … `levels`
 *   - a GTC LIMIT buy at anchor × (1 − j × grid_spacing), nearest level first, while the
 *     account's cash covers the buys placed so far (Σ price × quantity, commission not included;
 *     the first level that does not fit ends the buy side), and never at or below zero;
 *   - a GTC reduce-only LIMIT sell at anchor × (1 + j × grid_spacing), only against inventory:
 *     sells are added nearest level first while the position lasts, the last one taking
 *     whatever is left (with no position there are no sells; the strategy never goes short).
 *   Buys are created nearest level first, then sells nearest first, so within one bar the venue
 *   matches them in that order.
 * - Size per level (`risk_mode`):
 *   - "fixed": `order_size` units per level (sells capped by the inventory left);
 *   - "percent": floor(`order_percent` × equity / level price) whole units, with equity as of
 *     the bar the grid is built on; levels that round to zero units are skipped.
 * - Rebuild, in onBar: on the first bar; on a bar with a grid fill (onFill only records the
 *   fill price as the new anchor) or where the anchor followed the price up; and on a bar where
 *   any of `grid_spacing`, `levels`, `risk_mode`, `order_size`, `order_percent` differs from
 *   the values the live grid was built with. A rebuild cancels every still-open order of the old
 *   grid, then places the new one. Otherwise the resting orders are left alone (no churn).
 * - Fills: a limit fills at its price when the bar's range reaches it, or at the open when the
 *   bar opens beyond it. A buy whose commission the cash no longer covers is refused by the
 *   venue (INSUFFICIENT_BUYING_POWER) and that level stays empty until the next rebuild.
 */
export const grid = defineStrategy({
  name: "grid",
  description: "Resting limit buys below and inventory sells above a reference price that follows the fills; parameters can change mid-run.",
  params: {
    grid_spacing: { default: 0.01, min: 0.0001, max: 0.5, description: "distance between levels as a fraction of the anchor (0.01 = 1 %)" },
    levels: { default: 5, min: 1, max: 50, integer: true, description: "number of levels on each side of the anchor" },
    risk_mode: { default: "fixed", options: ["fixed", "percent"], description: "fixed: order_size units per level; percent: order_percent of equity per level" },
    order_size: { default: 1, min: 1e-8, max: 1e12, description: "units per level in fixed mode" },
    order_percent: { default: 0.05, min: 0.0001, max: 1, description: "fraction of equity per level in percent mode" },
  },
  init(): State {
    return { anchor: NaN, moved: false, built: undefined, orders: [], ids: new Set() };
  },
  onBar(ctx, s) {
    const p = ctx.params;
    const spec: GridSpec = { spacing: p.grid_spacing, levels: p.levels, mode: p.risk_mode, size: p.order_size, percent: p.order_percent };
    if (Number.isNaN(s.anchor)) s.anchor = ctx.close;
    // nothing to sell into a rise: follow the price up rather than wait below it
    if (ctx.position <= 0 && ctx.close > s.anchor * (1 + spec.spacing)) {
      s.anchor = ctx.close;
      s.moved = true;
    }
    if (!s.moved && s.built !== undefined && sameSpec(s.built, spec)) return;
    rebuild(ctx, s, spec);
  },
  onFill(_ctx, s, fill) {
    // only the fill's own price: the bar's later prices are not known when it happens
    if (!s.ids.has(fill.orderId)) return;
    s.anchor = fill.price;
    s.moved = true;
  },
});

function sameSpec(a: GridSpec, b: GridSpec): boolean {
  return a.spacing === b.spacing && a.levels === b.levels && a.mode === b.mode && a.size === b.size && a.percent === b.percent;
}

function rebuild(ctx: StrategyContext<unknown>, s: State, spec: GridSpec): void {
  for (const o of s.orders) if (isOpenStatus(o.status)) ctx.cancel(o);
  s.orders = [];
  s.ids.clear();
  const equity = ctx.equity;
  const size = (price: number): number => (spec.mode === "fixed" ? spec.size : Math.floor((spec.percent * equity) / price));
  const add = (o: Readonly<Order>): void => {
    s.orders.push(o);
    s.ids.add(o.id);
  };
  // buys are funded nearest level first from the cash not yet committed to this grid
  let budget = ctx.cash;
  for (let j = 1; j <= spec.levels; j++) {
    const price = s.anchor * (1 - j * spec.spacing);
    if (!(price > 0)) break;
    const qty = size(price);
    if (!(qty > 0)) continue;
    if (qty * price > budget) break;
    budget -= qty * price;
    add(ctx.buy(qty, { type: "limit", limitPrice: price, tag: `grid-buy-${j}` }));
  }
  let inventory = Math.max(0, ctx.position);
  for (let j = 1; j <= spec.levels && inventory > 0; j++) {
    const price = s.anchor * (1 + j * spec.spacing);
    const qty = Math.min(size(price), inventory);
    // dust left by fractional sizes is not worth an order
    if (!(qty > 1e-9)) continue;
    add(ctx.sell(qty, { type: "limit", limitPrice: price, reduceOnly: true, tag: `grid-sell-${j}` }));
    inventory -= qty;
  }
  s.built = spec;
  s.moved = false;
}

export default grid;
