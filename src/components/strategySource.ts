/**
 * Strategy source code → a strategy, inside a browser worker: the seam between a code editor
 * (the Backtest page's "Custom (code)" box now, the collaborative editor later) and the engine.
 *
 * The source is a JavaScript ES module whose default export is a strategy definition, the object
 * defineStrategy() takes: { name, description?, params, init, onBar, onFill?, onStop? }. It runs
 * in the backtest worker and cannot import anything (a Blob URL has no base for other modules):
 * indicators, orders and history all come from the callbacks' `ctx`.
 *
 * @example
 * const strategy = await loadStrategySource(`export default {
 *   name: "above-sma", params: { period: { default: 50, min: 2, integer: true } },
 *   init: (ctx, p) => ({ sma: ctx.sma(p.period) }),
 *   onBar(ctx, s) { if (ctx.close > s.sma.value) ctx.orderTargetPercent(1); else ctx.orderTargetPercent(0); },
 * };`);
 * runBacktest({ bars, strategy });
 *
 * Every call imports the module afresh, so module-level state never leaks from one run into the
 * next and reruns stay bit-identical.
 */
import { InputError } from "../engine/errors.js";
import { defineStrategy, type AnyStrategy } from "../engine/strategy/defineStrategy.js";

const CALLBACKS = ["init", "onBar", "onFill", "onStop"] as const;

/**
 * Imports `source` and checks its default export with defineStrategy. Rejects with an InputError
 * (code STRATEGY_SOURCE, or defineStrategy's BAD_STRATEGY/BAD_PARAM…) whose message says what is
 * wrong: a syntax error with its line and column, an error thrown while the module loads, a
 * missing default export, a bad name, schema or callback. An error thrown later by a callback
 * gets " (line L, column C of the strategy code)" appended to its message.
 */
export async function loadStrategySource(source: string): Promise<AnyStrategy> {
  if (typeof source !== "string" || source.trim() === "") {
    throw new InputError("STRATEGY_SOURCE", {}, "the strategy code is empty: write a module whose default export is { name, params, init, onBar }");
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  let module: { default?: unknown };
  try {
    module = await import(/* @vite-ignore */ url);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    // a module's SyntaxError comes without a position: ask a classic worker's parser for it
    const where = e.name === "SyntaxError" ? await syntaxErrorPosition(source, e.message) : locate(e, url);
    throw new InputError("STRATEGY_SOURCE", { error: e.message, ...(where ?? {}) },
      `the strategy code does not load: ${e.name}: ${e.message}${where ? ` (line ${where.line}, column ${where.column})` : ""}`);
  } finally {
    URL.revokeObjectURL(url);
  }
  const definition = module.default;
  if (typeof definition !== "object" || definition === null) {
    throw new InputError("STRATEGY_SOURCE", {},
      `the strategy code must end with "export default { name, params, init, onBar }"; its default export is ${definition === undefined ? "missing" : typeof definition}`);
  }
  const wrapped: Record<string, unknown> = { ...definition };
  for (const name of CALLBACKS) {
    const fn = wrapped[name];
    if (typeof fn === "function") wrapped[name] = withLine(fn as (...args: unknown[]) => unknown, url);
  }
  return defineStrategy(wrapped as unknown as Parameters<typeof defineStrategy>[0]);
}

/** Where in the blob module `error` was thrown: the first stack frame in `url`. */
function locate(error: Error, url: string): { line: number; column: number } | undefined {
  const at = error.stack?.indexOf(`${url}:`) ?? -1;
  if (at < 0) return undefined;
  const m = /^:(\d+):(\d+)/.exec(error.stack!.slice(at + url.length));
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** A callback that appends the line of the strategy code to what it throws (the engine then names the callback and bar). */
function withLine(fn: (...args: unknown[]) => unknown, url: string): (...args: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      const where = error instanceof Error && !(error instanceof InputError) ? locate(error, url) : undefined;
      if (where && error instanceof Error) {
        try {
          error.message += ` (line ${where.line}, column ${where.column} of the strategy code)`;
        } catch {
          // a frozen error keeps its message
        }
      }
      throw error;
    }
  };
}

/**
 * The line and column of a syntax error, from a classic worker's error event (which, unlike a
 * module import, carries them). The code is wrapped in a function that is never called, so
 * nothing runs; export keywords are dropped and imports made inert, as a classic script has
 * neither. Only a report with the same message is trusted; otherwise undefined.
 */
async function syntaxErrorPosition(source: string, message: string): Promise<{ line: number; column: number } | undefined> {
  if (typeof Worker === "undefined") return undefined;
  // same lengths as what they replace, so that columns stay right
  const blank = (s: string) => " ".repeat(s.length);
  const classic = source
    .replace(/^(\s*)(export\s+default)(?=\s)/gm, (_, pad: string, kw: string) => `${pad}void${blank(kw).slice(4)}`)
    .replace(/^(\s*)(export)(?=\s+(const|let|var|function|async|class)\b)/gm, (_, pad: string, kw: string) => pad + blank(kw))
    .replace(/^(\s*)(import\s[^;\n]*;?)/gm, (_, pad: string, stmt: string) => pad + blank(stmt));
  const script = `(async function () {"use strict";\n${classic}\n});\npostMessage(0);`;
  const url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
  const worker = new Worker(url);
  try {
    return await new Promise((resolve) => {
      worker.onmessage = () => resolve(undefined);
      worker.onerror = (event) => {
        event.preventDefault();
        const same = typeof event.message === "string" && event.message.endsWith(message);
        resolve(same && event.lineno > 1 ? { line: event.lineno - 1, column: event.colno } : undefined);
      };
    });
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}
