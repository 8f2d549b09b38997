/**
 * A notebook's cells as an Observable Framework page (src/notebooks/<slug>.md), so what the team
 * edits is what `npm run build` publishes. Pure (no Node, no Yjs): the hub writes the file with
 * it and the browser notebook page can show the same text.
 *
 * The page uses nothing that Framework fetches from a CDN (STACK.md 2.2, 2.6): bare imports and
 * the project's own engine worker. Its first block, the setup, defines what cells may use:
 * - `engine`: the workbench's engine client (src/components/engineClient.ts), with the built-in
 *   hourly sample loaded as the DuckDB table `bars` (`sample` is its TableInfo);
 * - `sql(query)`: runs SQL in the worker's DuckDB, resolves with an Arquero table;
 * - `table(t, limit?)`: an Arquero table as a workbench table;
 * - `backtest(source, params?)`: backtests strategy code (a module whose default export is the
 *   definition) on the sample's first symbol;
 * - `strategyPanel(source, params?)`: the code with a Backtest button and its results;
 * - `aq` (Arquero), `Plot`, and `el` (dataView's element helper).
 *
 * Cells become: markdown → the markdown itself; js → a ```js block; sql → a ```js block calling
 * `sql()` and showing the table (a named cell also defines its result, `const <name> = …`, for
 * later cells); strategy → a ```js block defining `strategy_<id>` (the source) and showing
 * `strategyPanel`. Each cell is preceded by an HTML comment naming it.
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

export interface NotebookMarkdownOptions {
  /** The notebook's slug (its document is notebook/<slug>). */
  readonly slug: string;
  /** The page title; default the first "# heading" of the first markdown cell, else the slug. */
  readonly title?: string;
  /** From the page to src/components; default "../components" (pages in src/notebooks/). */
  readonly componentsPath?: string;
  /** The sample loaded as `bars`, from the page; default "../data/sample-1h.parquet". */
  readonly samplePath?: string;
}

/** Cell ids: they end up in variable names and HTML comments. */
export const CELL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;
/** Names a sql cell may not take: the setup's, and words JavaScript reserves. */
const TAKEN = new Set([
  "engine", "sample", "sql", "table", "backtest", "strategyPanel", "aq", "Plot", "el", "display", "view", "invalidation", "width", "FileAttachment",
  "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export", "extends",
  "false", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new", "null", "return", "super", "switch", "this", "throw",
  "true", "try", "typeof", "var", "void", "while", "with", "yield",
]);

/** Whether `name` can be a sql cell's result variable. */
export function isCellName(name: string): boolean {
  return IDENTIFIER.test(name) && !TAKEN.has(name) && !name.startsWith("strategy_");
}

/** A fence longer than any run of backticks that starts a line of `source`, so the source cannot close it. */
function fenceFor(source: string): string {
  let longest = 0;
  for (const m of source.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)) longest = Math.max(longest, m[1]!.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** Closes a code fence a markdown cell left open, so it cannot swallow the cells after it. */
function closeOpenFence(markdown: string): string {
  let open: string | undefined;
  for (const line of markdown.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (!m) continue;
    const marker = m[1]!;
    if (open === undefined) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length && line.trim() === marker) open = undefined;
  }
  return open === undefined ? markdown : `${markdown}\n${open}`;
}

/** Closes an HTML comment a markdown cell left open (it would hide every cell after it). */
function closeOpenComment(markdown: string): string {
  const open = markdown.lastIndexOf("<!--");
  return open >= 0 && markdown.indexOf("-->", open + 4) < 0 ? `${markdown} -->` : markdown;
}

/** The first "# heading" of the first markdown cell. */
function titleOf(cells: readonly NotebookCell[]): string | undefined {
  const first = cells.find((c) => c.kind === "markdown");
  const m = first && /^#\s+(.+?)\s*#*\s*$/m.exec(first.source);
  return m?.[1];
}

const humanize = (slug: string) => slug.replace(/[-_]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());

function setupBlock(components: string, sample: string): string {
  return `\`\`\`js
// Notebook setup, written by the hub: the engine worker with the sample bars as the table \`bars\`,
// and the helpers the cells use.
import aq from "arquero/dist/arquero.min.js";
import * as Plot from "@observablehq/plot";
import { openEngine } from "${components}/engineClient.js";
import { el } from "${components}/dataView.js";
import { arqueroTable } from "${components}/arqueroTable.js";
import { metricsTable } from "${components}/metricsTable.js";
import { equityChart } from "${components}/equityChart.js";

const engine = openEngine();
invalidation.then(() => engine.terminate());
await engine.init();
const sample = await engine.loadUrl("bars", await FileAttachment(${JSON.stringify(sample)}).url());
const sql = async (query) => aq.fromArrow(await engine.query(query));
const table = (t, limit = 200) => arqueroTable(t, t.columnNames().map((key) => ({ key, label: key })), { limit, scroll: true });
const backtest = (source, params = {}) =>
  engine.backtest({ dataset: "bars", symbols: sample.symbols[0], strategy: "notebook", source, params });
function strategyPanel(source, params = {}) {
  const out = el("div");
  const status = el("span", { class: "qw-status" }, \`on \${sample.symbols[0]} (built-in hourly sample)\`);
  const button = el("button", { type: "button", class: "qw-primary" }, "Backtest");
  button.onclick = async () => {
    button.disabled = true;
    status.textContent = "running…";
    try {
      const result = await backtest(source, params);
      status.textContent = result.error ? \`stopped early: \${result.error.message}\` : \`\${result.barsProcessed.toLocaleString("en-US")} bars of \${sample.symbols[0]}\`;
      out.replaceChildren(el("div", { class: "qw-metrics-wrap" }, metricsTable(result)), equityChart(result));
    } catch (error) {
      status.textContent = "";
      out.replaceChildren(el("div", { class: "qw-error", role: "alert" }, error instanceof Error ? error.message : String(error)));
    } finally {
      button.disabled = false;
    }
  };
  return el("div", { class: "qw-section" }, el("pre", {}, source), el("div", { class: "qw-run" }, button, status), out);
}
\`\`\``;
}

function jsBlock(code: string): string {
  const fence = fenceFor(code);
  return `${fence}js\n${code.replace(/\s+$/, "")}\n${fence}`;
}

function cellBody(cell: NotebookCell, variables: Map<string, string>): string {
  switch (cell.kind) {
    case "markdown":
      return closeOpenComment(closeOpenFence(cell.source.replace(/\s+$/, "")));
    case "js":
      return jsBlock(cell.source);
    case "sql": {
      const query = JSON.stringify(cell.source.trim());
      return cell.name && isCellName(cell.name)
        ? jsBlock(`const ${cell.name} = await sql(${query});\ndisplay(table(${cell.name}));`)
        : jsBlock(`display(table(await sql(${query})));`);
    }
    case "strategy": {
      const variable = variables.get(cell.id)!;
      return jsBlock(`const ${variable} = ${JSON.stringify(cell.source)};\ndisplay(strategyPanel(${variable}));`);
    }
  }
}

/**
 * The page for a notebook's cells. Cells with a bad id or kind, and blank cells, are left out
 * (with a comment saying so); the output depends on nothing but the arguments.
 *
 * @example
 * notebookMarkdown([{ id: "a", kind: "markdown", source: "# Returns" }, { id: "b", kind: "sql", source: "select count(*) from bars" }], { slug: "returns" });
 */
export function notebookMarkdown(cells: readonly NotebookCell[], options: NotebookMarkdownOptions): string {
  const components = options.componentsPath ?? "../components";
  const sample = options.samplePath ?? "../data/sample-1h.parquet";
  const title = options.title ?? titleOf(cells) ?? humanize(options.slug);
  // one variable per strategy cell, unique even when two ids differ only in "-" and "_"
  const variables = new Map<string, string>();
  const used = new Set<string>();
  for (const c of cells) {
    if (c.kind !== "strategy" || !CELL_ID.test(c.id)) continue;
    let v = `strategy_${c.id.replace(/-/g, "_")}`;
    for (let i = 2; used.has(v); i++) v = `strategy_${c.id.replace(/-/g, "_")}_${i}`;
    used.add(v);
    variables.set(c.id, v);
  }
  const parts = [
    `---\ntitle: ${JSON.stringify(title)}\ntoc: false\n---`,
    `<!-- Written by the hub from the document notebook/${options.slug}: edit the notebook, not this file, which is overwritten. -->`,
    `<link rel="stylesheet" href="${components}/workbench.css">`,
    setupBlock(components, sample),
  ];
  cells.forEach((cell, i) => {
    if (!CELL_ID.test(cell.id) || !(CELL_KINDS as readonly string[]).includes(cell.kind)) {
      parts.push(`<!-- cell ${i + 1} left out: bad id or kind -->`);
      return;
    }
    if (cell.source.trim() === "") return;
    parts.push(`<!-- cell ${cell.id} (${cell.kind}) -->\n\n${cellBody(cell, variables)}`);
  });
  return `${parts.join("\n\n")}\n`;
}
