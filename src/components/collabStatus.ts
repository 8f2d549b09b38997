/**
 * The connection badge of a collaborative document: "connected" (the hub has everything),
 * "syncing" (connected, exchanging what either side missed) or "offline" (edits stay in this
 * browser and are sent when the connection is back). Plain DOM, no Framework globals.
 *
 * @example
 * const badge = collabStatus(doc.provider);   // doc from ./strategyDoc.ts
 * display(badge.element);                      // <span data-testid="collab-status" data-state="connected">…
 * badge.destroy();
 */
import type { WebsocketProvider } from "y-websocket";
import { el } from "./dataView.js";

export type CollabState = "connected" | "syncing" | "offline";

/** The badge's state from the socket's status and whether the first exchange since it opened is done. */
export function collabState(socket: "connected" | "connecting" | "disconnected" | undefined, synced: boolean): CollabState {
  if (socket !== "connected") return "offline";
  return synced ? "connected" : "syncing";
}

const TEXT: Readonly<Record<CollabState, string>> = { connected: "connected", syncing: "syncing…", offline: "offline" };
const HINT: Readonly<Record<CollabState, string>> = {
  connected: "Every edit is on the hub and reaches the others as you type.",
  syncing: "Connected: exchanging the edits made while apart.",
  offline: "Edits are kept in this browser and sent when the hub is reachable again.",
};

/**
 * A badge that follows `provider` (or says "offline · this browser only" without one): its
 * `data-state` is the CollabState.
 */
export function collabStatus(provider: WebsocketProvider | undefined): { element: HTMLElement; state(): CollabState; destroy(): void } {
  const element = el("span", { class: "qw-collab-status", "data-testid": "collab-status", role: "status", "aria-live": "polite" });
  let socket: "connected" | "connecting" | "disconnected" | undefined = provider?.wsconnected ? "connected" : undefined;
  let state: CollabState = "offline";
  let refused = "";
  const render = () => {
    state = collabState(socket, provider?.synced ?? false);
    element.dataset.state = state;
    element.textContent = !provider ? "offline · this browser only" : refused && state === "offline" ? `offline · ${refused}` : TEXT[state];
    element.title = provider ? HINT[state] : "No hub is set: the document is kept in this browser only.";
  };
  const onStatus = (event: { status: "connected" | "connecting" | "disconnected" }) => {
    socket = event.status;
    if (socket === "connected") refused = "";
    render();
  };
  const onSync = () => render();
  // the hub closed with a 44xx code (a bad token, say): y-websocket stops retrying
  const onClosed = (event: { code: number; reason: string }) => {
    refused = `refused by the hub (${event.code}${event.reason ? `: ${event.reason}` : ""})`;
    render();
  };
  provider?.on("status", onStatus);
  provider?.on("sync", onSync);
  provider?.on("closed", onClosed);
  render();
  return {
    element,
    state: () => state,
    destroy() {
      provider?.off("status", onStatus);
      provider?.off("sync", onSync);
      provider?.off("closed", onClosed);
    },
  };
}
