/**
 * Walk-forward windows: where each in-sample (optimise) and out-of-sample (trade) window of a
 * walk-forward analysis lies on a timeline. Isomorphic and pure.
 *
 * Lengths are bars (a number, "500", "500 bars") or durations ("90d", "12h", "4w", { ms }).
 * Rolling mode keeps the in-sample length fixed and slides it; anchored mode starts every
 * in-sample window at the first bar, so it grows by one step each time. The step defaults to the
 * out-of-sample length, so the out-of-sample windows tile the data without overlap or gap.
 *
 * @example
 * planWalkForward(bars.time, { mode: "rolling", inSample: "60d", outOfSample: "30d" });
 * // → [{ index: 0, inSample: { start: 0, end: 1440, fromMs, toMs }, outOfSample: { start: 1440, end: 2160, … }, warmUp: …, partial: false }, …]
 */
import { InputError } from "./errors.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, formatTime, lowerBound, medianSpacingMs } from "./time.js";

/** A window length: bars (a number, or "500" / "500 bars"), or a duration ("90d", "12h", "4w", "30m", "45s", or { ms }). */
export type WindowLength = number | string | { readonly ms: number };

/** A length once parsed: a count of bars, or a duration in ms. */
export type ParsedLength = { readonly bars: number } | { readonly ms: number };

/** What a walk-forward's windows are made of. */
export interface WalkForwardSpec {
  /** "rolling" (fixed in-sample length, default) or "anchored" (every in-sample window starts at the first bar). */
  readonly mode?: "rolling" | "anchored";
  /** Length of the (first, when anchored) in-sample window, in bars or time. */
  readonly inSample: WindowLength;
  /** Length of each out-of-sample window, in bars or time. */
  readonly outOfSample: WindowLength;
  /** How far each window moves on; the same kind (bars or duration) as the others. Default: the out-of-sample length. */
  readonly step?: WindowLength;
  /**
   * How much history before each out-of-sample window the strategy sees as warm-up (its
   * indicators fill, its orders are refused; see runWarmedUp). Bars or a duration, 0 for none.
   * Default: the in-sample length (for rolling windows, exactly the in-sample window).
   */
  readonly warmUp?: WindowLength;
  /** At most this many windows. Default 1 000. */
  readonly maxWindows?: number;
}

/**
 * Bars [start, end) of the timeline, and the same bars as UTC ms: fromMs ≤ time < toMs selects
 * exactly them (barsBetween), which is how a window is handed to a worker.
 */
export interface WindowSpan {
  readonly start: number;
  readonly end: number;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface WalkForwardWindow {
  /** 0, 1, 2, … in time order. */
  readonly index: number;
  readonly inSample: WindowSpan;
  readonly outOfSample: WindowSpan;
  /** The bars before the out-of-sample window that warm the strategy up (empty when warmUp is 0). Ends where outOfSample starts. */
  readonly warmUp: WindowSpan;
  /** True for a last out-of-sample window cut short by the end of the data. */
  readonly partial: boolean;
}

const DEFAULT_MAX_WINDOWS = 1000;
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE_MS, min: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };
const HOW = "write a number of bars (500), or a duration such as 90d, 12h, 4w or 30m";

/**
 * Parses a window length. `what` names it in errors ("the in-sample length"); `allowZero` lets 0
 * through (a warm-up may be empty). Bars must be whole; durations positive and finite.
 *
 * @example
 * parseWindowLength("90d", "the in-sample length"); // { ms: 7776000000 }
 * parseWindowLength(500, "the in-sample length");   // { bars: 500 }
 */
export function parseWindowLength(length: WindowLength, what: string, allowZero = false): ParsedLength {
  const bad = (why: string): never => {
    throw new InputError("WF_BAD_LENGTH", { what, length: typeof length === "object" ? `${length?.ms} ms` : String(length) }, `walk-forward: ${what} ${why}`);
  };
  const ok = (x: number) => (allowZero ? x >= 0 : x > 0) && Number.isFinite(x);
  if (typeof length === "number") {
    if (!Number.isInteger(length) || !ok(length)) bad(`is ${length} bars; it must be a whole number${allowZero ? " ≥ 0" : " above 0"} (or a duration such as 90d)`);
    return { bars: length };
  }
  if (typeof length === "object" && length !== null && typeof length.ms === "number") {
    if (!ok(length.ms)) bad(`is ${length.ms} ms; a duration must be a finite number of ms${allowZero ? " ≥ 0" : " above 0"}`);
    return { ms: length.ms };
  }
  if (typeof length !== "string") return bad(`is not a length; ${HOW}`);
  const text = length.trim();
  const bars = /^(\d+)\s*(?:bars?|b)?$/i.exec(text);
  if (bars) return parseWindowLength(Number(bars[1]), what, allowZero);
  const duration = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d|w)$/.exec(text);
  if (duration) return parseWindowLength({ ms: Number(duration[1]) * UNITS[duration[2]!]! }, what, allowZero);
  if (/^\d+(?:\.\d+)?\s*(M|mo|months?|y|years?)$/.test(text)) return bad(`"${text}": months and years have no fixed length; give days instead (30d, 365d)`);
  return bad(`"${text}" is not a length; ${HOW}`);
}

/** The distinct times of several series, ascending: the timeline a multi-symbol run steps through. */
export function mergedTimeline(times: readonly ArrayLike<number>[]): Float64Array {
  if (times.length === 1) return Float64Array.from(times[0]!);
  const all = new Float64Array(times.reduce((n, t) => n + t.length, 0));
  let k = 0;
  for (const t of times) for (let i = 0; i < t.length; i++) all[k++] = t[i]!;
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.slice(0, n);
}

const describeLength = (p: ParsedLength) => ("bars" in p ? `${p.bars} bars` : `${+(p.ms / DAY_MS).toPrecision(6)} days`);

/**
 * The windows of a walk-forward over `time` (ascending UTC ms bar times; for several symbols their
 * mergedTimeline). Windows whose in-sample or out-of-sample part holds no bar (a gap in the data)
 * are left out. Throws InputError for a length that is not one, lengths of mixed kinds, a step
 * shorter than the out-of-sample length (its windows would overlap, and a stitched equity curve
 * needs them disjoint), data too short for one window, or more than `maxWindows` windows.
 */
export function planWalkForward(time: ArrayLike<number>, spec: WalkForwardSpec): WalkForwardWindow[] {
  const mode = spec.mode ?? "rolling";
  if (mode !== "rolling" && mode !== "anchored") {
    throw new InputError("WF_BAD_MODE", { mode: String(mode) }, `walk-forward: mode must be "rolling" or "anchored"; got ${JSON.stringify(mode)}`);
  }
  const is = parseWindowLength(spec.inSample, "the in-sample length");
  const oos = parseWindowLength(spec.outOfSample, "the out-of-sample length");
  const step = spec.step === undefined || spec.step === "" ? oos : parseWindowLength(spec.step, "the step");
  const warm = spec.warmUp === undefined || spec.warmUp === "" ? is : parseWindowLength(spec.warmUp, "the warm-up", true);
  const byBars = "bars" in is;
  if (("bars" in oos) !== byBars || ("bars" in step) !== byBars) {
    throw new InputError("WF_MIXED_LENGTHS", { inSample: describeLength(is), outOfSample: describeLength(oos), step: describeLength(step) },
      `walk-forward: give the in-sample, out-of-sample and step lengths all in bars or all as durations; got ${describeLength(is)}, ${describeLength(oos)} and ${describeLength(step)}`);
  }
  const size = (p: ParsedLength) => ("bars" in p ? p.bars : p.ms);
  if (size(step) < size(oos)) {
    throw new InputError("WF_OVERLAP", { step: describeLength(step), outOfSample: describeLength(oos) },
      `walk-forward: the step (${describeLength(step)}) is shorter than the out-of-sample window (${describeLength(oos)}), so the out-of-sample windows would overlap; make the step at least as long (or leave it empty)`);
  }
  const n = time.length;
  if (n < 2) throw new InputError("WF_TOO_SHORT", { bars: n }, `walk-forward: the data has ${n} bar${n === 1 ? "" : "s"}; a walk-forward needs an in-sample and an out-of-sample window`);
  const spacing = medianSpacingMs(time, 1001) || 1;
  // the end of the data: the last bar's close
  const endMs = time[n - 1]! + spacing;
  const max = spec.maxWindows ?? DEFAULT_MAX_WINDOWS;
  const at = (i: number) => (i < n ? time[i]! : endMs);
  const span = (start: number, end: number, fromMs = at(start), toMs = at(end)): WindowSpan => ({ start, end, fromMs, toMs });

  // counted before gaps are skipped, so a tiny step is refused before any work
  const nominal = byBars ? Math.ceil((n - size(is)) / size(step)) : Math.floor((time[n - 1]! - time[0]! - size(is)) / size(step)) + 1;
  if (nominal > max) {
    throw new InputError("WF_TOO_MANY_WINDOWS", { windows: nominal, max },
      `walk-forward: these lengths give ${nominal} windows, more than the ${max} allowed; use a longer step or out-of-sample window`);
  }
  const windows: WalkForwardWindow[] = [];
  for (let k = 0; k < nominal; k++) {
    let isSpan: WindowSpan, oosSpan: WindowSpan, partial: boolean;
    if (byBars) {
      const isBars = size(is), oosBars = size(oos), stepBars = size(step);
      const isEnd = isBars + k * stepBars;
      if (isEnd >= n) break;
      const oosEnd = Math.min(n, isEnd + oosBars);
      isSpan = span(mode === "rolling" ? k * stepBars : 0, isEnd);
      oosSpan = span(isEnd, oosEnd);
      partial = isEnd + oosBars > n;
    } else {
      const origin = time[0]!;
      const isTo = origin + size(is) + k * size(step);
      if (isTo > time[n - 1]!) break;
      const isFrom = mode === "rolling" ? isTo - size(is) : origin;
      const oosTo = Math.min(endMs, isTo + size(oos));
      isSpan = span(lowerBound(time, isFrom), lowerBound(time, isTo), isFrom, isTo);
      oosSpan = span(lowerBound(time, isTo), lowerBound(time, oosTo), isTo, oosTo);
      partial = isTo + size(oos) > endMs;
    }
    // a gap in the data can leave a window with nothing to optimise on or nothing to trade
    if (isSpan.end <= isSpan.start || oosSpan.end <= oosSpan.start) continue;
    const warmStart = "bars" in warm ? Math.max(0, oosSpan.start - warm.bars) : lowerBound(time, oosSpan.fromMs - warm.ms);
    const warmSpan = span(warmStart, oosSpan.start, warmStart === oosSpan.start ? oosSpan.fromMs : Math.min(at(warmStart), oosSpan.fromMs), oosSpan.fromMs);
    windows.push({ index: windows.length, inSample: isSpan, outOfSample: oosSpan, warmUp: warmSpan, partial });
  }
  if (windows.length === 0) {
    const data = `${n} bars, ${formatTime(time[0]!)} to ${formatTime(time[n - 1]!)}`;
    throw new InputError("WF_TOO_SHORT", { bars: n, inSample: describeLength(is) },
      `walk-forward: the data (${data}) is too short for one window: the in-sample window alone is ${describeLength(is)}, and at least one out-of-sample bar must follow it; use shorter windows or more data`);
  }
  return windows;
}
