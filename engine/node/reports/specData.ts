/**
 * The bars of a report spec: a built-in sample generated again exactly as the site's data loaders
 * generate it (src/data/*.ts), or a file under src/data/ or ../shared/data/ whose bytes must still
 * hash to the sha256 the spec pins.
 */
import { readFileSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { BarSeries } from "../../bars.js";
import { describeSynthetic, syntheticMarket } from "../../data/synthetic.js";
import { SYNTHETIC_SAMPLES } from "../../data/syntheticSamples.js";
import { InputError } from "../../errors.js";
import { readBars } from "../readBars.js";
import { barsSha256, sha256Hex } from "./reportHashes.js";
import { sampleName, type ReportSpec } from "./reportSpec.js";

/** Where a spec's data file may be, relative to the project root. */
export const DATA_FOLDERS: readonly string[] = ["src/data", "../shared/data"];

export interface SpecData {
  readonly bars: readonly BarSeries[];
  readonly kind: "sample" | "file";
  /** A sample's name, or the file's path relative to the project root. */
  readonly dataset: string;
  /** The file's bytes' sha256 for a file; barsSha256 for a sample (it has no file to hash). */
  readonly dataSha256: string;
  readonly barsSha256: string;
  /** What the data is, in words (a sample's generator and seed). */
  readonly description: string;
}

/**
 * The file a dataset path names, when it lies inside one of DATA_FOLDERS of `root` (symlinks
 * resolved); throws InputError otherwise.
 */
export function dataFile(root: string, dataset: string): string {
  const file = isAbsolute(dataset) ? dataset : resolve(root, dataset);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new InputError("DATA_NOT_FOUND", { dataset }, `the data file ${dataset} does not exist (a dataset is a sample: ${SYNTHETIC_SAMPLES.map((s) => s.name).join(", ")}, or a file under ${DATA_FOLDERS.join(" or ")})`);
  }
  const inside = DATA_FOLDERS.some((folder) => {
    let base: string;
    try {
      base = realpathSync(resolve(root, folder));
    } catch {
      return false;
    }
    return real.startsWith(base + sep);
  });
  if (!inside) throw new InputError("DATA_OUTSIDE", { dataset }, `the data file ${dataset} is not under ${DATA_FOLDERS.join(" or ")}: a report reads only data the project keeps`);
  return real;
}

/** A dataset path as a spec writes it: relative to the project root, with "/". */
export const datasetPath = (root: string, file: string): string => relative(root, file).split(sep).join("/");

/**
 * Loads the spec's bars (its symbols, in its order) and hashes them. Throws InputError for an
 * unknown sample or symbol, a file outside the data folders, missing, changed since it was pinned,
 * or unreadable.
 */
export async function loadSpecData(spec: ReportSpec, root: string): Promise<SpecData> {
  const sample = SYNTHETIC_SAMPLES.find((s) => s.name === sampleName(spec.dataset));
  if (sample) {
    const all = syntheticMarket(sample.options);
    const bars = spec.symbols.map((symbol) => {
      const found = all.find((s) => s.symbol === symbol);
      if (!found) throw new InputError("UNKNOWN_SYMBOL", { symbol }, `the sample ${sample.name} has no symbol "${symbol}"; its symbols are ${all.map((s) => s.symbol).join(", ")}`);
      return found;
    });
    const hash = barsSha256(bars);
    return { bars, kind: "sample", dataset: sample.name, dataSha256: hash, barsSha256: hash, description: describeSynthetic(sample.options).text };
  }
  const file = dataFile(root, spec.dataset);
  const actual = sha256Hex(readFileSync(file));
  if (!spec.dataSha256) throw new InputError("DATA_NOT_PINNED", { dataset: spec.dataset }, `the spec names the file ${spec.dataset} without its dataSha256 (it is ${actual})`);
  if (actual !== spec.dataSha256) {
    throw new InputError("DATA_CHANGED", { dataset: spec.dataset, expected: spec.dataSha256, actual },
      `the data file ${spec.dataset} has changed since the report was published: its sha256 is ${actual}, the spec pins ${spec.dataSha256}`);
  }
  const bars: BarSeries[] = [];
  for (const symbol of spec.symbols) bars.push(await readBars(file, { symbol }));
  return { bars, kind: "file", dataset: datasetPath(root, file), dataSha256: actual, barsSha256: barsSha256(bars), description: `the file ${datasetPath(root, file)}, read through DuckDB` };
}
