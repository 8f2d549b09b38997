/**
 * The hub's document names: `<kind>/<id>`, e.g. `strategy/sma-cross` or `notebook/btc-returns`.
 * The name is the WebSocket path and the key on disk, so it is checked before anything is opened,
 * and an unknown kind is refused rather than stored. Pure: the browser pages can import it.
 */

/** The kinds of document the hub keeps; anything else is refused. */
export const DOC_KINDS = ["strategy", "notebook"] as const;
export type DocKind = (typeof DOC_KINDS)[number];

/** A parsed, valid document name. */
export interface DocName {
  readonly kind: DocKind;
  readonly id: string;
  /** `${kind}/${id}` */
  readonly name: string;
}

/** Ids are file names and Framework page slugs too: lower case, digits, "-" and "_", at most 64. */
export const DOC_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export type DocNameProblem = "UNKNOWN_KIND" | "BAD_ID" | "BAD_NAME";

/**
 * @example
 * parseDocName("strategy/sma")   // { ok: true, doc: { kind: "strategy", id: "sma", name: "strategy/sma" } }
 * parseDocName("secrets/x")      // { ok: false, problem: "UNKNOWN_KIND", message: "unknown document kind \"secrets\"; …" }
 */
export function parseDocName(name: string): { ok: true; doc: DocName } | { ok: false; problem: DocNameProblem; message: string } {
  const slash = name.indexOf("/");
  if (slash < 0 || name.indexOf("/", slash + 1) >= 0) {
    return { ok: false, problem: "BAD_NAME", message: `a document name is <kind>/<id> (${DOC_KINDS.join(" or ")}), got ${JSON.stringify(name.slice(0, 80))}` };
  }
  const kind = name.slice(0, slash);
  const id = name.slice(slash + 1);
  if (!(DOC_KINDS as readonly string[]).includes(kind)) {
    return { ok: false, problem: "UNKNOWN_KIND", message: `unknown document kind ${JSON.stringify(kind.slice(0, 40))}; the kinds are ${DOC_KINDS.join(", ")}` };
  }
  if (!DOC_ID.test(id)) {
    return { ok: false, problem: "BAD_ID", message: `bad document id ${JSON.stringify(id.slice(0, 80))}: 1–64 of a-z, 0-9, "-" and "_", starting with a letter or digit` };
  }
  return { ok: true, doc: { kind: kind as DocKind, id, name } };
}
