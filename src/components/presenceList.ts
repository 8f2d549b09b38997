/**
 * Who is in a collaborative document: a chip per person in their caret colour, this browser's
 * first, from Yjs awareness (the same states that draw the remote cursors). Plain DOM.
 *
 * @example
 * const people = presenceList(doc.awareness); display(people.element); people.destroy();
 */
import type { Awareness } from "y-protocols/awareness";
import { el } from "./dataView.js";

interface UserState {
  readonly name?: string;
  readonly color?: string;
}

/** The chips; `data-testid="presence"` lists the names in `data-names` (joined by ","), yours first. */
export function presenceList(awareness: Awareness): { element: HTMLElement; destroy(): void } {
  const element = el("span", { class: "qw-presence", "data-testid": "presence", "aria-label": "People in this document" });
  const render = () => {
    const me = awareness.clientID;
    const states = [...awareness.getStates().entries()]
      .map(([id, state]) => ({ id, user: (state as { user?: UserState }).user }))
      .filter((s) => s.user?.name)
      .sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : a.user!.name!.localeCompare(b.user!.name!)));
    element.dataset.names = states.map((s) => s.user!.name).join(",");
    element.replaceChildren(...states.map(({ id, user }) =>
      el("span", { class: "qw-person", title: id === me ? "you" : "editing now", style: `--qw-person:${user!.color ?? "#64748b"}` },
        el("span", { class: "qw-person-dot" }), `${user!.name}${id === me ? " (you)" : ""}`)));
  };
  awareness.on("change", render);
  render();
  return { element, destroy: () => awareness.off("change", render) };
}
