/**
 * A report as JSON text, with the numbers JSON has no word for kept: NaN becomes null, ±Infinity
 * the strings "Infinity" and "-Infinity" (a profit factor with no loss is Infinity, not unknown).
 * The page reads it back with reviveReportJson (src/reports/components/reportData.ts).
 *
 * @example
 * process.stdout.write(reportJson(await buildReport(id)));
 */
export function reportJson(report: unknown): string {
  return JSON.stringify(report, (_key, v: unknown) =>
    typeof v !== "number" || Number.isFinite(v) ? v : Number.isNaN(v) ? null : v > 0 ? "Infinity" : "-Infinity");
}
