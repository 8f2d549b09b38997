/**
 * Writes notebook documents through to Framework pages (`<dir>/<slug>.md`, by default
 * src/notebooks/): a while after the last change (debounced, but at least every few debounce
 * periods while typing goes on), on an explicit save, when the document leaves memory and when
 * the hub stops. Each write is atomic (temporary file + rename) and skipped when the page would
 * not change, so Framework's preview does not reload for nothing. An empty notebook that has no
 * page yet gets none.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicFile.js";
import type { DocName } from "./docNames.js";
import type { NotebookContent } from "./docContent.js";
import { notebookMarkdown } from "./notebookMarkdown.js";

export interface NotebookFilesOptions {
  /** The folder of the pages, e.g. <project>/src/notebooks. */
  readonly dir: string;
  /** Quiet time after a change before the page is written. */
  readonly debounceMs: number;
  /** The notebook's current content (undefined: it is gone). */
  readonly read: (doc: DocName) => NotebookContent | undefined;
  readonly onError?: (doc: DocName, error: unknown) => void;
}

/** What a write did. */
export interface NotebookWrite {
  /** The page's path. */
  readonly path: string;
  /** False when the page already said exactly this (or the notebook is empty and has no page). */
  readonly written: boolean;
  readonly bytes: number;
}

export class NotebookFiles {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; since: number; doc: DocName }>();

  constructor(private readonly options: NotebookFilesOptions) {}

  /** The page of notebook `doc`. */
  pathOf(doc: DocName): string {
    return join(this.options.dir, `${doc.id}.md`);
  }

  /** A notebook changed: write its page once the typing pauses (or after 5 debounce periods at most). */
  changed(doc: DocName): void {
    if (doc.kind !== "notebook") return;
    const now = Date.now();
    const pending = this.timers.get(doc.name);
    if (pending) clearTimeout(pending.timer);
    const since = pending?.since ?? now;
    const wait = Math.max(0, Math.min(this.options.debounceMs, since + 5 * this.options.debounceMs - now));
    const timer = setTimeout(() => {
      this.timers.delete(doc.name);
      try {
        this.save(doc);
      } catch (error) {
        this.options.onError?.(doc, error);
      }
    }, wait);
    timer.unref();
    this.timers.set(doc.name, { timer, since, doc });
  }

  /** Writes `doc`'s page now (cancelling a pending debounced write). Throws if the write fails. */
  save(doc: DocName): NotebookWrite {
    const pending = this.timers.get(doc.name);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(doc.name);
    const path = this.pathOf(doc);
    const content = this.options.read(doc);
    if (!content) return { path, written: false, bytes: 0 };
    const exists = existsSync(path);
    if (content.cells.length === 0 && !exists) return { path, written: false, bytes: 0 };
    const markdown = notebookMarkdown(content.cells, { slug: doc.id });
    const bytes = Buffer.byteLength(markdown);
    if (exists && readFileSync(path, "utf8") === markdown) return { path, written: false, bytes };
    writeFileAtomic(path, markdown);
    return { path, written: true, bytes };
  }

  /** Writes every pending page now. */
  flush(): void {
    for (const { doc } of [...this.timers.values()]) {
      try {
        this.save(doc);
      } catch (error) {
        this.options.onError?.(doc, error);
      }
    }
  }

  close(): void {
    this.flush();
  }
}
