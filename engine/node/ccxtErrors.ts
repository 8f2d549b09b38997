/**
 * What a ccxt failure means for the caller, decided once for the downloader and the live runner.
 * ccxt's own hierarchy (ExchangeError: the exchange answered no; OperationFailed: the request
 * may not have been answered at all) does most of the work; raw transport errors that reach the
 * caller unwrapped are the rest.
 */
import ccxt, { type Exchange } from "ccxt";

const TRANSPORT_CODES = new Set(["UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/**
 * True for failures worth retrying: ccxt's OperationFailed family (NetworkError and its subclasses,
 * and Binance's "internal error, try again" codes), and transport errors that reach the caller
 * unwrapped (undici's SocketError "other side closed" when the connection drops mid-body).
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof ccxt.OperationFailed) return true;
  if (e instanceof ccxt.BaseError) return false;
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === "string" && TRANSPORT_CODES.has(code)) return true;
    if (x.name === "SocketError") return true;
  }
  return false;
}

/** True for the exchange's "slow down" answers (HTTP 429/418 and their codes). */
export function isRateLimit(e: unknown): boolean {
  return e instanceof ccxt.DDoSProtection || e instanceof ccxt.RateLimitExceeded;
}

/** Milliseconds of a Retry-After header of the answer that raised a rate-limit error `e`, if any. */
export function retryAfterMs(e: unknown, exchange: Exchange): number | undefined {
  if (!isRateLimit(e)) return undefined;
  const headers = (exchange as unknown as { last_response_headers?: Record<string, string> }).last_response_headers ?? {};
  const value = headers["Retry-After"] ?? headers["retry-after"];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * What a failed order request leaves behind:
 * - "rejected": the exchange answered and refused it (invalid order, insufficient funds,
 *   authentication, bad symbol, any other ExchangeError): never retried;
 * - "rate_limited": refused for speed before it was handled: back off, then look it up by client
 *   id before sending it again;
 * - "unknown": no answer (timeout, dropped connection, bad response, a duplicate client id): the
 *   order may exist; it is UNKNOWN until found by its client id, and never sent blindly again.
 */
export type OrderFailure = "rejected" | "rate_limited" | "unknown";

export function orderFailure(e: unknown): OrderFailure {
  if (isRateLimit(e)) return "rate_limited";
  // a duplicate client id means an order with it is there already: find it (ccxt 4.5 raises Binance's
  // "Duplicate order sent." as a plain InvalidOrder, so the message is the only sign)
  if (e instanceof ccxt.DuplicateOrderId || (e instanceof ccxt.InvalidOrder && /duplicate order/i.test(e.message))) return "unknown";
  if (e instanceof ccxt.ExchangeError) return "rejected";
  return "unknown";
}

/** The ccxt class name of an error (for logs, audit and metrics labels). */
export function errorClass(e: unknown): string {
  return e instanceof Error ? e.constructor.name : typeof e;
}
