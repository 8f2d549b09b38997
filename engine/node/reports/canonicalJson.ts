/**
 * JSON with object keys sorted at every depth and no whitespace: the same value always gives the
 * same text, so its hash can name it (a spec's id, a parameter set's hash).
 *
 * @example
 * canonicalJson({ slow: 30, fast: 10 }); // '{"fast":10,"slow":30}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
