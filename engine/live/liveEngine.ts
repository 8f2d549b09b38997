import type { Engine } from "../engine.js";
import { setUpEngine, type EngineSetup } from "../engineSetup.js";
import { InputError } from "../errors.js";
import type { Portfolio } from "../portfolio.js";
import type { RiskManager } from "../risk/riskManager.js";
import { LiveSeries, type LiveBar } from "./liveSeries.js";
import { LiveVenue } from "./liveVenue.js";

export interface LiveEngineOptions extends Omit<EngineSetup, "venue" | "sizing"> {
  readonly symbols: readonly string[];
  readonly timeframe: string;
  /**
   * "paper": the engine's own fill model fills the orders against the bars as they arrive
   * (exactly what a backtest of the same bars does); "live": orders are queued for the exchange
   * (`venue.drain()`), sized when decided (an exchange takes a quantity), and filled by what the
   * exchange reports (`engine.applyVenueFill`).
   */
  readonly mode: "paper" | "live";
  /** Bars kept per symbol before the first reallocation. Default 4096. */
  readonly capacity?: number;
}

/**
 * The engine as the live runner drives it: bars arrive one timestamp at a time, as they close.
 * The same Engine, strategy, risk manager and portfolio as a backtest; only the series grow and,
 * in live mode, the venue is the exchange.
 */
export class LiveEngine {
  readonly engine: Engine;
  readonly portfolio: Portfolio;
  readonly risk: RiskManager;
  readonly series: readonly LiveSeries[];
  /** The exchange's side of the engine (live mode only). */
  readonly venue: LiveVenue | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  private steps = 0;
  private started = false;

  constructor(options: LiveEngineOptions) {
    if (options.symbols.length === 0) throw new InputError("NO_SYMBOLS", {}, "a live engine needs at least one symbol");
    // a backtest reads the tick off its whole price columns; live ones are empty when indicators bind
    if (options.exactPrices !== false && options.priceDecimals === undefined) {
      throw new InputError("PRICE_DECIMALS", { symbols: options.symbols.join(",") },
        "a live engine needs the instruments' price decimals (from the market's tick size), or exactPrices: false");
    }
    this.series = options.symbols.map((s) => new LiveSeries(s, options.timeframe, options.capacity ?? 4096));
    let venue: LiveVenue | undefined;
    const parts = setUpEngine(this.series, {
      ...options,
      ...(options.mode === "live"
        ? { sizing: "decision" as const, venue: (_e: Engine, barMs: Float64Array) => (venue = new LiveVenue(this.series, barMs)) }
        : {}),
    });
    this.engine = parts.engine;
    this.portfolio = parts.portfolio;
    this.risk = parts.risk;
    this.params = parts.params;
    this.venue = venue;
  }

  /** Open time of the last bar handled for a symbol (NaN before the first). */
  lastTime(symbol: string): number {
    return this.series[this.engine.symbolOf(symbol)]!.lastTime;
  }

  /**
   * Warm-up: history before trading starts. The bars are stored and feed the indicators and the
   * last prices, but the strategy is not called and nothing trades (so a restart never re-decides
   * the past). Must come before the first `onBars`.
   */
  warm(symbol: string, bars: readonly LiveBar[]): void {
    if (this.steps > 0) throw new InputError("WARM_AFTER_START", { symbol }, `warm-up bars for ${symbol} must come before the first live bar`);
    this.start();
    const k = this.engine.symbolOf(symbol);
    const s = this.series[k]!;
    for (const bar of bars) {
      const i = s.append(bar);
      this.engine.seriesGrew(k);
      this.engine.warm(k, i);
    }
  }

  /**
   * Handles the closed bars of one timestamp (one per symbol at most, in any order): each goes
   * through the engine (resting paper orders meet it, then the strategy decides at its close),
   * then equity is marked. Returns the equity. A bar out of order or with impossible prices
   * throws InputError before anything is handled; a strategy that throws, StrategyError.
   */
  onBars(timeMs: number, bars: Readonly<Record<string, LiveBar>>): number {
    this.start();
    const ks = Object.keys(bars).map((symbol) => this.engine.symbolOf(symbol)).sort((a, b) => a - b);
    for (const k of ks) {
      const bar = bars[this.series[k]!.symbol]!;
      if (bar.time !== timeMs) throw new InputError("BAR_TIME", { symbol: this.series[k]!.symbol, time: bar.time, timeMs }, `a bar of ${bar.time} handed in as of ${timeMs}`);
    }
    const indices = ks.map((k) => {
      const i = this.series[k]!.append(bars[this.series[k]!.symbol]!);
      this.engine.seriesGrew(k);
      return i;
    });
    this.engine.step = this.steps++;
    ks.forEach((k, j) => this.engine.bar(k, indices[j]!));
    return this.engine.sample(timeMs);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.engine.start();
  }
}
