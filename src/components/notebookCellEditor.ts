/**
 * A notebook cell's editor: CodeMirror 6 bound to the cell's shared Y.Text with y-codemirror
 * (everyone's edits as they type, remote cursors with names, per-user undo), sized to its text,
 * with the cell's language: JavaScript, TypeScript for strategy cells, a small SQL highlighter,
 * wrapped prose for markdown. Shift-Enter (or Ctrl/Cmd-Enter) runs the cell now. Plain DOM.
 *
 * @example
 * const editor = cellEditor({ text, awareness, kind: "sql", onRun: () => runNow() });
 * container.append(editor.element);
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { bracketMatching, defaultHighlightStyle, indentOnInput, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightSpecialChars, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import type { CellKind } from "./notebookDoc.js";

export interface CellEditorOptions {
  readonly text: Y.Text;
  readonly awareness: Awareness;
  readonly kind: CellKind;
  /** Shift-Enter / Mod-Enter. */
  readonly onRun?: () => void;
  /** Called after every change of the text, local or remote. */
  readonly onChange?: () => void;
  readonly readOnly?: boolean;
}

export interface CellEditor {
  readonly element: HTMLElement;
  readonly view: EditorView;
  setReadOnly(readOnly: boolean): void;
  /** Marks problems at their lines (1-based; clamped to the text); none clears them. */
  showProblems(problems: readonly { line: number; column?: number; message: string }[]): void;
  destroy(): void;
}

const SQL_KEYWORDS = new Set(("select from where group by order having limit offset as and or not in is null join left right inner outer full cross on " +
  "union all distinct with case when then else end over partition window rows range between preceding following current row asc desc " +
  "create table view insert into values update set delete drop cast like ilike exists true false interval qualify using lateral pivot unpivot").split(" "));

/** Keywords, strings, numbers and comments: enough to read a query at a glance. */
const sqlLanguage = StreamLanguage.define<{ inBlock: boolean }>({
  name: "sql",
  startState: () => ({ inBlock: false }),
  token(stream, state) {
    if (state.inBlock) {
      if (stream.skipTo("*/")) { stream.pos += 2; state.inBlock = false; } else stream.skipToEnd();
      return "comment";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("--")) { stream.skipToEnd(); return "comment"; }
    if (stream.match("/*")) { state.inBlock = true; return "comment"; }
    if (stream.match(/^'(?:[^']|'')*'?/)) return "string";
    if (stream.match(/^"(?:[^"]|"")*"?/)) return "variableName.special";
    if (stream.match(/^\d+(?:\.\d+)?(?:e[+-]?\d+)?/i)) return "number";
    if (stream.match(/^[A-Za-z_][\w$]*/)) return SQL_KEYWORDS.has(stream.current().toLowerCase()) ? "keyword" : "variableName";
    stream.next();
    return "operator";
  },
  languageData: { commentTokens: { line: "--" } },
});

const PLACEHOLDER: Readonly<Record<CellKind, string>> = {
  markdown: "Markdown: # a heading, *emphasis*, lists, `code`, tables…",
  sql: "-- name: prices\nselect symbol, avg(close) as close from data group by symbol",
  js: "const n = prices.numRows();   // or an expression, shown below: Plot.barY(prices, {x: \"symbol\", y: \"close\"}).plot()",
  strategy: "export default { name, params, init(ctx, p), onBar(ctx, state) }",
};

const theme = EditorView.theme({
  "&": { fontSize: "13px", background: "var(--theme-background)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--monospace, ui-monospace, monospace)", lineHeight: "1.5", maxHeight: "560px", overflow: "auto" },
  ".cm-content": { padding: "6px 0" },
  ".cm-gutters": { background: "var(--theme-background-alt)", borderRight: "1px solid var(--theme-foreground-faintest)", color: "var(--theme-foreground-faint)" },
  ".cm-activeLine": { background: "color-mix(in srgb, var(--theme-foreground-focus, #2563eb) 5%, transparent)" },
  ".cm-placeholder": { color: "var(--theme-foreground-faint)" },
  // a remote caret's name stays visible: who is where matters more than the line above it
  ".cm-ySelectionInfo": { opacity: "1", fontFamily: "var(--sans-serif, system-ui, sans-serif)", fontSize: "11px", padding: "0 4px", borderRadius: "3px 3px 3px 0", top: "-1.35em" },
});

function language(kind: CellKind): Extension {
  switch (kind) {
    case "js": return javascript();
    case "strategy": return javascript({ typescript: true });
    case "sql": return sqlLanguage;
    case "markdown": return [EditorView.lineWrapping, EditorView.theme({ ".cm-content": { fontFamily: "var(--sans-serif, system-ui, sans-serif)" } })];
  }
}

/** The editor of one cell, bound to `options.text`. */
export function cellEditor(options: CellEditorOptions): CellEditor {
  const undoManager = new Y.UndoManager(options.text);
  const editable = new Compartment();
  const run = () => {
    options.onRun?.();
    return true;
  };
  const extensions: Extension[] = [
    theme,
    keymap.of([{ key: "Shift-Enter", run }, { key: "Mod-Enter", run }]),
    yCollab(options.text, options.awareness, { undoManager }),
    keymap.of([...yUndoManagerKeymap, ...closeBracketsKeymap, ...defaultKeymap, ...completionKeymap, indentWithTab]),
    highlightSpecialChars(),
    drawSelection(),
    highlightActiveLine(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    placeholder(PLACEHOLDER[options.kind]),
    language(options.kind),
    editable.of([EditorView.editable.of(!options.readOnly), EditorState.readOnly.of(!!options.readOnly)]),
    EditorView.contentAttributes.of({ "aria-label": `${options.kind} cell` }),
    EditorView.updateListener.of((update) => { if (update.docChanged) options.onChange?.(); }),
  ];
  if (options.kind !== "markdown") extensions.push(lineNumbers(), lintGutter());
  const view = new EditorView({ doc: options.text.toString(), extensions });
  const element = document.createElement("div");
  element.className = "qw-nb-editor";
  element.dataset.testid = "cell-editor";
  element.append(view.dom);
  return {
    element,
    view,
    setReadOnly(readOnly) {
      view.dispatch({ effects: editable.reconfigure([EditorView.editable.of(!readOnly), EditorState.readOnly.of(readOnly)]) });
    },
    showProblems(problems) {
      const doc = view.state.doc;
      view.dispatch(setDiagnostics(view.state, problems.map((p) => {
        const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
        const from = Math.min(line.to, line.from + Math.max(0, (p.column ?? 1) - 1));
        return { from: from < line.to ? from : line.from, to: line.to, severity: "error" as const, message: p.message };
      })));
    },
    destroy() {
      view.destroy();
      undoManager.destroy();
    },
  };
}
