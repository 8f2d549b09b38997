/**
 * Small-sample warnings as the page shows them: a box per section (what cannot be trusted, and the
 * rule that fired with its numbers), or, for the summary, every warning with the section it is in.
 */
import type { ReportWarning } from "../../engine/report/reportWarnings.js";
import { el } from "../../components/dataView.js";

const SECTION_NAMES: Readonly<Record<string, string>> = {
  summary: "Summary", monthly: "Monthly returns", rollingSharpe: "Rolling Sharpe", trades: "Trades", exposure: "Exposure",
  costs: "Cost sensitivity", walkForward: "Walk-forward", monteCarlo: "Monte Carlo",
};

/**
 * A warning box; empty (nothing shown) when there is no warning. With `withSections`, each line
 * links to its section (#section-<name>).
 *
 * @example
 * display(warningsView(warningsOf(report, "trades")));
 */
export function warningsView(warnings: readonly ReportWarning[], options: { withSections?: boolean; heading?: string } = {}): HTMLElement {
  const box = el("div", { class: "qw-warnings", role: "note", "data-testid": "warnings", "data-count": String(warnings.length) });
  if (warnings.length === 0) {
    box.hidden = true;
    return box;
  }
  if (options.heading) box.append(el("p", { class: "qw-warnings-head" }, options.heading));
  box.append(el("ul", {}, ...warnings.map((w) => el("li", { "data-code": w.code, "data-section": w.section },
    ...(options.withSections ? [el("a", { href: `#section-${w.section}` }, SECTION_NAMES[w.section] ?? w.section), ": "] : []),
    w.message, " ", el("small", {}, `(${w.reason})`)))));
  return box;
}
