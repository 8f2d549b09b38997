/**
 * Small input helpers for the research notes: labelled fields in the workbench's look, and a
 * group of inputs with one `value`, for Framework's `view()` (which reads `element.value` on each
 * "input" event that reaches the element).
 */
import { el } from "./dataView.js";

/** A labelled field: label above the input, an optional hint below (qw-field). */
export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return el("label", { class: "qw-field" }, el("span", { class: "qw-label" }, label), input, ...(hint ? [el("small", {}, hint)] : []));
}

/** A number input with a data-testid. */
export function numberInput(testid: string, value: number | string, attrs: Record<string, string> = {}): HTMLInputElement {
  return el("input", { type: "number", value: String(value), "data-testid": testid, ...attrs });
}

/** A select of `options` ([value, label] pairs), `value` selected. */
export function selectInput(testid: string, options: readonly (readonly [string, string])[], value?: string): HTMLSelectElement {
  const select = el("select", { "data-testid": testid }, ...options.map(([v, label]) => el("option", { value: v }, label)));
  if (value !== undefined && options.some(([v]) => v === value)) select.value = value;
  return select;
}

/** An element whose `value` is computed on read. */
export type ValueElement<T> = HTMLElement & { readonly value: T };

/**
 * A row of inputs whose value is `read()`: every "input" event of an input inside bubbles up to it,
 * so `view(inputGroup(...))` gives a fresh value whenever one of them changes.
 *
 * @example
 * const options = view(inputGroup([field("Window", windowInput)], () => ({ window: windowInput.valueAsNumber })));
 */
export function inputGroup<T>(children: readonly HTMLElement[], read: () => T, attrs: Record<string, string> = {}): ValueElement<T> {
  const element = el("div", { class: "qw-controls", ...attrs }, ...children);
  return withValue(element, read);
}

/** Gives `element` a read-only `value` computed by `read()`. */
export function withValue<T, E extends HTMLElement>(element: E, read: () => T): E & { readonly value: T } {
  Object.defineProperty(element, "value", { get: read, configurable: true });
  return element as E & { readonly value: T };
}

/**
 * Makes `element` announce a value only when `announce()` is called: the "input" events of the
 * inputs inside it are stopped at it (stopImmediatePropagation, registered before view()'s own
 * listener), and `announce()` dispatches one of its own. For forms whose value should change on
 * "Run", not on every keystroke.
 */
export function announceOnly(element: HTMLElement): () => void {
  element.addEventListener("input", (event) => {
    if (event.target !== element) event.stopImmediatePropagation();
  });
  return () => element.dispatchEvent(new Event("input", { bubbles: true }));
}

/** An Error's message, or the thing itself as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
