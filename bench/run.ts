/**
 * `npm run bench`: every benchmark of the project in one JSON document on stdout. A bench whose
 * module is missing is left out; one that fails reports its error instead of figures.
 */
import { existsSync } from "node:fs";
import { engineBench } from "./engine.bench.js";

type Bench = () => Promise<Record<string, unknown>> | Record<string, unknown>;

async function optional(file: string, name: string): Promise<Bench | undefined> {
  if (!existsSync(new URL(file, import.meta.url))) return undefined;
  return (await import(file))[name] as Bench;
}

const benches: [string, Bench | undefined][] = [
  ["engine", engineBench],
  ["data", await optional("./data.bench.ts", "dataBench")],
  ["browser", await optional("./browser.bench.ts", "browserBench")],
  ["live", await optional("./live.bench.ts", "liveBench")],
];
const out: Record<string, unknown> = { node: process.version };
for (const [name, bench] of benches) {
  if (!bench) continue;
  try {
    out[name] = await bench();
  } catch (error) {
    out[name] = { error: error instanceof Error ? error.message : String(error) };
  }
}
console.log(JSON.stringify(out, null, 2));
