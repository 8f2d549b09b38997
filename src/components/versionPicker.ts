/**
 * One side of the Compare page: which version of a strategy to take, either a document on the
 * hub at a named version (or as it is now), or code pasted or loaded from a file. Plain DOM; the
 * hub is reached through ./hubClient.ts.
 *
 * @example
 * const a = versionPicker("a", hub, { id: "trend-1", version: 2 });
 * display(a.element);
 * const chosen = await a.read();   // {label: "trend-1 · version 2 “first”", source, params}
 */
import { el } from "./dataView.js";
import type { HubClient } from "./hubClient.js";

type Value = number | string | boolean;

/** What a side gives: its source, the parameter values it holds, and how to name it. */
export interface VersionChoice {
  readonly label: string;
  readonly source: string;
  readonly params: Readonly<Record<string, Value>>;
}

export interface VersionPicker {
  readonly element: HTMLElement;
  /** The chosen version's content (once the hub's lists are in); rejects with a message to show (nothing chosen, the hub unreachable…). */
  read(): Promise<VersionChoice>;
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** `initial`: a document and version to start on (from the page's query), else the first document, current. */
export function versionPicker(side: "a" | "b", hub: HubClient | undefined, initial?: { id: string; version: number | "current" }): VersionPicker {
  const testid = (s: string) => `${side}-${s}`;
  const hubMode = el("input", { type: "radio", name: `${side}-mode`, value: "hub", "data-testid": testid("mode-hub") });
  const codeMode = el("input", { type: "radio", name: `${side}-mode`, value: "code", "data-testid": testid("mode-code") });
  const docSelect = el("select", { "data-testid": testid("doc"), "aria-label": "Strategy" });
  const versionSelect = el("select", { "data-testid": testid("version"), "aria-label": "Version" });
  const hubNote = el("small", { class: "qw-hint", "data-testid": testid("hub-note") });
  const code = el("textarea", { rows: "12", spellcheck: "false", placeholder: "Paste strategy code (TypeScript or JavaScript) here, or load a file", "data-testid": testid("code"), "aria-label": "Strategy code" });
  const file = el("input", { type: "file", accept: ".ts,.js,.mjs,.txt", "data-testid": testid("file"), "aria-label": "Load code from a file" });
  let fileName = "";
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    code.value = await f.text();
    fileName = f.name;
    file.value = "";
  });
  code.addEventListener("input", () => { fileName = ""; });

  const hubPart = el("div", { class: "qw-vp-hub" },
    el("div", { class: "qw-vp-row" }, docSelect, versionSelect), hubNote);
  const codePart = el("div", { class: "qw-vp-code" }, code, el("label", { class: "qw-hint" }, "or load a file: ", file));
  const show = () => {
    hubPart.hidden = !hubMode.checked;
    codePart.hidden = !codeMode.checked;
  };
  hubMode.addEventListener("change", show);
  codeMode.addEventListener("change", show);

  let versionsFor = "";
  async function loadVersions(id: string, pick?: number | "current") {
    versionsFor = id;
    versionSelect.replaceChildren(el("option", { value: "current" }, "as it is now"));
    if (!hub || !id) return;
    try {
      const versions = await hub.versions(id);
      if (versionsFor !== id) return;
      versionSelect.append(...[...versions].reverse().map((v) =>
        el("option", { value: String(v.version) }, `version ${v.version} “${v.name}” · ${v.user} · ${when(v.time)}`)));
      if (pick !== undefined) versionSelect.value = String(pick);
      hubNote.textContent = versions.length ? "" : "No named version yet: save one on the Strategy editor page.";
    } catch (error) {
      hubNote.textContent = error instanceof Error ? error.message : String(error);
    }
  }
  docSelect.addEventListener("change", () => void loadVersions(docSelect.value));

  const loaded = (async () => {
    if (!hub) {
      hubMode.disabled = true;
      hubNote.textContent = "No hub is set: paste or load code instead.";
      codeMode.checked = true;
      show();
      return;
    }
    hubMode.checked = true;
    show();
    try {
      const ids = await hub.strategies();
      const list = initial && !ids.includes(initial.id) ? [initial.id, ...ids] : ids;
      docSelect.replaceChildren(...list.map((id) => el("option", { value: id }, id)));
      if (list.length === 0) hubNote.textContent = "The hub has no strategy yet: create one on the Strategy editor page.";
      const id = initial?.id ?? list[0] ?? "";
      docSelect.value = id;
      await loadVersions(id, initial?.version);
    } catch (error) {
      hubNote.textContent = error instanceof Error ? error.message : String(error);
    }
  })();

  const element = el("div", { class: "qw-vp", "data-testid": testid("picker") },
    el("div", { class: "qw-vp-modes" },
      el("label", {}, hubMode, " a version on the hub"), el("label", {}, codeMode, " code")),
    hubPart, codePart);
  show();

  return {
    element,
    async read() {
      await loaded;
      if (codeMode.checked) {
        if (!code.value.trim()) throw new Error("paste or load some code first");
        return { label: fileName || "pasted code", source: code.value, params: {} };
      }
      if (!hub) throw new Error("no hub is set");
      const id = docSelect.value;
      if (!id) throw new Error("choose a strategy");
      const ref = versionSelect.value === "current" ? "current" : Number(versionSelect.value);
      const content = await hub.strategy(id, ref);
      const name = ref === "current" ? "now" : (versionSelect.selectedOptions[0]?.textContent ?? `version ${ref}`).split(" · ")[0]!;
      return { label: `${id} · ${name}`, source: content.source, params: content.params };
    },
  };
}
