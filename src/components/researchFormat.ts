/**
 * How the research notes print numbers: one format per kind of figure, so the prose, the tables
 * and the charts of the three notes agree. "—" for anything not finite.
 */

/** 0.1234 → "12.3 %". */
export const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : "—");

/** 0.1234 → "+12.3 %", −0.05 → "−5.0 %" (a true minus sign). */
export const signedPct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(digits)} %` : "—");

/** 1.2345 → "1.23", −0.001 → "0.00" (no "−0.00"), −0.5 → "−0.50". */
export const num = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits).replace(/^-(0\.0*)$/, "$1").replace(/^-/, "−") : "—");

/** UTC ms → "2024-03-01". */
export const day = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : "—");

/** UTC ms → "2024-03-01 14:00". */
export const stamp = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "—");
