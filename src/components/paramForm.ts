/**
 * Inputs generated from a strategy's parameter schema: number inputs with min/max/step, selects
 * for choices, checkboxes for booleans. Plain DOM, no Framework globals.
 */
import type { ParamSchema, ParamSpec, NumberParam, ChoiceParam } from "../engine/strategy/params.js";
import { el } from "./dataView.js";

/** The form and a way to read its values. */
export interface ParamForm {
  readonly element: HTMLElement;
  /** The current values: numbers, strings (choices) and booleans, by parameter name. */
  values(): Record<string, number | string | boolean>;
}

const isChoice = (p: ParamSpec): p is ChoiceParam => "options" in p;
const isBoolean = (p: ParamSpec) => typeof p.default === "boolean";

/**
 * One labelled input per parameter, with the schema's default and, as a tooltip and hint, its
 * description. Each input has `name` = the parameter and `data-testid="param-<name>"`.
 *
 * @example
 * const form = paramForm(strategy.params); display(form.element); form.values(); // {fast: 10, slow: 30, allocation: 1}
 */
export function paramForm(schema: ParamSchema): ParamForm {
  const readers: [string, () => number | string | boolean][] = [];
  const fields = Object.entries(schema).map(([name, spec]) => {
    let input: HTMLInputElement | HTMLSelectElement;
    if (isChoice(spec)) {
      input = el("select", { name }, ...spec.options.map((o) => el("option", o === spec.default ? { value: o, selected: "" } : { value: o }, o)));
      const select = input;
      readers.push([name, () => select.value]);
    } else if (isBoolean(spec)) {
      input = el("input", { type: "checkbox", name });
      const box = input;
      box.checked = spec.default as boolean;
      readers.push([name, () => box.checked]);
    } else {
      const n = spec as NumberParam;
      const attrs: Record<string, string> = { type: "number", name, value: String(n.default), step: String(n.step ?? (n.integer ? 1 : "any")) };
      if (n.min !== undefined) attrs.min = String(n.min);
      if (n.max !== undefined) attrs.max = String(n.max);
      input = el("input", attrs);
      const box = input;
      readers.push([name, () => box.valueAsNumber]);
    }
    input.dataset.testid = `param-${name}`;
    const range = !isChoice(spec) && !isBoolean(spec) ? rangeText(spec as NumberParam) : "";
    const hint = [spec.description ?? "", range].filter(Boolean).join(" · ");
    if (hint) input.title = hint;
    return el("label", { class: `qw-field${isBoolean(spec) ? " qw-check" : ""}` },
      el("span", { class: "qw-label" }, name), input, ...(hint ? [el("small", {}, hint)] : []));
  });
  const element = el("div", { class: "qw-params", "data-testid": "params" },
    ...(fields.length ? fields : [el("p", { class: "qw-status" }, "This strategy has no parameters.")]));
  return { element, values: () => Object.fromEntries(readers.map(([k, read]) => [k, read()])) };
}

function rangeText(p: NumberParam): string {
  if (p.min === undefined && p.max === undefined) return "";
  return `${p.min ?? "−∞"} to ${p.max ?? "∞"}${p.integer ? ", whole" : ""}`;
}
