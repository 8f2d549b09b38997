/**
 * How much of the account was invested over time (gross exposure / equity), drawn with
 * Observable Plot from the report's buckets, with the summary figures above it.
 */
import * as Plot from "@observablehq/plot";
import type { ExposureProfile } from "../../engine/report/exposureProfile.js";
import { el } from "../../components/dataView.js";
import { pct } from "../../components/researchFormat.js";

/**
 * @example
 * display(exposureChart(report.sheet.exposure, { width }));
 */
export function exposureChart(profile: ExposureProfile, options: { width?: number; height?: number } = {}): HTMLElement {
  const figure = el("div", { class: "qw-figure", "data-testid": "exposure" },
    el("p", { class: "qw-kpis" },
      ...([["In the market", profile.timeInMarket, "timeInMarket"], ["Average exposure", profile.average, "average"],
        ["Average while invested", profile.averageInvested, "averageInvested"], ["Largest", profile.max, "max"]] as const)
        .map(([label, x, key]) => el("span", {}, `${label} `, el("strong", { "data-stat": key, "data-value": String(x) }, pct(x))))));
  const data = profile.buckets.map((b) => ({ t: new Date(b.timeMs), mean: b.mean, max: b.max }));
  if (data.length > 1) {
    figure.append(Plot.plot({
      width: options.width ?? 760, height: options.height ?? 180, marginLeft: 56, marginRight: 20,
      x: { type: "utc", label: null },
      y: { label: "Gross exposure / equity", grid: true, tickFormat: ".0%", domain: [0, Math.max(1, profile.max)] },
      marks: [
        Plot.areaY(data, { x: "t", y: "max", fill: "#93c5fd", fillOpacity: 0.35, curve: "step-after" }),
        Plot.areaY(data, { x: "t", y: "mean", fill: "#2563eb", fillOpacity: 0.55, curve: "step-after" }),
        Plot.ruleY([0]),
      ],
    }) as Element, el("p", { class: "qw-caption" }, profile.bucketSize > 1
      ? `Dark: the mean exposure over each run of ${profile.bucketSize} samples; light: the largest within it.`
      : "The exposure at each sample."));
  }
  return figure;
}
