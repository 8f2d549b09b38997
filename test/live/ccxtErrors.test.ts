import ccxt from "ccxt";
import { describe, expect, it } from "vitest";
import { isTransient, orderFailure } from "../../engine/node/ccxtErrors.ts";

describe("what a failed order request leaves behind", () => {
  it.each([
    ["InsufficientFunds", new ccxt.InsufficientFunds("binance {\"code\":-2010}"), "rejected"],
    ["InvalidOrder", new ccxt.InvalidOrder("binance Filter failure: LOT_SIZE"), "rejected"],
    ["BadRequest", new ccxt.BadRequest("binance Filter failure: NOTIONAL"), "rejected"],
    ["AuthenticationError", new ccxt.AuthenticationError("binance Signature for this request is not valid."), "rejected"],
    ["BadSymbol", new ccxt.BadSymbol("binance does not have market symbol X/Y"), "rejected"],
    ["RateLimitExceeded", new ccxt.RateLimitExceeded("429"), "rate_limited"],
    ["DDoSProtection", new ccxt.DDoSProtection("418"), "rate_limited"],
    ["RequestTimeout", new ccxt.RequestTimeout("timed out"), "unknown"],
    ["NetworkError", new ccxt.NetworkError("socket hang up"), "unknown"],
    ["ExchangeNotAvailable", new ccxt.ExchangeNotAvailable("503"), "unknown"],
    ["DuplicateOrderId", new ccxt.DuplicateOrderId("dup"), "unknown"],
    ["InvalidOrder 'Duplicate order sent.'", new ccxt.InvalidOrder("binance {\"code\":-2010,\"msg\":\"Duplicate order sent.\"}"), "unknown"],
    ["a raw socket error", Object.assign(new Error("other side closed"), { name: "SocketError" }), "unknown"],
  ] as const)("%s → %s", (_name, error, expected) => {
    expect(orderFailure(error)).toBe(expected);
  });

  it("retries reads only on failures that may pass", () => {
    expect(isTransient(new ccxt.RequestTimeout("t"))).toBe(true);
    expect(isTransient(new ccxt.ExchangeNotAvailable("503"))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { cause: Object.assign(new Error("y"), { code: "ECONNRESET" }) }))).toBe(true);
    expect(isTransient(new ccxt.OrderNotFound("gone"))).toBe(false);
    expect(isTransient(new ccxt.AuthenticationError("key"))).toBe(false);
  });
});
