/**
 * Streaming technical indicators (one `update` per bar, `replace` for a forming bar) and their
 * batch forms, which are bit-identical to streaming.
 *
 * @example
 * import { sma, crossover } from "./indicators/index.js";
 */
export type { BarIndicator, DecimalsOptions, Indicator, ScalarIndicator } from "./types.js";
export { Sma, sma, smaBatch } from "./sma.js";
export { Ema, ema, emaBatch } from "./ema.js";
export { Wma, wma, wmaBatch } from "./wma.js";
export { Rsi, rsi, rsiBatch } from "./rsi.js";
export { Macd, macd, macdBatch } from "./macd.js";
export { Bollinger, bollinger, bollingerBatch } from "./bollinger.js";
export { Roc, roc, rocBatch } from "./roc.js";
export { Atr, atr, atrBatch } from "./atr.js";
export { Stochastic, stochastic, stochasticBatch } from "./stochastic.js";
export { Donchian, donchian, donchianBatch } from "./donchian.js";
export { Obv, obv, obvBatch } from "./obv.js";
export { Vwap, vwap, vwapBatch } from "./vwap.js";
export { Crossover, crossover, crossoverBatch } from "./crossover.js";
