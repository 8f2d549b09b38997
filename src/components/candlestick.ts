/**
 * Candlesticks of one symbol's bars with the trades' entries and exits marked, drawn with
 * Observable Plot (bare import: bundled, nothing fetched). A pure function of its data:
 * (bars, trades, options) → element. Only a window of bars is drawn (the last 200 by default,
 * or the bars around one trade), never more than `maxCandles`, so long series stay fast.
 */
import * as Plot from "@observablehq/plot";
import type { Trade } from "../engine/records.js";
import { lowerBound } from "../engine/time.js";
import { el } from "./dataView.js";

/** What the chart needs of a BarSeries. */
export interface CandleBars {
  readonly symbol: string;
  readonly time: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly length: number;
}

export interface CandlestickOptions {
  /** Width in px. Default 760. */
  readonly width?: number;
  /** Height in px. Default 320. */
  readonly height?: number;
  /** Without `around` or `window`: the last this many bars. Default 200. */
  readonly lastN?: number;
  /** The last bar time (UTC ms) the "last N bars" end at: a run that stopped early shows the bars it reached. Default the last bar. */
  readonly untilMs?: number;
  /** Show the bars around this trade (its whole life, with some bars either side). */
  readonly around?: Pick<Trade, "entryTimeMs" | "exitTimeMs">;
  /** Bar indices [start, end) to show; wins over `around` and `lastN`. */
  readonly window?: readonly [number, number];
  /** Hard cap on the candles drawn. Default 2000. */
  readonly maxCandles?: number;
}

export const UP = "#16a34a";
export const DOWN = "#dc2626";
export const LONG = "#2563eb";
export const SHORT = "#ea580c";

/** The bar indices [start, end) the options ask for, at most `maxCandles` long. */
export function chooseWindow(time: ArrayLike<number>, options: CandlestickOptions = {}): [number, number] {
  const n = time.length;
  const cap = Math.max(1, Math.floor(options.maxCandles ?? 2000));
  const lastN = Math.max(1, Math.min(cap, Math.floor(options.lastN ?? 200)));
  let start: number, end: number;
  if (options.window) {
    start = Math.max(0, Math.min(n, Math.floor(options.window[0])));
    end = Math.max(start, Math.min(n, Math.floor(options.window[1])));
  } else if (options.around) {
    const a = lowerBound(time, options.around.entryTimeMs);
    const b = Math.min(n, lowerBound(time, options.around.exitTimeMs) + 1);
    const pad = Math.max(10, Math.round((b - a) * 0.5));
    start = Math.max(0, a - pad);
    end = Math.min(n, b + pad);
  } else {
    const u = options.untilMs === undefined ? n : lowerBound(time, options.untilMs);
    end = options.untilMs === undefined ? n : Math.min(n, Math.max(1, u + (time[u] === options.untilMs ? 1 : 0)));
    start = Math.max(0, end - lastN);
  }
  if (end - start > cap) {
    // keep the end (the latest bars, or the trade's exit side) in view
    start = end - cap;
  }
  return [start, end];
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const price = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 4 });
const money = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * The candlestick chart of `bars` in the chosen window with the `trades` of its symbol marked:
 * a triangle at each entry (up for long, down for short), a ring at each exit, coloured by
 * direction, each with a tooltip (title) giving the trade's net PnL. The element carries
 * `data-candles`, `data-from`/`data-to` (ms), `data-entries` and `data-exits`.
 *
 * @example
 * display(candlestick(bars, result.trades, { width }));
 */
export function candlestick(bars: CandleBars, trades: readonly Trade[], options: CandlestickOptions = {}): HTMLElement {
  const width = options.width ?? 760;
  const height = options.height ?? 320;
  const figure = el("div", { class: "qw-chart qw-candles", "data-testid": "candlestick" });
  if (bars.length === 0) {
    figure.textContent = "No bars to draw.";
    return figure;
  }
  const [start, end] = chooseWindow(bars.time, options);
  const { time, open, high, low, close } = bars;
  const up: number[] = [], down: number[] = [];
  for (let i = start; i < end; i++) (close[i]! >= open[i]! ? up : down).push(i);
  const from = time[start]!, to = time[end - 1]!;
  const numbered = trades.map((t, k) => ({ t, k })).filter(({ t }) => t.symbol === bars.symbol);
  const entries = numbered.filter(({ t }) => t.entryTimeMs >= from && t.entryTimeMs <= to);
  const exits = numbered.filter(({ t }) => t.exitTimeMs >= from && t.exitTimeMs <= to);

  const date = (i: number) => new Date(time[i]!);
  const candles = end - start;
  const plotWidth = width - 70 - 20;
  const body = Math.max(1, Math.min(9, Math.floor((plotWidth / candles) * 0.7)));
  const wick = body >= 3 ? 1 : Math.max(0.5, body / 2);
  const candleMarks = (index: number[], color: string) => [
    Plot.ruleX(index, { x: date, y1: (i: number) => low[i]!, y2: (i: number) => high[i]!, stroke: color, strokeWidth: wick, className: "qw-wick" }),
    Plot.ruleX(index, {
      x: date, y1: (i: number) => open[i]!, y2: (i: number) => (close[i] === open[i] ? open[i]! + 1e-9 : close[i]!), stroke: color, strokeWidth: body, className: "qw-body",
      title: (i: number) => `${stamp(time[i]!)}\nO ${price(open[i]!)}  H ${price(high[i]!)}\nL ${price(low[i]!)}  C ${price(close[i]!)}`,
    }),
  ];
  const tip = ({ t, k }: { t: Trade; k: number }, what: "entry" | "exit") =>
    `Trade #${k + 1} · ${t.direction} ${what}\n${stamp(what === "entry" ? t.entryTimeMs : t.exitTimeMs)} @ ${price(what === "entry" ? t.entryPrice : t.exitPrice)}\nqty ${t.quantity.toLocaleString("en-US")} · net PnL ${money(t.netPnl)}`;
  type Mark = { t: Trade; k: number };
  const dir = (m: Mark) => (m.t.direction === "long" ? LONG : SHORT);
  const chart = Plot.plot({
    width, height, marginLeft: 70, marginRight: 20, marginBottom: 28,
    x: { type: "utc", label: null, domain: [new Date(from), new Date(to)], inset: Math.max(6, body) },
    y: { label: `${bars.symbol} price`, grid: true, nice: true },
    marks: [
      ...candleMarks(up, UP),
      ...candleMarks(down, DOWN),
      Plot.dot(entries, {
        x: (m: Mark) => new Date(m.t.entryTimeMs), y: (m: Mark) => m.t.entryPrice, symbol: "triangle",
        rotate: (m: Mark) => (m.t.direction === "long" ? 0 : 180), r: 6, fill: dir, stroke: "white", strokeWidth: 1,
        title: (m: Mark) => tip(m, "entry"), className: "qw-entry",
      }),
      Plot.dot(exits, {
        x: (m: Mark) => new Date(m.t.exitTimeMs), y: (m: Mark) => m.t.exitPrice, symbol: "circle",
        r: 4.5, fill: "white", stroke: dir, strokeWidth: 2,
        title: (m: Mark) => tip(m, "exit"), className: "qw-exit",
      }),
    ],
  });
  const caption = el("div", { class: "qw-candles-caption" },
    `${bars.symbol}: bars ${(start + 1).toLocaleString("en-US")}–${end.toLocaleString("en-US")} of ${bars.length.toLocaleString("en-US")} (${stamp(from)} – ${stamp(to)} UTC) · `,
    el("span", { style: `color:${LONG}` }, "▲ long"), " / ", el("span", { style: `color:${SHORT}` }, "▼ short"),
    ` entries (${entries.length}), ○ exits (${exits.length})`);
  Object.assign(figure.dataset, { candles: String(candles), from: String(from), to: String(to), entries: String(entries.length), exits: String(exits.length) });
  figure.append(caption, chart);
  return figure;
}

/** Options of candlestickPanel: the chart's, plus the other symbols of the run. */
export interface CandlestickPanelOptions extends Omit<CandlestickOptions, "window" | "around"> {
  /** The run's symbols: with two or more and `loadBars`, a selector switches the chart between them. */
  readonly symbols?: readonly string[];
  /** Gets a symbol's bars (the page asks the data worker); each symbol is asked once. */
  readonly loadBars?: (symbol: string) => Promise<CandleBars>;
}

/**
 * The chart with its window controls: a number of latest bars to show, a symbol selector for a
 * multi-symbol run (`data-testid="candles-symbol"`), and `showTrade` to jump to the bars around one
 * trade, switching to its symbol (the page calls it when a trade row is clicked).
 */
export function candlestickPanel(bars: CandleBars, trades: readonly Trade[], options: CandlestickPanelOptions = {}): { element: HTMLElement; showTrade: (trade: Trade) => void; showSymbol: (symbol: string) => Promise<void> } {
  const { symbols = [bars.symbol], loadBars, ...chart } = options;
  const cap = chart.maxCandles ?? 2000;
  const lastInput = el("input", { type: "number", min: "10", max: String(cap), step: "10", value: String(chart.lastN ?? 200), "data-testid": "candles-last" });
  const latest = el("button", { "data-testid": "candles-latest" }, "Show the latest");
  const symbolSelect = el("select", { "data-testid": "candles-symbol", "aria-label": "Symbol of the chart" }, ...symbols.map((s) => el("option", { value: s }, s)));
  symbolSelect.value = bars.symbol;
  const slot = el("div");
  const loaded = new Map<string, Promise<CandleBars>>([[bars.symbol, Promise.resolve(bars)]]);
  let current = bars;
  let asked = 0; // the latest symbol asked for wins over slower earlier answers
  const draw = (extra: CandlestickOptions) => slot.replaceChildren(candlestick(current, trades, { ...chart, lastN: lastInput.valueAsNumber || 200, ...extra }));
  const showSymbol = async (symbol: string, extra: CandlestickOptions = {}): Promise<void> => {
    const token = ++asked;
    symbolSelect.value = symbol;
    if (symbol === current.symbol) return void draw(extra);
    if (!loadBars) return;
    if (!loaded.has(symbol)) {
      slot.replaceChildren(el("p", { class: "qw-status" }, `Loading the bars of ${symbol}…`));
      loaded.set(symbol, loadBars(symbol));
    }
    try {
      const next = await loaded.get(symbol)!;
      if (token !== asked) return;
      current = next;
      draw(extra);
    } catch (error) {
      loaded.delete(symbol);
      if (token !== asked) return;
      slot.replaceChildren(el("p", { class: "qw-error", role: "alert" }, `Could not load the bars of ${symbol}: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
  lastInput.addEventListener("change", () => draw({}));
  latest.addEventListener("click", () => draw({}));
  symbolSelect.addEventListener("change", () => void showSymbol(symbolSelect.value));
  draw({});
  const many = symbols.length > 1 && loadBars !== undefined;
  const element = el("div", { class: "qw-candles-panel" },
    el("div", { class: "qw-candles-controls" },
      ...(many ? [el("label", {}, "Symbol ", symbolSelect)] : []),
      el("label", {}, "Latest ", lastInput, " bars"), latest,
      el("small", {}, "click a trade in the list below to see the bars around it")),
    slot);
  return { element, showTrade: (trade) => void showSymbol(trade.symbol, { around: trade }), showSymbol: (symbol) => showSymbol(symbol) };
}
