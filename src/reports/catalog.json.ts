// Framework data loader: every report spec with its key figures, for the reports index page
// (src/reports/index.md). Runs each spec's backtest only (no robustness checks): the same numbers
// as its page's summary.
import { readdirSync } from "node:fs";
import { buildReport } from "../../engine/node/reports/buildReport.js";
import { reportJson } from "../../engine/node/reports/reportJson.js";
import { REPORT_ID, specsDir } from "../../engine/node/reports/reportPaths.js";

const ids = readdirSync(specsDir()).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).filter((id) => REPORT_ID.test(id)).sort();
const entries = [];
for (const id of ids) {
  const report = await buildReport(id, { summaryOnly: true });
  if ("error" in report) {
    entries.push({ id, title: report.spec?.title ?? id, error: report.error });
    continue;
  }
  const { spec, sheet, data, strategy, pins } = report;
  entries.push({
    id, title: spec.title, strategy: strategy.name, strategyKind: strategy.kind, params: sheet.run.params,
    dataset: data.dataset, symbols: data.series.map((s) => s.symbol), timeframe: data.series[0]?.timeframe ?? "",
    firstMs: Math.min(...data.series.map((s) => s.firstMs)), lastMs: Math.max(...data.series.map((s) => s.lastMs)),
    metrics: sheet.run.metrics, engineVersion: pins.engineVersion,
  });
}
process.stdout.write(reportJson(entries));
