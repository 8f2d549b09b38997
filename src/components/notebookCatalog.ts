/**
 * Which notebooks there are: the ones this browser opened (localStorage, most recent first) and
 * the ones the hub keeps (its /api/docs, with the same token as the WebSocket), and who the hub
 * says you are (/api/me: name and role, read-only or not).
 *
 * @example
 * const slugs = mergeSlugs(recentNotebooks(), await hubNotebooks(settings).catch(() => []));
 */
import { DOC_ID } from "../engine/node/hub/docNames.js";
import type { CollabSettings } from "./strategyDoc.js";

const RECENT = "qw-notebook-recent";

/** A notebook slug: lower case letters, digits, "-" and "_", 1–64, starting with a letter or digit (a page name too). */
export const NOTEBOOK_SLUG = DOC_ID;

const store = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
};

/** The slugs this browser opened, most recent first. */
export function recentNotebooks(): string[] {
  try {
    const list = JSON.parse(store()?.getItem(RECENT) ?? "[]");
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string" && NOTEBOOK_SLUG.test(x)) : [];
  } catch {
    return [];
  }
}

/** Puts `slug` first in the recent list (at most 30 kept); returns the list. */
export function rememberNotebook(slug: string): string[] {
  const list = [slug, ...recentNotebooks().filter((x) => x !== slug)].slice(0, 30);
  store()?.setItem(RECENT, JSON.stringify(list));
  return list;
}

/** The hub's HTTP address from its WebSocket one (ws://h:p → http://h:p). */
export function hubHttpUrl(hubUrl: string): string {
  return hubUrl.replace(/^ws(s?):\/\//i, "http$1://").replace(/\/+$/, "");
}

async function hubGet(settings: CollabSettings, path: string): Promise<unknown> {
  const response = await fetch(`${hubHttpUrl(settings.hubUrl)}${path}`, { headers: { authorization: `Bearer ${settings.token}` }, cache: "no-store" });
  const body = await response.json().catch(() => ({})) as { error?: string };
  if (!response.ok) throw new Error(body.error ?? `the hub answered ${response.status}`);
  return body;
}

/** The notebooks the hub keeps (slugs, sorted). Rejects when the hub cannot be reached or refuses the token. */
export async function hubNotebooks(settings: CollabSettings): Promise<string[]> {
  if (!settings.hubUrl || !settings.token) return [];
  const body = await hubGet(settings, "/api/docs") as { docs?: { kind?: string; id?: string }[] };
  return (body.docs ?? []).filter((d) => d.kind === "notebook" && typeof d.id === "string" && NOTEBOOK_SLUG.test(d.id)).map((d) => d.id!).sort();
}

/** Who the hub says the token is. */
export async function hubMe(settings: CollabSettings): Promise<{ name: string; role: "read" | "write" }> {
  const body = await hubGet(settings, "/api/me") as { name?: unknown; role?: unknown };
  return { name: String(body.name ?? ""), role: body.role === "read" ? "read" : "write" };
}

/** The recent ones first, then the hub's others. */
export function mergeSlugs(recent: readonly string[], hub: readonly string[]): string[] {
  return [...new Set([...recent, ...hub])];
}
