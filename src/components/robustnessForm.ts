/**
 * The settings of the robustness study: symbol, strategy and its base parameters, the two swept
 * parameters with their values, the base costs, the cost ladder and the period length, with Run,
 * Cancel and a progress bar. Its `value` is the StudyRequest, announced when Run is pressed (and
 * once at the start, so the note opens with a study of the defaults).
 */
import type { ParamSchema, NumberParam } from "../engine/strategy/params.js";
import { sweepGrid, type SweepAxis } from "../engine/sweep.js";
import type { StrategyInfo } from "./engineClient.js";
import { el } from "./dataView.js";
import { paramForm, type ParamForm } from "./paramForm.js";
import type { ResearchDataset } from "./researchDataset.js";
import { announceOnly, field, messageOf, numberInput, selectInput, withValue } from "./researchInputs.js";
import { calendarPeriods, periodUnit, type StudyRequest } from "./robustnessStudy.js";

export interface RobustnessFormOptions {
  readonly dataset: ResearchDataset;
  readonly strategies: readonly StrategyInfo[];
  /** The strategy first shown. Default the first. */
  readonly strategy?: string;
  /** Called by the Cancel button. */
  readonly onCancel: () => void;
}

export type RobustnessForm = HTMLElement & {
  readonly value: StudyRequest | undefined;
  /** Shows how far the study is. */
  report(fraction: number, text: string): void;
  /** Say when a study starts (true) and ends (false): Cancel is enabled, and Run disabled, while any runs. */
  running(on: boolean): void;
};

const numeric = (schema: ParamSchema) => Object.entries(schema).filter(([, p]) => typeof p.default === "number") as [string, NumberParam][];

/** Five values around the default (½×, ¾×, 1×, 1½×, 2×), inside the schema's range, whole when the parameter is. */
export function aroundDefault(spec: NumberParam): number[] {
  const lo = spec.min ?? -Infinity, hi = spec.max ?? Infinity;
  const raw = spec.default === 0
    ? [0, 0.25, 0.5, 0.75, 1].map((k) => (Number.isFinite(hi) ? lo + k * (hi - Math.max(lo, 0)) : k))
    : [0.5, 0.75, 1, 1.5, 2].map((k) => spec.default * k);
  const snap = (x: number) => (spec.integer ? Math.round(x) : Number(x.toPrecision(3)));
  return [...new Set(raw.map((x) => Math.min(hi, Math.max(lo, snap(x)))))].sort((a, b) => a - b);
}

/** "5, 10, 20" → [5, 10, 20]; throws naming the bad item. */
export function parseList(text: string, what: string): number[] {
  const items = text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`${what}: give at least one number, e.g. "5, 10, 20"`);
  return items.map((s) => {
    const x = Number(s);
    if (!Number.isFinite(x)) throw new Error(`${what}: "${s}" is not a number`);
    return x;
  });
}

/**
 * @example
 * const request = view(robustnessForm({ dataset, strategies, onCancel: () => engine.cancelSweep() }));
 */
export function robustnessForm(options: RobustnessFormOptions): RobustnessForm {
  const { dataset, strategies } = options;
  const symbolSelect = selectInput("symbol", dataset.symbols.map((s) => [s, s]));
  const strategySelect = selectInput("strategy", strategies.map((s) => [s.name, s.name]), options.strategy);
  const strategyHint = el("small");
  const paramsSlot = el("div", { class: "qw-params" });
  const cashInput = numberInput("cash", 100000, { min: "1", step: "any" });
  const commissionInput = numberInput("commission", 0.001, { min: "0", max: "0.1", step: "any" });
  const slippageInput = numberInput("slippage", 0, { min: "0", max: "1000", step: "any" });
  const axisRow = (key: "x" | "y") => {
    const param = el("select", { "data-testid": `axis-${key}-param` });
    const values = el("input", { type: "text", "data-testid": `axis-${key}-values` });
    return { param, values };
  };
  const X = axisRow("x"), Y = axisRow("y");
  const ladderInput = el("input", { type: "text", value: "0, 5, 10, 20, 35, 50, 75, 100", "data-testid": "cost-ladder" });
  const unit = periodUnit(dataset.startMs, dataset.endMs);
  const periodSelect = selectInput("period-unit", [["year", "calendar years"], ["quarter", "calendar quarters"], ["month", "calendar months"]], unit);

  const runButton = el("button", { class: "qw-primary", "data-testid": "study-run" }, "Run the study");
  const cancelButton = el("button", { "data-testid": "study-cancel", disabled: "" }, "Cancel");
  const progress = el("progress", { max: "1", value: "0", "data-testid": "study-progress" });
  const status = el("span", { class: "qw-status", "data-testid": "study-status" }, "");
  const problem = el("div");

  let form: ParamForm;
  const current = () => strategies.find((s) => s.name === strategySelect.value);
  function fillAxis(axis: typeof X) {
    const spec = current()?.params[axis.param.value] as NumberParam | undefined;
    axis.values.value = spec ? aroundDefault(spec).join(", ") : "";
    axis.values.disabled = !spec;
  }
  function markSwept() {
    for (const input of form.element.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
      const swept = input.name === X.param.value || input.name === Y.param.value;
      input.disabled = swept;
      input.title = swept ? "swept: its values come from the grid below" : "";
    }
  }
  function showStrategy() {
    const s = current();
    strategyHint.textContent = s?.description ?? "";
    form = paramForm(s?.params ?? {});
    paramsSlot.replaceChildren(form.element);
    const names = numeric(s?.params ?? {}).map(([n]) => n);
    X.param.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
    Y.param.replaceChildren(el("option", { value: "" }, "— none —"), ...names.map((n) => el("option", { value: n }, n)));
    X.param.value = names[0] ?? "";
    Y.param.value = names[1] ?? "";
    fillAxis(X);
    fillAxis(Y);
    markSwept();
  }
  strategySelect.onchange = showStrategy;
  X.param.onchange = () => { fillAxis(X); markSwept(); };
  Y.param.onchange = () => { fillAxis(Y); markSwept(); };
  showStrategy();

  function build(): StudyRequest {
    const s = current();
    if (!s) throw new Error("choose a strategy");
    const axes: SweepAxis[] = [{ param: X.param.value, values: parseList(X.values.value, `values of ${X.param.value}`) }];
    if (Y.param.value) {
      if (Y.param.value === X.param.value) throw new Error("the grid's two parameters must differ");
      axes.push({ param: Y.param.value, values: parseList(Y.values.value, `values of ${Y.param.value}`) });
    }
    const params = form.values();
    sweepGrid(s.params, axes, params, { strategy: s.name, maxRuns: 2_500 }); // throws the schema's message for a bad value
    const ladder = [...new Set(parseList(ladderInput.value, "cost ladder"))].sort((a, b) => a - b);
    if (ladder.some((x) => x < 0 || x > 2_000)) throw new Error("cost ladder: use bps between 0 and 2000");
    const cash = cashInput.valueAsNumber;
    if (!(cash > 0)) throw new Error("cash must be a positive number");
    return Object.freeze({
      dataset: dataset.table, symbol: symbolSelect.value, strategy: s.name, schema: s.params, params, axes,
      cash, commission: commissionInput.valueAsNumber || 0, slippageBps: slippageInput.valueAsNumber || 0,
      costLadderBps: ladder,
      periods: calendarPeriods(dataset.startMs, dataset.endMs, periodSelect.value as "year" | "quarter" | "month"),
    });
  }

  let request: StudyRequest | undefined;
  try {
    request = build();
  } catch (error) {
    problem.replaceChildren(el("div", { class: "qw-error", role: "alert" }, messageOf(error)));
  }
  const grid = (...children: HTMLElement[]) => el("div", { class: "qw-grid" }, ...children);
  const element = el("div", { class: "qw-study-form" },
    grid(field("Symbol", symbolSelect), el("label", { class: "qw-field" }, el("span", { class: "qw-label" }, "Strategy"), strategySelect, strategyHint), paramsSlot),
    el("div", { class: "qw-subhead" }, "The parameter grid"),
    el("div", { class: "qw-axes qw-axes--values" },
      el("span", { class: "qw-axis-name" }, "First"), field("Parameter", X.param), field("Values", X.values),
      el("span", { class: "qw-axis-name" }, "Second"), field("Parameter", Y.param), field("Values", Y.values)),
    el("div", { class: "qw-subhead" }, "Costs and periods"),
    grid(
      field("Cash", cashInput),
      field("Commission (rate)", commissionInput, "of the grid and period runs; 0.001 = 10 bps"),
      field("Slippage (bps)", slippageInput, "of the grid and period runs"),
      field("Cost ladder (bps per side)", ladderInput, "each tried alone as commission, then as slippage"),
      field("Periods", periodSelect, "each run alone, starting flat")),
    problem,
    el("div", { class: "qw-run" }, runButton, cancelButton, progress, status));
  const announce = announceOnly(element);
  runButton.onclick = () => {
    try {
      request = build();
      problem.replaceChildren();
      announce();
    } catch (error) {
      problem.replaceChildren(el("div", { class: "qw-error", role: "alert", "data-testid": "study-error" }, el("strong", {}, "Cannot run: "), messageOf(error)));
    }
  };
  cancelButton.onclick = () => options.onCancel();
  let active = 0; // studies under way: an old one may end after a new one started
  return Object.assign(withValue(element, () => request), {
    report(fraction: number, text: string) {
      progress.value = fraction;
      status.textContent = text;
    },
    running(on: boolean) {
      active = Math.max(0, active + (on ? 1 : -1));
      runButton.disabled = active > 0;
      cancelButton.disabled = active === 0;
    },
  });
}
