/**
 * One notebook cell on the page: a header (its number and kind, an SQL cell's name, its state,
 * Run, move up/down, delete), its shared editor (./notebookCellEditor.ts) and what it shows.
 * JavaScript and SQL cells go to the reactive runtime (./notebookRuntime.ts) when their text
 * settles (or at once with Run / Shift-Enter); markdown cells render as they change; strategy
 * cells get a Backtest bar (./notebookBacktest.ts). Remote edits arrive through the Y.Text like
 * local ones, so every viewer evaluates the same sources, each in their own browser.
 */
import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";
import { el } from "./dataView.js";
import type { Engine } from "./engineClient.js";
import { sqlNameComment } from "./notebookAnalysis.js";
import { strategyPanel, type StrategyPanel } from "./notebookBacktest.js";
import { cellEditor, type CellEditor } from "./notebookCellEditor.js";
import { isCellName, type CellKind, type NotebookCellRef } from "./notebookDoc.js";
import { failureView, inspect, markdownView, sqlResultView, valuesView, isTable } from "./notebookOutput.js";
import type { CellEvents, NotebookRuntime } from "./notebookRuntime.js";

export interface CellViewOptions {
  readonly cell: NotebookCellRef;
  readonly awareness: Awareness;
  readonly runtime: NotebookRuntime;
  readonly engine: Engine;
  /** Resolves once the sample is loaded. */
  readonly ready: Promise<unknown>;
  /** "cell 3" for a cell id (in messages about another cell). */
  readonly label: (id: string) => string;
  readonly onMove: (delta: number) => void;
  readonly onDelete: () => void;
  readonly readOnly: boolean;
  readonly width: () => number;
  /** Quiet time after an edit before the cell runs. Default 500 ms. */
  readonly settleMs?: number;
}

export interface CellView {
  readonly id: string;
  readonly element: HTMLElement;
  /** The same cell in another Y.Map (it was moved): binds the editor to it, keeps the output. */
  rebind(cell: NotebookCellRef): void;
  /** Its place: number shown, and whether it can move up/down. */
  setPlace(index: number, count: number): void;
  setReadOnly(readOnly: boolean): void;
  /** Puts the caret in the editor. */
  focus(): void;
  destroy(): void;
}

const KIND_LABEL: Readonly<Record<CellKind, string>> = { markdown: "Markdown", sql: "SQL", js: "JavaScript", strategy: "Strategy" };

const iconButton = (testid: string, text: string, title: string) => el("button", { type: "button", class: "qw-nb-icon", "data-testid": testid, title, "aria-label": title }, text);

export function cellView(options: CellViewOptions): CellView {
  let cell = options.cell;
  const { id, kind } = cell;
  const { runtime } = options;
  let readOnly = options.readOnly;
  let destroyed = false;

  const number = el("span", { class: "qw-nb-number" });
  const state = el("span", { class: "qw-nb-state", "data-testid": "cell-state", "aria-live": "polite" });
  const runButton = iconButton("cell-run", "▶", "Run now (Shift-Enter)");
  const upButton = iconButton("cell-up", "↑", "Move up");
  const downButton = iconButton("cell-down", "↓", "Move down");
  const deleteButton = iconButton("cell-delete", "✕", "Delete the cell");
  const editToggle = el("button", { type: "button", class: "qw-nb-text-button", "data-testid": "cell-edit" }, "Edit");
  const nameInput = el("input", { type: "text", class: "qw-nb-name", spellcheck: "false", "data-testid": "cell-name", "aria-label": "Name of the result", placeholder: "name" });
  const editorSlot = el("div", { class: "qw-nb-editor-slot" });
  const output = el("div", { class: "qw-nb-output", "data-testid": "cell-output" });
  const extra = el("div");
  const head = el("div", { class: "qw-nb-cell-head" },
    number, el("span", { class: `qw-nb-kind qw-nb-kind-${kind}` }, KIND_LABEL[kind]),
    ...(kind === "sql" ? [el("span", { class: "qw-nb-as" }, "as"), nameInput] : []),
    state, el("span", { class: "qw-nb-spacer" }),
    ...(kind === "markdown" ? [editToggle] : []), ...(kind === "js" || kind === "sql" ? [runButton] : []),
    upButton, downButton, deleteButton);
  const element = el("section", { class: `qw-nb-cell qw-nb-cell-${kind}`, "data-testid": "cell", "data-cell-id": id, "data-kind": kind },
    head, editorSlot, extra, output);

  let editor: CellEditor | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settle = options.settleMs ?? 500;

  // ---- names (SQL): a `-- name:` line wins over the shared name field ----
  const sharedName = () => {
    const n = cell.map.get("name");
    return typeof n === "string" && isCellName(n) ? n : undefined;
  };
  const effectiveName = () => sqlNameComment(cell.text.toString()) ?? sharedName();
  function showName(): void {
    const fromComment = sqlNameComment(cell.text.toString());
    if (document.activeElement !== nameInput) nameInput.value = fromComment ?? (typeof cell.map.get("name") === "string" ? String(cell.map.get("name")) : "");
    nameInput.disabled = readOnly || fromComment !== undefined;
    nameInput.title = fromComment ? "set by the cell's first line (-- name: …)" : "the JavaScript name other cells read this result by";
    nameInput.classList.toggle("qw-bad", !fromComment && nameInput.value !== "" && !isCellName(nameInput.value));
  }
  nameInput.addEventListener("input", () => {
    const v = nameInput.value.trim();
    nameInput.classList.toggle("qw-bad", v !== "" && !isCellName(v));
    if (v === "" || isCellName(v)) {
      if (v === "") cell.map.delete("name");
      else cell.map.set("name", v);
    }
  });
  nameInput.addEventListener("blur", showName);

  // ---- output ----
  let started = 0;
  let fresh = false; // a run began and has not shown anything yet: its first output replaces the old
  const clearIfFresh = () => {
    if (!fresh) return;
    fresh = false;
    output.replaceChildren();
  };
  const setState = (kindOfState: "running" | "ok" | "error" | "blocked" | "", text: string) => {
    state.textContent = text;
    state.dataset.state = kindOfState;
    element.dataset.state = kindOfState;
  };
  const events: CellEvents = {
    pending() {
      started = performance.now();
      fresh = true;
      output.classList.add("qw-nb-stale");
      setState("running", "waiting…");
    },
    started() {
      // the time shown is the cell's own, not the wait for its inputs or the data
      started = performance.now();
      setState("running", "running…");
    },
    display(value) {
      clearIfFresh();
      output.classList.remove("qw-nb-stale");
      output.append(el("div", { class: "qw-nb-display" }, inspect(value)));
    },
    fulfilled(result) {
      clearIfFresh();
      output.classList.remove("qw-nb-stale");
      editor?.showProblems([]);
      const ms = Math.round(performance.now() - started);
      setState("ok", `✓ ${ms.toLocaleString("en-US")} ms`);
      if (result.kind === "expression") {
        if (result.value !== undefined || output.childElementCount === 0) output.append(el("div", { class: "qw-nb-display", "data-testid": "cell-value" }, inspect(result.value)));
      } else if (result.kind === "program") {
        if (Object.keys(result.values).length > 0) output.append(valuesView(result.values));
      } else if (result.empty) {
        output.append(el("p", { class: "qw-status" }, "Write a query: the sample is the table data (symbol, time, open, high, low, close, volume)."));
      } else if (isTable(result.value)) {
        output.append(sqlResultView(result.value, { width: options.width(), ...(result.name ? { name: result.name } : {}) }));
      } else {
        output.append(inspect(result.value));
      }
    },
    rejected(failure) {
      clearIfFresh();
      output.classList.remove("qw-nb-stale");
      setState(failure.input ? "blocked" : "error", failure.input ? `blocked by ${options.label(failure.input.cell)}` : "✗ error");
      output.append(failureView(failure, options.label));
      editor?.showProblems(failure.line ? [{ line: failure.line, column: failure.column ?? 1, message: failure.message }] : []);
    },
  };

  // ---- evaluation ----
  let panel: StrategyPanel | undefined;
  let markdownEditing = false;
  const spec = () => ({ id, kind: kind as "js" | "sql", source: cell.text.toString(), ...(kind === "sql" && effectiveName() ? { name: effectiveName() } : {}) });
  function evaluate(): void {
    clearTimeout(timer);
    if (destroyed) return;
    if (kind === "js" || kind === "sql") runtime.set(spec(), events);
    else if (kind === "markdown") output.replaceChildren(markdownView(cell.text.toString()));
  }
  /** Run / Shift-Enter: a strategy's backtest; any other cell now, again even when unchanged. */
  function runNow(): void {
    clearTimeout(timer);
    if (kind === "strategy") void panel?.run();
    else if (kind === "markdown") evaluate();
    else if (!runtime.set(spec(), events)) runtime.rerun(id);
  }
  const schedule = () => {
    clearTimeout(timer);
    if (kind === "markdown") timer = setTimeout(evaluate, 150);
    else if (kind === "js" || kind === "sql") {
      setState("", "edited");
      timer = setTimeout(evaluate, settle);
    }
  };

  // ---- binding to the Y.Map / Y.Text ----
  let unbind = () => {};
  function bind(): void {
    editor?.destroy();
    editor = cellEditor({ text: cell.text, awareness: options.awareness, kind, readOnly, onRun: runNow });
    const showEditor = kind !== "markdown" || markdownEditing;
    editorSlot.replaceChildren(...(showEditor ? [editor.element] : []));
    const onText = (event: Y.YTextEvent) => {
      if (kind === "sql") {
        // the `-- name:` line, when typed here, becomes the shared name too (the published page uses that)
        const fromComment = sqlNameComment(cell.text.toString());
        if (event.transaction.local && fromComment && isCellName(fromComment) && cell.map.get("name") !== fromComment) cell.map.set("name", fromComment);
        showName();
      }
      schedule();
    };
    const onMap = () => {
      if (kind !== "sql") return;
      showName();
      schedule();
    };
    cell.text.observe(onText);
    cell.map.observe(onMap);
    unbind = () => {
      cell.text.unobserve(onText);
      cell.map.unobserve(onMap);
    };
  }

  function setMarkdownEditing(on: boolean, focus = on): void {
    markdownEditing = on;
    editToggle.textContent = on ? "Done" : "Edit";
    editToggle.setAttribute("aria-pressed", String(on));
    element.classList.toggle("qw-nb-editing", on);
    editorSlot.replaceChildren(...(on && editor ? [editor.element] : []));
    if (focus) editor?.view.focus();
  }
  editToggle.addEventListener("click", () => setMarkdownEditing(!markdownEditing));
  runButton.addEventListener("click", runNow);
  upButton.addEventListener("click", () => options.onMove(-1));
  downButton.addEventListener("click", () => options.onMove(1));
  deleteButton.addEventListener("click", () => options.onDelete());

  // a markdown cell shows its text rendered; its editor opens on Edit, a double click, or when you add it
  if (kind === "markdown") output.addEventListener("dblclick", () => { if (!readOnly) setMarkdownEditing(true); });
  bind();
  if (kind === "markdown") setMarkdownEditing(markdownEditing);
  if (kind === "sql") showName();
  if (kind === "strategy") {
    panel = strategyPanel({
      engine: options.engine, ready: options.ready, source: () => cell.text.toString(), width: options.width,
      onProblem: (line, message) => editor?.showProblems([{ line, message }]),
    });
    extra.append(panel.element);
  }
  deleteButton.disabled = readOnly;
  evaluate();


  return {
    id,
    element,
    rebind(next) {
      if (next.map === cell.map) return;
      unbind();
      cell = next;
      bind();
      if (kind === "markdown") setMarkdownEditing(markdownEditing, false);
      if (kind === "sql") showName();
      // the copy may differ from what ran (an edit raced the move): run what it holds
      if (kind === "js" || kind === "sql") evaluate();
    },
    setPlace(index, count) {
      number.textContent = `[${index + 1}]`;
      upButton.disabled = readOnly || index === 0;
      downButton.disabled = readOnly || index === count - 1;
    },
    /** The view's setPlace() follows, which sets the move buttons. */
    setReadOnly(value) {
      readOnly = value;
      deleteButton.disabled = readOnly;
      editor?.setReadOnly(readOnly);
      if (kind === "sql") showName();
    },
    focus() {
      if (kind === "markdown") setMarkdownEditing(true);
      else editor?.view.focus();
    },
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      unbind();
      editor?.destroy();
      if (kind === "js" || kind === "sql") runtime.delete(id);
    },
  };
}
