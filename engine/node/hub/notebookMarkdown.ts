/**
 * A notebook's cells as an Observable Framework page (src/notebooks/<slug>.md), so what the team
 * edits is what `npm run build` publishes. Pure (no Node, no Yjs): the hub writes the file with
 * it and the browser can show the same text.
 *
 * The page is evaluated by the very code the live Notebook page uses, not by Framework's own
 * cell semantics: markdown cells are written as markdown (rendered as the live page renders
 * them: raw HTML and `${…}` shown as text, fenced code not run); each code cell is a listing of
 * its source above an empty output box (`<div class="qw-cell-out" data-qw-cell="<id>">`); and ONE
 * ```js block hands the code cells, as JSON, to src/components/notebookPublished.ts, which runs
 * them with the Notebook page's reactive runtime, globals and transpiler and fills the boxes.
 * Nothing is fetched from a CDN (STACK.md 2.2, 2.6): a local import and the built-in sample.
 */

export const CELL_KINDS = ["markdown", "sql", "js", "strategy"] as const;
export type CellKind = (typeof CELL_KINDS)[number];

/** A notebook cell as plain data (the Yjs cell is a Y.Map {id, kind, source: Y.Text, name?}). */
export interface NotebookCell {
  readonly id: string;
  readonly kind: CellKind;
  readonly source: string;
  /** For sql cells: a JavaScript identifier the result is bound to, for later cells. */
  readonly name?: string;
}

/** A code cell as the published page's JSON carries it to src/components/notebookPublished.ts. */
export interface PublishedCell {
  readonly id: string;
  /** Its place among the notebook's cells, 1-based, as the live page numbers it ("cell [3]"). */
  readonly number: number;
  readonly kind: Exclude<CellKind, "markdown">;
  readonly source: string;
  /** An SQL cell's shared name, when it is a valid one (a `-- name:` first line wins, as live). */
  readonly name?: string;
}

export interface NotebookMarkdownOptions {
  /** The notebook's slug (its document is notebook/<slug>). */
  readonly slug: string;
  /** The page title; default the first "# heading" of the first markdown cell, else the slug. */
  readonly title?: string;
  /** From the page to src/components; default "../components" (pages in src/notebooks/). */
  readonly componentsPath?: string;
  /** The sample loaded as the SQL table `data`, from the page; default "../data/sample-1h.parquet". */
  readonly samplePath?: string;
}

/** Cell ids: they end up in HTML attributes and comments. */
export const CELL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/**
 * What every cell may read besides the other cells' names (src/components/notebookBuiltins.ts
 * defines them, with the engine's public API); an SQL result may not take these names.
 */
export const NOTEBOOK_GLOBALS = [
  "Plot", "aq", "qw", "engine", "sample", "sql", "bars", "backtest", "table", "chart", "inspect", "el", "metricsTable", "equityChart", "display",
] as const;

const TAKEN = new Set<string>([
  ...NOTEBOOK_GLOBALS,
  "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export", "extends",
  "false", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new", "null", "return", "super", "switch", "this", "throw",
  "true", "try", "typeof", "var", "void", "while", "with", "yield",
]);

/** Whether `name` can be a sql cell's result variable. */
export function isCellName(name: string): boolean {
  return IDENTIFIER.test(name) && !TAKEN.has(name);
}

/** A fence longer than any run of backticks that starts a line of `source`, so the source cannot close it. */
function fenceFor(source: string): string {
  let longest = 0;
  for (const m of source.matchAll(/^[ \t]*(`{3,}|~{3,})/gm)) longest = Math.max(longest, m[1]!.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** `<scheme:…>` and `<user@host>`: autolinks, which the live page's markdown links too. */
const AUTOLINK = /^<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)>/;
const PUNCTUATION = /[!-/:-@[-`{-~]/;

/**
 * Inline text (no blank line in it) with raw HTML and `${` escaped, code spans left as they are:
 * Framework's markdown would render HTML and evaluate `${…}`, the live page's does neither.
 */
function escapeInline(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length && PUNCTUATION.test(text[i + 1]!)) {
      out += text.slice(i, i + 2);
      i += 2;
    } else if (c === "`") {
      let n = 1;
      while (text[i + n] === "`") n++;
      // a code span runs to the next run of exactly as many backticks; without one they are text
      let close = -1;
      for (let j = i + n; j < text.length;) {
        if (text[j] !== "`") { j++; continue; }
        let m = 1;
        while (text[j + m] === "`") m++;
        if (m === n) { close = j + m; break; }
        j += m;
      }
      const end = close >= 0 ? close : i + n;
      out += text.slice(i, end);
      i = end;
    } else if (c === "<") {
      const link = AUTOLINK.exec(text.slice(i, i + 300));
      if (out.endsWith("](")) {
        // a link destination in pointy brackets, [text](<a b.md>)
        out += c;
        i++;
      } else if (link) {
        out += link[0];
        i += link[0].length;
      } else {
        out += "\\<";
        i++;
      }
    } else if (c === "$" && text[i + 1] === "{") {
      out += "\\$";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const FENCE_OPEN = /^((?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?)(`{3,}|~{3,})(.*)$/;
const LIST_ITEM = /^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const INDENTED = /^(?: {4}|\t| {1,3}\t)/;

/**
 * A markdown cell as page markdown that renders as the live page renders it: code (fenced,
 * indented, spans) kept as written, fences marked `run=false` (Framework would run a ```js
 * fence), an unclosed fence closed (it would swallow the cells after it), HTML and `${` escaped.
 */
export function publishedMarkdown(source: string): string {
  const out: string[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.length) out.push(...escapeInline(text.join("\n")).split("\n"));
    text = [];
  };
  let fence: { char: string; length: number } | undefined;
  let previous: "blank" | "text" | "code" = "blank";
  let inList = false;
  for (const line of source.replace(/\r\n?/g, "\n").replace(/\s+$/, "").split("\n")) {
    if (fence) {
      const close = /^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) fence = undefined;
      out.push(line);
      continue;
    }
    if (line.trim() === "") {
      flush();
      out.push(line);
      if (previous !== "code") previous = "blank";
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[2]![0] === "`" && open[3]!.includes("`"))) {
      flush();
      fence = { char: open[2]![0]!, length: open[2]!.length };
      const info = open[3]!.trim();
      out.push(info ? `${open[1]}${open[2]}${info} run=false` : line);
      previous = "code";
      continue;
    }
    // an indented line after a blank is code, except inside a list (there it is the item's text)
    if (INDENTED.test(line) && (previous === "code" || (previous === "blank" && !inList))) {
      flush();
      out.push(line);
      previous = "code";
      continue;
    }
    if (ATX_HEADING.test(line)) {
      // a heading is a block of its own: a code span cannot run from it into the next line
      flush();
      out.push(escapeInline(line));
      previous = "text";
      inList = false;
      continue;
    }
    if (LIST_ITEM.test(line)) inList = true;
    else if (!/^[ \t]/.test(line) && previous === "blank") inList = false;
    text.push(line);
    previous = "text";
  }
  flush();
  if (fence) out.push(fence.char.repeat(fence.length));
  return out.join("\n");
}

/**
 * JSON as a JavaScript literal that cannot end the page's inline <script> nor open an HTML
 * comment in it (no "<"), on one line (no line separators): no line of it can close the fence.
 */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The first "# heading" of the first markdown cell. */
function titleOf(cells: readonly NotebookCell[]): string | undefined {
  const first = cells.find((c) => c.kind === "markdown");
  const m = first && /^#\s+(.+?)\s*#*\s*$/m.exec(first.source);
  return m?.[1];
}

const humanize = (slug: string) => slug.replace(/[-_]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());

const KIND_LABEL: Readonly<Record<PublishedCell["kind"], string>> = { sql: "SQL", js: "JavaScript", strategy: "Strategy" };
const LISTING_LANGUAGE: Readonly<Record<PublishedCell["kind"], string>> = { sql: "sql", js: "js", strategy: "ts" };

function runBlock(cells: readonly PublishedCell[], components: string, sample: string): string {
  const json = cells.length ? `[\n${cells.map((c) => `  ${safeJson(c)}`).join(",\n")}\n]` : "[]";
  return `\`\`\`js
// Runs the code cells below in this browser with the Notebook page's evaluator (reactive cells,
// the same globals, SQL in DuckDB on the built-in hourly sample as the table \`data\`).
import { runPublishedNotebook } from ${JSON.stringify(`${components}/notebookPublished.js`)};
const cells = ${json};
const notebook = runPublishedNotebook(cells, { sampleUrl: await FileAttachment(${JSON.stringify(sample)}).url() });
invalidation.then(() => notebook.dispose());
display(notebook.element);
\`\`\``;
}

/** A code cell: its source as a listing (strategies folded: long, and their output is a panel) and its output box. */
function codeCell(cell: PublishedCell): string {
  const fence = fenceFor(cell.source);
  const as = cell.kind === "sql" && cell.name ? ` · as <code>${cell.name}</code>` : "";
  return [
    `<div class="qw-pub-cell qw-pub-cell-${cell.kind}" data-cell-id="${cell.id}" data-kind="${cell.kind}">`,
    `<details class="qw-pub-source"${cell.kind === "strategy" ? "" : " open"}><summary><span class="qw-nb-number">[${cell.number}]</span> <span class="qw-nb-kind">${KIND_LABEL[cell.kind]}</span>${as}</summary>`,
    "",
    `${fence}${LISTING_LANGUAGE[cell.kind]} run=false`,
    cell.source.replace(/\s+$/, ""),
    fence,
    "",
    "</details>",
    `<div class="qw-cell-out" id="qw-cell-${cell.id}" data-qw-cell="${cell.id}" data-kind="${cell.kind}"></div>`,
    "</div>",
  ].join("\n");
}

/**
 * The page for a notebook's cells. Cells with a bad id or kind, and blank cells, are left out
 * (with a comment saying so); the output depends on nothing but the arguments.
 *
 * @example
 * notebookMarkdown([{ id: "a", kind: "markdown", source: "# Returns" }, { id: "b", kind: "sql", source: "select count(*) from data" }], { slug: "returns" });
 */
export function notebookMarkdown(cells: readonly NotebookCell[], options: NotebookMarkdownOptions): string {
  const components = options.componentsPath ?? "../components";
  const sample = options.samplePath ?? "../data/sample-1h.parquet";
  const title = options.title ?? titleOf(cells) ?? humanize(options.slug);
  const body: string[] = [];
  const code: PublishedCell[] = [];
  const seen = new Set<string>();
  cells.forEach((cell, i) => {
    if (!CELL_ID.test(cell.id) || !(CELL_KINDS as readonly string[]).includes(cell.kind) || seen.has(cell.id)) {
      body.push(`<!-- cell ${i + 1} left out: bad or repeated id, or unknown kind -->`);
      return;
    }
    seen.add(cell.id);
    if (cell.source.trim() === "") return;
    if (cell.kind === "markdown") {
      body.push(`<!-- cell ${cell.id} (markdown) -->\n\n${publishedMarkdown(cell.source)}`);
      return;
    }
    const published: PublishedCell = {
      id: cell.id, number: i + 1, kind: cell.kind, source: cell.source,
      ...(cell.kind === "sql" && cell.name && isCellName(cell.name) ? { name: cell.name } : {}),
    };
    code.push(published);
    body.push(`<!-- cell ${cell.id} (${cell.kind}) -->\n\n${codeCell(published)}`);
  });
  const parts = [
    `---\ntitle: ${JSON.stringify(title)}\ntoc: false\n---`,
    `<!-- Written by the hub from the document notebook/${options.slug.replace(/[^A-Za-z0-9_.-]/g, "_")}: edit the notebook on the Notebook page, not this file, which is overwritten. -->`,
    `<link rel="stylesheet" href="${components}/workbench.css">\n<link rel="stylesheet" href="${components}/notebookPublished.css">`,
    runBlock(code, components, sample),
    ...body,
  ];
  return `${parts.join("\n\n")}\n`;
}
