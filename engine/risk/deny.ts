import type { RiskReason } from "./reasons.js";
import type { RiskDenial } from "./types.js";

/** The numbers behind a denial, rendered into its message in insertion order. */
export type DenialContext = Readonly<Record<string, string | number>>;

/**
 * Builds a denial whose message is `CODE: key=value, key=value` (just `CODE` for an empty context).
 * The context keeps the exact numbers; the message shows at most 12 significant digits so float
 * noise (61234.500000000004) does not reach a person.
 *
 * @example
 * deny("MAX_ORDER_NOTIONAL", { max: 50000, notional: 61234.5 }).message;
 * // "MAX_ORDER_NOTIONAL: max=50000, notional=61234.5"
 */
export function deny(code: RiskReason, context: DenialContext): RiskDenial {
  let message: string = code;
  let separator = ": ";
  for (const key of Object.keys(context)) {
    message += `${separator}${key}=${formatContextValue(context[key] as string | number)}`;
    separator = ", ";
  }
  return { code, context, message };
}

/**
 * How a context value appears in a denial message.
 *
 * @example
 * formatContextValue(0.1 + 0.2); // "0.3"
 * formatContextValue(NaN); // "NaN"
 */
export function formatContextValue(value: string | number): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}
