/**
 * Who you are and which hub you edit through, for the collaborative pages: kept in this
 * browser's localStorage, overridden by the page's query (?hub=…&token=…&name=…&color=…), so a
 * link can carry them. Also the strategies this browser opened, most recent first.
 *
 * @example
 * const settings = collabSettings(location.search);   // {hubUrl, token, user: {name, color}}
 * saveCollabSettings({ ...settings, user: { name: "Ann", color: "#2563eb" } });
 */
import type { CollabSettings, CollabUser } from "./strategyDoc.js";

const KEY = "qw-collab";
const RECENT = "qw-strategy-recent";

/** Caret colours that read well on white, one per person (picked from the name). */
export const USER_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/** The hub `npm start` runs beside the site: the page's host, port 1234. */
export function defaultHubUrl(): string {
  const host = typeof location !== "undefined" && location.hostname ? location.hostname : "127.0.0.1";
  return `ws://${host}:1234`;
}

const store = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled: settings last for the page only
  }
};

function colorFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return USER_COLORS[h % USER_COLORS.length]!;
}

/** The settings in effect: the query's, else the saved ones, else a guest name and the default hub. */
export function collabSettings(search: string): CollabSettings {
  const query = new URLSearchParams(search);
  let saved: Partial<{ hubUrl: string; token: string; user: Partial<CollabUser> }> = {};
  try {
    saved = JSON.parse(store()?.getItem(KEY) ?? "{}");
  } catch {
    saved = {};
  }
  const name = (query.get("name") ?? saved.user?.name ?? "").trim() || `guest-${Math.random().toString(16).slice(2, 6)}`;
  const color = query.get("color") ?? saved.user?.color ?? colorFor(name);
  return {
    hubUrl: query.get("hub") ?? saved.hubUrl ?? defaultHubUrl(),
    token: query.get("token") ?? saved.token ?? "",
    user: { name: name.slice(0, 40), color: /^#[0-9a-f]{6}$/i.test(color) ? color : colorFor(name) },
  };
}

export function saveCollabSettings(settings: CollabSettings): void {
  store()?.setItem(KEY, JSON.stringify(settings));
}

/** The strategy ids this browser opened, most recent first. */
export function recentStrategies(): string[] {
  try {
    const list = JSON.parse(store()?.getItem(RECENT) ?? "[]");
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Puts `id` first in the recent list (at most 30 kept). */
export function rememberStrategy(id: string): string[] {
  const list = [id, ...recentStrategies().filter((x) => x !== id)].slice(0, 30);
  store()?.setItem(RECENT, JSON.stringify(list));
  return list;
}
