/**
 * Errors are classified by what the caller does next, never by message text:
 * an InputError means "fix the data or the options", a StrategyError "fix the strategy code",
 * an ExchangeError "the venue said no / did not answer" (retry rules live with the caller).
 */
export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

export class EngineError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  constructor(code: string, context: ErrorContext, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** Bad data, options or parameters: the message says what is wrong, where, and how to fix it. */
export class InputError extends EngineError {}

/** A strategy threw or misbehaved; `context` names the strategy and the bar time. */
export class StrategyError extends EngineError {}

/** The execution venue refused or failed a request. */
export class ExchangeError extends EngineError {}
