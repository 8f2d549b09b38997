/**
 * A strategy's parameter inputs (./paramForm.ts, from its schema) bound to a shared Y.Map: a
 * value typed here is set in the map and shows in everyone's form; a key missing from the map
 * takes the schema's default. Keys the schema does not have are left in the map (the code may
 * get them back) and never passed to a run.
 *
 * @example
 * const form = sharedParams(info.params, doc.params); display(form.element); form.values(); form.destroy();
 */
import type * as Y from "yjs";
import type { ParamSchema } from "../engine/strategy/params.js";
import { paramForm } from "./paramForm.js";

type Value = number | string | boolean;

/** The form; `values()` are the schema's parameters with the map's values or the defaults. */
export function sharedParams(schema: ParamSchema, map: Y.Map<Value>): { element: HTMLElement; values(): Record<string, Value>; destroy(): void } {
  const withValues: Record<string, ParamSchema[string]> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const v = map.get(name);
    withValues[name] = v !== undefined && typeof v === typeof spec.default ? ({ ...spec, default: v } as ParamSchema[string]) : spec;
  }
  const form = paramForm(withValues);
  const inputOf = (name: string) => form.element.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${CSS.escape(name)}"]`);
  const read = (input: HTMLInputElement | HTMLSelectElement): Value | undefined => {
    if (input instanceof HTMLSelectElement) return input.value;
    if (input.type === "checkbox") return input.checked;
    return Number.isFinite(input.valueAsNumber) ? input.valueAsNumber : undefined;
  };
  const onInput = (event: Event) => {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    if (!input.name || !Object.hasOwn(schema, input.name)) return;
    const value = read(input);
    if (value !== undefined && map.get(input.name) !== value) map.set(input.name, value);
  };
  form.element.addEventListener("change", onInput);
  form.element.addEventListener("input", onInput);
  // someone else's value: shown at once, unless this input is being typed in
  const onMap = (event: Y.YMapEvent<Value>) => {
    if (event.transaction.local) return;
    for (const name of event.keysChanged) {
      const input = inputOf(name);
      const spec = schema[name];
      if (!input || !spec || document.activeElement === input) continue;
      const v = map.get(name) ?? spec.default;
      if (input instanceof HTMLInputElement && input.type === "checkbox") input.checked = v === true;
      else input.value = String(v);
    }
  };
  map.observe(onMap);
  return { element: form.element, values: () => form.values(), destroy: () => map.unobserve(onMap) };
}
