/**
 * "Publish this run" on the Backtest page: asks the hub to write a report spec for the run
 * (engine/node/reports/publish.ts behind POST /api/reports); the next `npm run build` makes its
 * tear-sheet page. Only runs the project can rebuild can be published: a built-in sample (or a
 * data file of the project) at its own timeframe, not a file dropped into this browser.
 */
import { collabSettings } from "./collabSettings.js";
import { el } from "./dataView.js";
import type { BacktestRequest } from "./engineClient.js";
import { hubHttpUrl } from "./hubClient.js";

/** The run as the Backtest page sent it to the worker, its dataset named as the project knows it ("sample-1h.parquet"). */
export type PublishableRun = Omit<BacktestRequest, "range">;

/** Why a run cannot be published, or undefined when it can. */
export function unpublishable(run: PublishableRun, timeframe: string): string | undefined {
  if (timeframe) return "a report is built from the data at its own timeframe: publish a run made \"as loaded\"";
  if (!/^sample-\w+\.(parquet|csv)$/.test(run.dataset)) return `"${run.dataset}" lives only in this browser: publish runs on the built-in samples, or add the file to the project and use npm run report`;
  return undefined;
}

/** A title input and a Publish button that POST the run to the hub and say where its page will be. */
export function publishPanel(run: PublishableRun, timeframe: string): HTMLElement {
  const why = unpublishable(run, timeframe);
  const title = el("input", { type: "text", "data-testid": "publish-title", placeholder: "Title of the report", "aria-label": "Report title" });
  const button = el("button", { "data-testid": "publish" }, "Publish this run");
  const status = el("span", { class: "qw-status", "data-testid": "publish-status", "aria-live": "polite" });
  if (why) {
    button.disabled = true;
    status.textContent = `Cannot publish: ${why}.`;
  }
  button.onclick = async () => {
    if (!title.value.trim()) return void (status.textContent = "Give the report a title first.");
    const { hubUrl, token } = collabSettings(location.search);
    if (!token) return void (status.textContent = "Publishing goes through the hub: open the page with the link npm start prints (it carries your token).");
    button.disabled = true;
    status.textContent = "publishing…";
    try {
      const res = await fetch(`${hubHttpUrl(hubUrl)}/api/reports`, {
        method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ title: title.value.trim(), run: { ...run, dataset: run.dataset.replace(/\.(parquet|csv)$/, "") } }),
      });
      const body = (await res.json().catch(() => ({}))) as { path?: string; error?: string };
      if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
      status.replaceChildren("Published: the next ", el("code", {}, "npm run build"), " makes ", el("a", { href: `.${body.path}`, "data-testid": "publish-link" }, body.path ?? ""), ".");
    } catch (error) {
      status.textContent = `Not published: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      button.disabled = false;
    }
  };
  return el("div", { class: "qw-publish", "data-testid": "publish-panel" }, title, button, status);
}
