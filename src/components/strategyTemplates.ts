/**
 * What a new strategy document starts from: a few templates written against the strategy API
 * (TypeScript, as the editor takes it), and the one way they are put into a document.
 *
 * Two people may create the same strategy at the same moment, each offline or before the other's
 * copy arrives. The template therefore goes in as a Yjs update made by a client whose id is a hash
 * of the template's text: both make the very same update, which Yjs applies once.
 *
 * @example
 * seedStrategy(doc, "trend-1", "above-sma");   // true when the document was empty and got the template
 */
import * as Y from "yjs";

export interface StrategyTemplate {
  readonly id: string;
  readonly title: string;
  /** The source, with `name` as the strategy's name. */
  source(name: string): string;
}

/**
 * A document id, which is also the strategy's name: the hub's rule for ids (lower case, digits,
 * "-" and "_", at most 64; engine/node/hub/docNames.ts), which defineStrategy's names include.
 */
export const STRATEGY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const TEMPLATES: readonly StrategyTemplate[] = [
  {
    id: "above-sma",
    title: "Above its moving average",
    source: (name) => `// Strategy "${name}": edited together, run in your browser's backtest worker.
// The default export is the definition; ctx gives the bar, history, indicators and orders.
import { defineStrategy } from "qw";

export default defineStrategy({
  name: "${name}",
  description: "Long while the close is above its moving average, flat below it.",
  params: {
    period: { default: 50, min: 2, max: 500, integer: true, description: "SMA period (bars)" },
    allocation: { default: 0.5, min: 0.01, max: 1, description: "fraction of equity" },
  },
  init(ctx, p) {
    return { sma: ctx.sma(p.period) };
  },
  onBar(ctx, s) {
    if (!s.sma.ready) return;
    const above = ctx.close > s.sma.value;
    if (above && ctx.position === 0) ctx.orderTargetPercent(ctx.params.allocation);
    else if (!above && ctx.position > 0) ctx.orderTargetPercent(0);
  },
});
`,
  },
  {
    id: "rsi-reversion",
    title: "RSI mean reversion",
    source: (name) => `// Strategy "${name}": buy when the RSI is oversold, sell when it is overbought.
import { defineStrategy } from "qw";

export default defineStrategy({
  name: "${name}",
  description: "Long below an RSI floor, flat above a ceiling.",
  params: {
    period: { default: 14, min: 2, max: 100, integer: true, description: "RSI period (bars)" },
    buyBelow: { default: 30, min: 1, max: 99, description: "enter when the RSI is below" },
    sellAbove: { default: 70, min: 1, max: 99, description: "exit when the RSI is above" },
  },
  init(ctx, p) {
    return { rsi: ctx.rsi(p.period) };
  },
  onBar(ctx, s) {
    if (!s.rsi.ready) return;
    if (s.rsi.value < ctx.params.buyBelow && ctx.position === 0) ctx.orderTargetPercent(0.9);
    else if (s.rsi.value > ctx.params.sellAbove && ctx.position > 0) ctx.orderTargetPercent(0);
  },
});
`,
  },
  {
    id: "blank",
    title: "Blank",
    source: (name) => `import { defineStrategy } from "qw";

export default defineStrategy({
  name: "${name}",
  params: {},
  init(ctx, p) {
    return {};
  },
  onBar(ctx, s) {
  },
});
`,
  },
];

/** FNV-1a, 32 bits: the seeding client's id (never 0, which no random client id avoids either). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h || 1;
}

/**
 * Puts template `templateId` (named `id`) into `doc`'s Y.Text "source" when that text is empty,
 * as the update every client makes alike (see above). Returns whether it did.
 */
export function seedStrategy(doc: Y.Doc, id: string, templateId: string): boolean {
  const source = doc.getText("source");
  if (source.length > 0) return false;
  const template = TEMPLATES.find((t) => t.id === templateId) ?? TEMPLATES[0]!;
  const text = template.source(id);
  const seed = new Y.Doc();
  seed.clientID = hash32(`${template.id}\n${text}`);
  seed.getText("source").insert(0, text);
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(seed), "template");
  seed.destroy();
  return true;
}
