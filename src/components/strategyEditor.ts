/**
 * The collaborative strategy editor: CodeMirror 6 bound to a shared Y.Text with y-codemirror
 * (everyone's edits, remote cursors and selections with names and colours, per-user undo),
 * TypeScript/JavaScript highlighting, completion of the strategy API (./strategyCompletions.ts)
 * and problems shown as lint diagnostics at their lines. Plain DOM: no Framework globals.
 *
 * @example
 * const editor = strategyEditor({ text: doc.source, awareness: doc.awareness, params: () => ["period"] });
 * display(editor.element);
 * editor.showProblems([{ line: 3, column: 5, message: "syntax: Unexpected token", severity: "error" }]);
 */
import { javascript } from "@codemirror/lang-javascript";
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { indentWithTab } from "@codemirror/commands";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorState, Prec, type Extension } from "@codemirror/state";
import { keymap, placeholder } from "@codemirror/view";
import { basicSetup, EditorView } from "codemirror";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { strategyCompletions } from "./strategyCompletions.js";
import type { SourceProblem } from "./strategyTranspile.js";

export interface StrategyEditorOptions {
  readonly text: Y.Text;
  readonly awareness: Awareness;
  /** The strategy's parameter names as last checked (completed after `ctx.params.`). */
  readonly params?: () => readonly string[];
  /** Called after every change of the text, local or remote. */
  readonly onChange?: () => void;
  /** Plain text instead of code (the notes): no highlighting, completion or line numbers. */
  readonly prose?: boolean;
  readonly label?: string;
  /** Shown while the text is empty. */
  readonly placeholder?: string;
}

export interface StrategyEditor {
  readonly element: HTMLElement;
  readonly view: EditorView;
  /** Replaces the diagnostics shown with `problems` (1-based lines and columns, clamped to the text). */
  showProblems(problems: readonly SourceProblem[]): void;
  /** For a reader: the text cannot be changed here (the caret still moves and shows to the others). */
  setReadOnly(readOnly: boolean): void;
  destroy(): void;
}

/** The strategy API's completions as a CodeMirror source: after `ctx.`, at a definition or param-spec key. */
function apiCompletions(params: () => readonly string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const before = context.state.sliceDoc(0, context.pos);
    const found = strategyCompletions(before, { params: params() });
    if (!found) return null;
    // at a key with nothing typed yet, wait to be asked (Ctrl-Space) rather than pop up on every comma
    if (found.from === context.pos && !context.explicit && !/\.\s*$/.test(before)) return null;
    return {
      from: found.from,
      options: found.options.map((o) => ({ label: o.label, type: o.type, detail: o.detail, info: o.info, boost: 1 })),
      validFor: /^[\w$]*$/,
    };
  };
}

const theme = EditorView.theme({
  "&": { fontSize: "13px", border: "1px solid var(--theme-foreground-faint)", borderRadius: "6px", background: "var(--theme-background)" },
  "&.cm-focused": { outline: "2px solid color-mix(in srgb, #2563eb 45%, transparent)", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: "var(--monospace, ui-monospace, monospace)", lineHeight: "1.5", overflow: "auto" },
  ".cm-gutters": { background: "var(--theme-background-alt)", borderRight: "1px solid var(--theme-foreground-faintest)", borderRadius: "6px 0 0 6px" },
  // a remote caret's name stays visible: who is where matters more than the line above it
  ".cm-ySelectionInfo": { opacity: "1", fontFamily: "var(--sans-serif, system-ui, sans-serif)", fontSize: "11px", padding: "0 4px", borderRadius: "3px 3px 3px 0", top: "-1.35em" },
  ".cm-tooltip-autocomplete .cm-completionDetail": { fontStyle: "normal", opacity: "0.7", marginLeft: "0.8em" },
});

/** The editor, bound to `options.text`. */
export function strategyEditor(options: StrategyEditorOptions): StrategyEditor {
  const params = options.params ?? (() => []);
  const undoManager = new Y.UndoManager(options.text);
  const readOnly = new Compartment();
  const completionData = [{ autocomplete: apiCompletions(params) }];
  const extensions: Extension[] = [
    theme,
    readOnly.of([]),
    yCollab(options.text, options.awareness, { undoManager }),
    // undo takes back your own edits only (Y.UndoManager), never someone else's: it must win over
    // basicSetup's history keys, whose history also holds the changes that arrive from others
    Prec.high(keymap.of(yUndoManagerKeymap)),
    EditorView.contentAttributes.of({ "aria-label": options.label ?? "Strategy code" }),
    EditorView.updateListener.of((update) => { if (update.docChanged) options.onChange?.(); }),
    ...(options.placeholder ? [placeholder(options.placeholder)] : []),
  ];
  if (options.prose) {
    extensions.push(EditorView.lineWrapping, EditorView.theme({ "&": { minHeight: "4.5rem" }, ".cm-content": { fontFamily: "var(--sans-serif, system-ui, sans-serif)" } }));
  } else {
    extensions.push(
      basicSetup,
      keymap.of([indentWithTab]),
      javascript({ typescript: true }),
      // one source for the editor's life: autocompletion tells sources apart by identity, and a
      // new function per lookup would restart the query forever
      EditorState.languageData.of(() => completionData),
      lintGutter(),
      // wrapped, not scrolled sideways: the others' edits and carets stay in sight
      EditorView.lineWrapping,
      // room above the first line for a remote caret's name
      EditorView.theme({ "&": { minHeight: "320px", maxHeight: "620px" }, ".cm-scroller": { minHeight: "320px" }, ".cm-content": { paddingTop: "14px" } }),
    );
  }
  const view = new EditorView({ doc: options.text.toString(), extensions });
  const element = document.createElement("div");
  element.className = options.prose ? "qw-notes-editor" : "qw-code-editor";
  element.dataset.testid = options.prose ? "notes-editor" : "strategy-editor";
  element.append(view.dom);

  return {
    element,
    view,
    showProblems(problems) {
      const doc = view.state.doc;
      const diagnostics: Diagnostic[] = problems.map((p) => {
        const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
        const from = Math.min(line.to, line.from + Math.max(0, p.column - 1));
        // underline from the column to the end of the line (the whole line when that is empty)
        return { from: from < line.to ? from : line.from, to: line.to, severity: p.severity, message: p.message, source: `line ${p.line}` };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    setReadOnly(on) {
      view.dispatch({ effects: readOnly.reconfigure(on ? EditorState.readOnly.of(true) : []) });
      element.dataset.readonly = String(on);
    },
    destroy() {
      view.destroy();
      undoManager.destroy();
    },
  };
}
