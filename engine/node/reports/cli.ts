/**
 * `npm run report -- --title T --data FILE|SAMPLE --strategy NAME|PATH [--symbol S ...]
 * [--param k=v ...] [--cash N] [--commission RATE] [--slippage-bps N] [--fill-on-close]
 * [--risk RISK.json] [--description D]`: publishes a run as a report spec
 * (src/reports/specs/<id>.json); `npm run build` then makes its page /reports/<id>.
 * A PATH strategy is published as a bundle: the file's text must be a self-contained JavaScript
 * module whose default export is a strategy definition (as the Backtest page's code box takes).
 * Exit codes: 0 published, 2 bad input.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { syntheticMarket } from "../../data/synthetic.js";
import { SYNTHETIC_SAMPLES } from "../../data/syntheticSamples.js";
import { EngineError, InputError } from "../../errors.js";
import { readBars } from "../readBars.js";
import { publishRun, type PublishRequest } from "./publish.js";
import { PROJECT_ROOT } from "./reportPaths.js";
import { sampleName } from "./reportSpec.js";
import { dataFile } from "./specData.js";

const USAGE = `usage: npm run report -- --title TITLE --data FILE|SAMPLE --strategy NAME|PATH [--symbol S ...]
       [--param k=v ...] [--cash N] [--commission RATE] [--slippage-bps N] [--fill-on-close]
       [--risk RISK.json] [--description TEXT]
SAMPLE is a built-in sample (${SYNTHETIC_SAMPLES.map((s) => s.name).join(", ")}); FILE must be under src/data/ or ../shared/data/.`;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv], strict: true,
      options: {
        title: { type: "string" }, description: { type: "string" }, data: { type: "string" }, strategy: { type: "string" },
        symbol: { type: "string", multiple: true }, param: { type: "string", multiple: true },
        cash: { type: "string" }, commission: { type: "string" }, "slippage-bps": { type: "string" }, "fill-on-close": { type: "boolean" },
        risk: { type: "string" }, help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new InputError("USAGE", {}, `${(error as Error).message}\n${USAGE}`);
  }
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x)) throw new InputError("USAGE", { option: name, value: v }, `--${name} needs a number, got "${v}"`);
  return x;
}

function readText(what: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError("USAGE", { file }, `could not read ${what} ${file}: ${(error as Error).message}`);
  }
}

/** The symbols to run when none is given: a sample's first, or the file's own. */
async function defaultSymbols(data: string, root: string): Promise<string[]> {
  const sample = SYNTHETIC_SAMPLES.find((s) => s.name === sampleName(data));
  if (sample) return [syntheticMarket({ ...sample.options, bars: 2 })[0]!.symbol];
  return [(await readBars(dataFile(root, data))).symbol];
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], root: string = PROJECT_ROOT): Promise<number> {
  const v = parse(argv);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (!v.title || !v.data || !v.strategy) throw new InputError("USAGE", {}, `--title, --data and --strategy are required\n${USAGE}`);
  const params: Record<string, string> = {};
  for (const p of v.param ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new InputError("USAGE", { param: p }, `--param takes name=value, got "${p}"`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const isPath = /[\\/]|\.(js|mjs)$/.test(v.strategy);
  const request: PublishRequest = {
    title: v.title, ...(v.description ? { description: v.description } : {}), dataset: v.data,
    symbols: v.symbol?.length ? v.symbol : await defaultSymbols(v.data, root),
    strategy: v.strategy, ...(isPath ? { source: readText("the strategy module", v.strategy) } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(v.cash !== undefined ? { cash: num("cash", v.cash) } : {}),
    ...(v.commission !== undefined ? { commission: num("commission", v.commission) } : {}),
    ...(v["slippage-bps"] !== undefined ? { slippageBps: num("slippage-bps", v["slippage-bps"]) } : {}),
    ...(v["fill-on-close"] ? { fillOnClose: true } : {}),
    ...(v.risk ? { riskRules: JSON.parse(readText("the risk rules", v.risk)) as Record<string, unknown> } : {}),
  };
  const published = await publishRun(request, { root });
  console.log(`${published.created ? "published" : "already published"} ${published.id}: ${published.file}\nits page, after npm run build: ${published.page}`);
  return 0;
}

if (process.argv[1]?.endsWith("reports/cli.ts")) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
    if (error instanceof EngineError || error instanceof SyntaxError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  });
}
