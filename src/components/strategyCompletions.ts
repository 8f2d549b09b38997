/**
 * What the strategy editor offers to complete: the strategy API written out by hand from
 * engine/strategy/context.ts (StrategyContext), engine/strategy/defineStrategy.ts (the definition's
 * fields), engine/strategy/params.ts (a parameter's spec keys) and the indicators' outputs.
 * test/components/strategyCompletions.test.ts reads those files and fails when a name is added
 * or removed there and not here. Pure: no CodeMirror, no DOM (./strategyEditor.ts plugs it in).
 *
 * @example
 * strategyCompletions("onBar(ctx, s) { ctx.or")   // {from: 20, options: [{label: "order", …}, {label: "orderTargetPercent", …}, …]}
 */

/** One completion: `label` is inserted; `detail` is its signature or type, `info` says what it does. */
export interface ApiCompletion {
  readonly label: string;
  readonly type: "method" | "property" | "keyword" | "variable";
  readonly detail: string;
  readonly info: string;
}

const m = (label: string, detail: string, info: string): ApiCompletion => ({ label, type: "method", detail, info });
const p = (label: string, detail: string, info: string): ApiCompletion => ({ label, type: "property", detail, info });

/** Every member of StrategyContext: what `ctx` holds in init, onBar, onFill and onStop. */
export const CONTEXT_API: readonly ApiCompletion[] = [
  p("symbol", "string", "The symbol whose bar is being handled."),
  p("index", "number", "The bar's index in its series."),
  p("time", "number", "The bar's open time (UTC ms)."),
  p("open", "number", "The bar's open."),
  p("high", "number", "The bar's high."),
  p("low", "number", "The bar's low."),
  p("close", "number", "The bar's close: the strategy decides at this moment."),
  p("volume", "number", "The bar's volume."),
  m("history", "(column, length) → Float64Array", "The last `length` values of a column (\"open\", \"close\", …) up to this bar. A view: do not keep it."),
  p("params", "P", "The current parameter values (they can change between bars in a live run)."),
  p("position", "number", "Signed position of the current symbol."),
  m("positionOf", "(symbol) → number", "Signed position of another symbol."),
  m("averagePrice", "(symbol?) → number", "Average entry price of the position."),
  p("cash", "number", "Cash on hand."),
  p("equity", "number", "Cash plus the positions at the last close."),
  p("tradingState", "\"ACTIVE\" | \"REDUCING\" | \"HALTED\"", "The risk rules' trading state."),
  m("openOrders", "(symbol?) → Order[]", "Open orders, of one symbol or all."),
  m("buy", "(quantity, options?) → Order", "A buy order (market unless options give a type and prices)."),
  m("sell", "(quantity, options?) → Order", "A sell order (market unless options give a type and prices)."),
  m("order", "(request) → Order", "Any order: { symbol, side, quantity, type, limitPrice, stopPrice, timeInForce, … }."),
  m("orderTargetPercent", "(fraction, options?) → Order | undefined", "Moves the position to `fraction` of equity (negative = short), sized at the fill price."),
  m("orderTargetQuantity", "(quantity, options?) → Order | undefined", "Moves the position to `quantity` units (signed), sized at the fill."),
  m("cancel", "(order | id) → boolean", "Cancels an open order; false when it is not open or risk refused."),
  m("modify", "(order | id, { quantity?, limitPrice?, stopPrice? }) → boolean", "Changes an open order."),
  p("log", "{ info(message), warn(message) }", "The run's log: ctx.log.info(\"…\")."),
  m("indicator", "(indicator, source?) → indicator", "Binds any indicator to this symbol (call it in init): fed every bar before onBar."),
  m("sma", "(period, source?) → Sma", "Simple moving average (exact over prices), bound in init."),
  m("ema", "(period, source?) → Ema", "Exponential moving average."),
  m("wma", "(period, source?) → Wma", "Weighted moving average."),
  m("rsi", "(period = 14, source?) → Rsi", "Relative strength index, 0 to 100."),
  m("macd", "(fast = 12, slow = 26, signal = 9, source?) → Macd", "MACD: .macd, .signal, .histogram."),
  m("bollinger", "(period = 20, k = 2, source?) → Bollinger", "Bollinger bands: .middle, .upper, .lower."),
  m("roc", "(period, source?) → Roc", "Rate of change."),
  m("atr", "(period = 14) → Atr", "Average true range."),
  m("stochastic", "(kPeriod = 14, dPeriod = 3) → Stochastic", "Stochastic oscillator: .k, .d."),
  m("donchian", "(period = 20) → Donchian", "Donchian channel: .upper, .lower, .middle."),
  m("obv", "() → Obv", "On-balance volume."),
  m("vwap", "(period?) → Vwap", "Volume-weighted average price (rolling over `period` bars, or cumulative)."),
];

/** ctx.log's methods. */
export const LOG_API: readonly ApiCompletion[] = [
  m("info", "(message) → void", "Logs a message with the bar's time."),
  m("warn", "(message) → void", "Logs a warning with the bar's time."),
];

/** What a bound indicator offers (state.sma.value …); the multi-output ones add their own fields. */
export const INDICATOR_API: readonly ApiCompletion[] = [
  p("value", "number", "The main output; NaN until ready."),
  p("ready", "boolean", "True once enough bars were seen (count ≥ warmup)."),
  p("count", "number", "Inputs seen so far."),
  p("warmup", "number", "Inputs needed before the first value."),
  p("macd", "number", "MACD line (macd)."),
  p("signal", "number", "Signal line (macd)."),
  p("histogram", "number", "MACD minus signal (macd)."),
  p("middle", "number", "Middle band (bollinger, donchian)."),
  p("upper", "number", "Upper band (bollinger, donchian)."),
  p("lower", "number", "Lower band (bollinger, donchian)."),
  p("k", "number", "%K (stochastic)."),
  p("d", "number", "%D (stochastic)."),
];

/** The fields of a strategy definition: the default export (what defineStrategy takes). */
export const DEFINITION_API: readonly ApiCompletion[] = [
  p("name", "string", "Letters, digits, \"-\", \"_\" or \".\": names the strategy in results."),
  p("description", "string", "One line on what it does."),
  p("params", "{ [name]: spec }", "The parameter schema: { period: { default: 20, min: 2, max: 200, integer: true } }."),
  m("init", "(ctx, params) → state", "Runs once per symbol before its first bar: bind indicators here and return the symbol's state."),
  m("onBar", "(ctx, state) → void", "Runs at the close of every bar: read indicators, place orders."),
  m("onFill", "(ctx, state, fill) → void", "Runs when one of the strategy's orders fills."),
  m("onStop", "(ctx, state) → void", "Runs once per symbol at the end of the run."),
];

/** The keys of one parameter's spec (a number, a choice or a true/false). */
export const PARAM_SPEC_API: readonly ApiCompletion[] = [
  p("default", "number | string | boolean", "The value used when none is given; its type makes the parameter a number, a choice or a true/false."),
  p("min", "number", "Smallest allowed value (numbers)."),
  p("max", "number", "Largest allowed value (numbers)."),
  p("step", "number", "Step of the page's input and of sweeps (numbers)."),
  p("integer", "boolean", "Only whole numbers."),
  p("options", "string[]", "The allowed strings of a choice; default must be one of them."),
  p("description", "string", "Shown beside the parameter's input."),
  p("hot", "boolean", "false: the value is used only when the strategy starts (an indicator's period), so a running trader refuses a new one."),
];

/** Where completion starts (an offset in the text) and what it offers there. */
export interface CompletionResult {
  readonly from: number;
  readonly options: readonly ApiCompletion[];
}

export interface CompletionOptions {
  /** The parameter names of the strategy as last checked: offered after `ctx.params.` and init's `p.`. */
  readonly params?: readonly string[];
}

const IDENT = "[A-Za-z_$][\\w$]*";
const CALLBACK_ARGS = new RegExp(`\\b(init|onBar|onFill|onStop)\\s*(?::\\s*(?:function\\s*(?:${IDENT})?\\s*)?)?\\(([^()]*)\\)`, "g");

/** The names the callbacks give their arguments: ctx (first of each), params (init's second), state (the others' second). */
function argumentNames(text: string): { ctx: Set<string>; params: Set<string>; state: Set<string> } {
  const ctx = new Set(["ctx"]), params = new Set<string>(), state = new Set<string>();
  for (const match of text.matchAll(CALLBACK_ARGS)) {
    // "ctx: Context, p" → ["ctx", "p"]: type annotations dropped
    const [first, second] = match[2]!.split(",").map((a) => /^\s*([A-Za-z_$][\w$]*)/.exec(a)?.[1]);
    if (first) ctx.add(first);
    if (second) (match[1] === "init" ? params : state).add(second);
  }
  return { ctx, params, state };
}

/**
 * The open brackets around the end of `text`, innermost last, each `{` labelled with what
 * introduced it: "definition" (export default / defineStrategy), or the key before its colon.
 * Strings, template literals and comments are skipped.
 */
function openBrackets(text: string): { char: string; label: string }[] {
  const stack: { char: string; label: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") { const end = text.indexOf("\n", i); i = end < 0 ? text.length : end; continue; }
    if (c === "/" && text[i + 1] === "*") { const end = text.indexOf("*/", i + 2); i = end < 0 ? text.length : end + 2; continue; }
    if (c === "\"" || c === "'" || c === "`") {
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "{" || c === "(" || c === "[") {
      const head = text.slice(Math.max(0, i - 80), i).trimEnd();
      let label = "";
      if (c === "{") {
        if (/(?:export\s+default|defineStrategy\s*\()$/.test(head) || /defineStrategy\s*\(\s*$/.test(head)) label = "definition";
        else label = new RegExp(`(${IDENT})\\s*:$`).exec(head)?.[1] ?? "";
      }
      stack.push({ char: c, label });
    } else if (c === "}" || c === ")" || c === "]") {
      stack.pop();
    }
    i++;
  }
  return stack;
}

/**
 * What to complete at the end of `before` (the text up to the cursor), or null for nothing:
 * - after `ctx.` (or whatever the callbacks call their first argument): the context's members;
 *   after `ctx.log.`: info and warn; after `ctx.params.` or init's `p.`: the parameter names;
 * - after `state.something.`: an indicator's outputs (value, ready, upper, …);
 * - at a key of the default-exported definition object: its fields (name, params, init, onBar, …);
 * - at a key of a parameter's spec inside `params: { … }`: default, min, max, step, integer, options, description.
 */
export function strategyCompletions(before: string, options: CompletionOptions = {}): CompletionResult | null {
  const member = new RegExp(`((?:${IDENT}\\s*\\.\\s*)*${IDENT})\\s*\\.\\s*(${IDENT})?$`).exec(before);
  if (member) {
    const chain = member[1]!.split(".").map((s) => s.trim());
    const from = before.length - (member[2]?.length ?? 0);
    const names = argumentNames(before);
    const paramNames = (options.params ?? []).map((label): ApiCompletion => ({ label, type: "variable", detail: "parameter", info: `The value of parameter "${label}".` }));
    if (chain.length === 1 && names.ctx.has(chain[0]!)) return { from, options: CONTEXT_API };
    if (chain.length === 1 && names.params.has(chain[0]!)) return { from, options: paramNames };
    if (chain.length === 2 && names.ctx.has(chain[0]!) && chain[1] === "log") return { from, options: LOG_API };
    if (chain.length === 2 && names.ctx.has(chain[0]!) && chain[1] === "params") return { from, options: paramNames };
    if (chain.length === 2 && !names.ctx.has(chain[0]!)) return { from, options: INDICATOR_API };
    return null;
  }
  const key = new RegExp(`[{,]\\s*(${IDENT})?$`).exec(before);
  if (!key) return null;
  const from = before.length - (key[1]?.length ?? 0);
  const stack = openBrackets(before);
  const inner = stack[stack.length - 1], parent = stack[stack.length - 2], outer = stack[stack.length - 3];
  if (inner?.char === "{" && inner.label === "definition") return { from, options: DEFINITION_API };
  if (inner?.char === "{" && parent?.char === "{" && parent.label === "params" && outer?.label === "definition") return { from, options: PARAM_SPEC_API };
  return null;
}
