// Framework data loader: the report of the spec src/reports/specs/<run>.json, computed at build
// time by the engine (engine/node/reports/buildReport.ts). A spec that cannot be built gives
// { id, error } so that its page says why instead of failing the build.
import { parseArgs } from "node:util";
import { buildReport } from "../../engine/node/reports/buildReport.js";
import { reportJson } from "../../engine/node/reports/reportJson.js";

const { values } = parseArgs({ options: { run: { type: "string" } } });
process.stdout.write(reportJson(await buildReport(values.run ?? "")));
