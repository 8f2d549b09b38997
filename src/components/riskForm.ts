/**
 * The settings of the "Risk rules" note: symbol, strategy and its parameters, cash and commission,
 * and the risk rules (inputs for the common ones, JSON for any other key of engine/risk/riskConfig.ts),
 * with the resulting config shown and checked as you type. Its `value` is the request, announced
 * when Run is pressed (and once at the start).
 */
import { riskRules, type RiskConfig } from "../engine/risk/riskConfig.js";
import type { StrategyInfo } from "./engineClient.js";
import { el } from "./dataView.js";
import { paramForm, type ParamForm } from "./paramForm.js";
import type { ResearchDataset } from "./researchDataset.js";
import { announceOnly, field, messageOf, numberInput, selectInput, withValue } from "./researchInputs.js";

/** The two runs to make: the same settings, once without and once with `riskRules`. */
export interface RiskRequest {
  readonly dataset: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly cash: number;
  readonly commission: number;
  readonly riskRules: RiskConfig;
}

export interface RiskFormOptions {
  readonly dataset: ResearchDataset;
  readonly strategies: readonly StrategyInfo[];
  readonly strategy?: string;
  /** The rules first shown. */
  readonly rules?: RiskConfig;
}

export type RiskForm = HTMLElement & {
  readonly value: RiskRequest | undefined;
  /** Shows what the runs are doing. */
  report(text: string): void;
  running(on: boolean): void;
};

/** The rules the inputs cover: [config path, label, hint, attributes]. */
const RULE_INPUTS: readonly (readonly [string, string, string, Record<string, string>])[] = [
  ["maxOrderNotional", "Max order notional", "quantity × price per order", { min: "0", step: "any" }],
  ["maxPositionPerSymbol.maxNotional", "Max position notional", "|position| × price per symbol", { min: "0", step: "any" }],
  ["maxOrdersPerDay", "Max orders per day", "accepted per UTC day", { min: "0", step: "1" }],
  ["dailyLossStop", "Daily loss stop", "fraction of start-of-day equity (0.025 = 2.5 %); halts for the day", { min: "0", max: "1", step: "any" }],
  ["drawdown.reduceAt", "Drawdown: reduce at", "fraction below the peak; then only reducing orders", { min: "0", max: "1", step: "any" }],
  ["drawdown.haltAt", "Drawdown: halt at", "fraction below the peak; then no orders", { min: "0", max: "1", step: "any" }],
  ["drawdown.resumeBelow", "Drawdown: resume below", "back to ACTIVE once the drawdown is under this", { min: "0", max: "1", step: "any" }],
];

const get = (config: RiskConfig, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);

/**
 * @example
 * const request = view(riskForm({ dataset, strategies, rules: { maxOrderNotional: 110_000 } }));
 */
export function riskForm(options: RiskFormOptions): RiskForm {
  const { dataset, strategies } = options;
  const initial = options.rules ?? {};
  const symbolSelect = selectInput("symbol", dataset.symbols.map((s) => [s, s]));
  const strategySelect = selectInput("strategy", strategies.map((s) => [s.name, s.name]), options.strategy);
  const strategyHint = el("small");
  const paramsSlot = el("div", { class: "qw-params" });
  const cashInput = numberInput("cash", 100000, { min: "1", step: "any" });
  const commissionInput = numberInput("commission", 0.001, { min: "0", max: "0.1", step: "any" });
  const ruleInputs = RULE_INPUTS.map(([path, label, hint, attrs]) => {
    const value = get(initial, path);
    const input = numberInput(`rule-${path}`, typeof value === "number" ? value : "", { ...attrs, placeholder: "off" });
    return { path, input, field: field(label, input, hint) };
  });
  const covered = new Set(RULE_INPUTS.map(([p]) => p.split(".")[0]!));
  const rest = Object.fromEntries(Object.entries(initial).filter(([k]) => !covered.has(k)));
  const extra = el("textarea", { rows: "3", "data-testid": "rules-json", placeholder: '{"priceBand": 0.1, "maxGrossExposure": {"maxMultiple": 1}}' });
  extra.value = Object.keys(rest).length ? JSON.stringify(rest) : "";
  const preview = el("pre", { class: "qw-config", "data-testid": "rules-config" });
  const check = el("div", { "data-testid": "rules-check" });

  let form: ParamForm;
  const current = () => strategies.find((s) => s.name === strategySelect.value);
  function showStrategy() {
    const s = current();
    strategyHint.textContent = s?.description ?? "";
    form = paramForm(s?.params ?? {});
    paramsSlot.replaceChildren(form.element);
  }
  strategySelect.onchange = showStrategy;
  showStrategy();

  /** The config from the inputs, then the JSON's keys over them; throws on bad JSON. */
  function config(): RiskConfig {
    const out: Record<string, unknown> = {};
    for (const { path, input } of ruleInputs) {
      if (input.value.trim() === "") continue;
      const [head, tail] = path.split(".") as [string, string | undefined];
      if (tail) out[head] = { ...(out[head] as object | undefined), [tail]: input.valueAsNumber };
      else out[head] = input.valueAsNumber;
    }
    const text = extra.value.trim();
    if (text) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(`more rules: not valid JSON (${messageOf(error)})`);
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error('more rules: write a JSON object, e.g. {"priceBand": 0.1}');
      Object.assign(out, parsed);
    }
    return out as RiskConfig;
  }
  /** Shows the config and whether riskRules accepts it; returns it when it does. */
  function refresh(): RiskConfig | undefined {
    try {
      const c = config();
      preview.textContent = JSON.stringify(c, null, 1).replace(/\n\s*/g, " ");
      const n = riskRules(c).length;
      check.replaceChildren(el("p", { class: n ? "qw-ok" : "qw-status" }, n ? `✓ ${n} rule${n === 1 ? "" : "s"}, the same JSON as the CLI's --risk file.` : "No rule set: both runs will be the same."));
      return c;
    } catch (error) {
      check.replaceChildren(el("div", { class: "qw-error", role: "alert", "data-testid": "rules-error" }, messageOf(error)));
      return undefined;
    }
  }

  const runButton = el("button", { class: "qw-primary", "data-testid": "risk-run" }, "Run with and without the rules");
  const status = el("span", { class: "qw-status", "data-testid": "risk-status" }, "");
  const grid = (...children: HTMLElement[]) => el("div", { class: "qw-grid" }, ...children);
  const element = el("div", { class: "qw-risk-form qw-rules" },
    grid(field("Symbol", symbolSelect), el("label", { class: "qw-field" }, el("span", { class: "qw-label" }, "Strategy"), strategySelect, strategyHint), paramsSlot,
      field("Cash", cashInput), field("Commission (rate)", commissionInput, "0.001 = 0.1 % of the traded value")),
    el("div", { class: "qw-subhead" }, "The risk rules (empty = off)"),
    grid(...ruleInputs.map((r) => r.field)),
    el("label", { class: "qw-field", style: "margin-top: 0.6rem" }, el("span", { class: "qw-label" }, "More rules (JSON, any key of the risk config; overrides the inputs)"), extra),
    preview, check,
    el("div", { class: "qw-run" }, runButton, status));
  const announce = announceOnly(element);
  element.addEventListener("input", () => refresh(), true);

  let request: RiskRequest | undefined;
  function build(): RiskRequest | undefined {
    const rules = refresh();
    if (!rules) return undefined;
    const cash = cashInput.valueAsNumber;
    if (!(cash > 0)) {
      check.replaceChildren(el("div", { class: "qw-error", role: "alert", "data-testid": "rules-error" }, "Cash must be a positive number."));
      return undefined;
    }
    return Object.freeze({
      dataset: dataset.table, symbol: symbolSelect.value, strategy: strategySelect.value, params: form.values(),
      cash, commission: commissionInput.valueAsNumber || 0, riskRules: rules,
    });
  }
  request = build();
  runButton.onclick = () => {
    const next = build();
    if (!next) return;
    request = next;
    announce();
  };
  let active = 0;
  return Object.assign(withValue(element, () => request), {
    report(text: string) {
      status.textContent = text;
    },
    running(on: boolean) {
      active = Math.max(0, active + (on ? 1 : -1));
      runButton.disabled = active > 0;
    },
  });
}
