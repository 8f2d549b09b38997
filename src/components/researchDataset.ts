/**
 * The data panel of the research notes: a drop zone / file picker and the built-in samples, with
 * the loaded file's summary or its validation problems. Its `value` is the dataset the note works
 * on, announced with an "input" event, so `view(datasetPanel(...))` drives the page's cells.
 *
 * Each file goes into a table of its own. A file that does not load or fails validation shows its
 * problems and leaves `value` alone: the note keeps showing the last good dataset.
 */
import aq from "arquero/dist/arquero.min.js";
import { inferTimeframe } from "../engine/time.js";
import type { Engine, TableInfo } from "./engineClient.js";
import { sqlIdent } from "./barsSql.js";
import { el, errorView, filePicker, reportView, summaryView } from "./dataView.js";
import { announceOnly, messageOf, withValue } from "./researchInputs.js";

/** A validated table of bars in the data worker, ready for SQL, bars() and backtests. */
export interface ResearchDataset {
  /** The table's name in the data worker. */
  readonly table: string;
  /** The file name, or the sample's name. */
  readonly source: string;
  readonly info: TableInfo;
  readonly symbols: readonly string[];
  /** The bar length of the first symbol ("1h", "1d", …; "" when irregular). */
  readonly timeframe: string;
  /** First and last bar open time over all symbols, UTC ms. */
  readonly startMs: number;
  readonly endMs: number;
}

/** A built-in sample offered by a button. */
export interface SampleChoice {
  /** File name shown, e.g. "sample-1d.parquet". */
  readonly name: string;
  /** Button text, e.g. "daily bars, 10 years". */
  readonly label: string;
  /** From FileAttachment(...).url(). */
  readonly url: string;
}

export interface DatasetPanelOptions {
  readonly samples: readonly SampleChoice[];
  /** The sample loaded at once. Default 0. */
  readonly initial?: number;
  /** Prefix of the table names (one table per file loaded). */
  readonly prefix: string;
}

export type DatasetPanel = HTMLElement & { readonly value: ResearchDataset | undefined };

/**
 * @example
 * const dataset = view(datasetPanel(engine, { prefix: "u", samples: [{ name: "sample-1h.parquet", label: "hourly bars, 1 year", url }] }));
 */
export function datasetPanel(engine: Engine, options: DatasetPanelOptions): DatasetPanel {
  let current: ResearchDataset | undefined;
  let loads = 0;
  const status = el("div", { "data-testid": "dataset" });
  const keptNote = () => (current
    ? [el("p", { class: "qw-status", "data-testid": "dataset-kept" }, `The note below still shows ${current.source}.`)]
    : []);

  async function load(source: string, into: (table: string) => Promise<TableInfo>) {
    const token = ++loads;
    const table = `${options.prefix}${token}`;
    status.replaceChildren(el("p", { class: "qw-status" }, `Loading ${source}…`));
    try {
      const info = await into(table);
      const report = await engine.validate(table);
      if (token !== loads) return;
      if (!report.ok) {
        status.replaceChildren(summaryView(info, source), reportView(report), ...keptNote());
        return;
      }
      if (info.symbols.length === 0) throw new Error(`${source} holds no bars`);
      const first = await engine.bars(table, info.symbols[0]);
      const span = aq.fromArrow(await engine.query(`SELECT CAST(min(time) AS DOUBLE) AS t0, CAST(max(time) AS DOUBLE) AS t1 FROM ${sqlIdent(table)}`)).object(0) as { t0: number; t1: number };
      if (token !== loads) return;
      current = Object.freeze({
        table, source, info, symbols: info.symbols, timeframe: first.timeframe || inferTimeframe(first.time), startMs: span.t0, endMs: span.t1,
      });
      status.replaceChildren(summaryView(info, source, first), reportView(report));
      announce();
    } catch (error) {
      if (token !== loads) return;
      status.replaceChildren(errorView(messageOf(error)), ...keptNote());
    }
  }

  const buttons = options.samples.map((s) => {
    const button = el("button", { "data-testid": `load-${s.name.replace(/\.[^.]*$/, "")}` }, `Use the built-in sample: ${s.label}`);
    button.onclick = () => void load(s.name, (table) => engine.loadUrl(table, s.url));
    return button;
  });
  const element = el("div", { class: "qw-dataset" },
    filePicker((file) => void load(file.name, (table) => engine.loadFile(table, file))),
    el("div", { class: "qw-actions" }, ...buttons), status);
  // inputs inside (the file input) must not re-announce the same dataset
  const announce = announceOnly(element);
  const sample = options.samples[options.initial ?? 0];
  if (sample) void load(sample.name, (table) => engine.loadUrl(table, sample.url));
  return withValue(element, () => current);
}
