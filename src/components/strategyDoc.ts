/**
 * One strategy document, `strategy/<id>`, as the editor opens it: a Y.Doc with Y.Text "source",
 * Y.Map "params" (parameter values) and Y.Text "notes"; kept in this browser's IndexedDB (so it
 * opens and takes edits offline) and synced through the hub's Yjs WebSocket endpoint when one is
 * set (token as `?token=`). Edits made while disconnected are sent when the connection is back:
 * y-websocket exchanges the missing updates on every (re)connection.
 *
 * @example
 * const d = openStrategyDoc("trend-1", { hubUrl: "ws://127.0.0.1:1234", token, user: { name: "Ann", color: "#2563eb" } });
 * await d.ready;                          // local copy loaded; seeded from a template if it was new
 * d.source.toString(); d.params.get("period");
 * d.destroy();
 */
import { IndexeddbPersistence } from "y-indexeddb";
import { Awareness } from "y-protocols/awareness";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { seedStrategy } from "./strategyTemplates.js";

/** Who is editing, as the other people see them: name and caret colour. */
export interface CollabUser {
  readonly name: string;
  readonly color: string;
}

export interface CollabSettings {
  /** The hub's WebSocket URL ("ws://127.0.0.1:1234"); empty: this browser only. */
  readonly hubUrl: string;
  readonly token: string;
  readonly user: CollabUser;
}

export interface StrategyDoc {
  readonly id: string;
  /** "strategy/<id>": the hub's document name. */
  readonly room: string;
  readonly doc: Y.Doc;
  readonly source: Y.Text;
  readonly params: Y.Map<number | string | boolean>;
  readonly notes: Y.Text;
  /** Presence (names, colours, cursors): the provider's, or a local one without a hub. */
  readonly awareness: Awareness;
  /** Undefined without a hub. */
  readonly provider: WebsocketProvider | undefined;
  /**
   * Resolves once the local copy is loaded and, with a hub, the first sync is done or has taken
   * longer than `syncWaitMs` (offline); an empty document then gets the template. True when it did.
   */
  readonly ready: Promise<boolean>;
  setUser(user: CollabUser): void;
  destroy(): void;
}

export interface OpenOptions {
  /** The template a new (empty) document starts from. Default: the first template. */
  readonly template?: string;
  /** How long to wait for the hub before taking the local copy as it is. Default 3000 ms. */
  readonly syncWaitMs?: number;
}

/** A lighter shade of `color` (its hex with alpha) for remote selections. */
const light = (color: string) => (/^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color);

/** Opens `strategy/<id>`: local persistence at once, the hub connection when a URL is given. */
export function openStrategyDoc(id: string, settings: CollabSettings, options: OpenOptions = {}): StrategyDoc {
  const room = `strategy/${id}`;
  const doc = new Y.Doc();
  const local = new IndexeddbPersistence(`qw-${room}`, doc);
  const provider = settings.hubUrl
    ? new WebsocketProvider(settings.hubUrl.replace(/\/+$/, ""), room, doc, {
      params: settings.token ? { token: settings.token } : {},
      // quick to come back after a network outage; y-websocket's default waits up to 2.5 s too
      maxBackoffTime: 2500,
    })
    : undefined;
  const awareness = provider?.awareness ?? new Awareness(doc);
  const setUser = (user: CollabUser) => awareness.setLocalStateField("user", { name: user.name, color: user.color, colorLight: light(user.color) });
  setUser(settings.user);

  let destroyed = false;
  const ready = (async () => {
    await local.whenSynced;
    if (provider && !provider.synced) {
      await new Promise<void>((resolve) => {
        const done = () => { provider.off("sync", onSync); clearTimeout(timer); resolve(); };
        const onSync = (synced: boolean) => { if (synced) done(); };
        const timer = setTimeout(done, options.syncWaitMs ?? 3000);
        provider.on("sync", onSync);
      });
    }
    return !destroyed && seedStrategy(doc, id, options.template ?? "");
  })();

  return {
    id, room, doc, awareness, provider, ready, setUser,
    source: doc.getText("source"),
    params: doc.getMap("params"),
    notes: doc.getText("notes"),
    destroy() {
      destroyed = true;
      provider?.destroy();
      if (!provider) awareness.destroy();
      void local.destroy();
      doc.destroy();
    },
  };
}
