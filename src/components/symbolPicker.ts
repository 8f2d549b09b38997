/**
 * The symbols of a dataset as a row of checkboxes with an "All" box: pick one or several to run
 * together on one timeline. Plain DOM, no Framework globals.
 */
import { el } from "./dataView.js";

export interface SymbolPicker {
  readonly element: HTMLElement;
  /** Shows `symbols`, ticking those of the previous choice that are still there (else the first). */
  setSymbols(symbols: readonly string[]): void;
  /** The ticked symbols, in the dataset's order. */
  selected(): string[];
  /** Ticks exactly `symbols` (unknown names are ignored). */
  select(symbols: readonly string[]): void;
}

/**
 * The picker. Each box has `data-testid="symbol-<name>"`, the "All" box `symbol-all`; the element
 * (`data-testid="symbols"`) carries `data-selected` (the ticked names joined by ","). `onChange`
 * is called after every change of the choice.
 *
 * @example
 * const picker = symbolPicker(() => updateButtons());
 * picker.setSymbols(info.symbols); picker.selected(); // ["SYN-A"]
 */
export function symbolPicker(onChange: (selected: string[]) => void = () => {}): SymbolPicker {
  let symbols: string[] = [];
  let boxes: HTMLInputElement[] = [];
  const all = el("input", { type: "checkbox", "data-testid": "symbol-all" });
  const list = el("span", { class: "qw-symbol-list" });
  const element = el("div", { class: "qw-symbols", "data-testid": "symbols", role: "group", "aria-label": "Symbols" },
    el("label", { class: "qw-symbol qw-symbol-all" }, all, "All"), list);
  const selected = () => symbols.filter((_, i) => boxes[i]!.checked);
  const sync = () => {
    const n = selected().length;
    all.checked = n > 0 && n === symbols.length;
    all.indeterminate = n > 0 && n < symbols.length;
    all.disabled = symbols.length === 0;
    element.dataset.selected = selected().join(",");
  };
  const changed = () => {
    sync();
    onChange(selected());
  };
  all.addEventListener("change", () => {
    for (const box of boxes) box.checked = all.checked;
    changed();
  });
  const select = (names: readonly string[]) => {
    symbols.forEach((s, i) => { boxes[i]!.checked = names.includes(s); });
    sync();
  };
  sync();
  return {
    element,
    setSymbols(next) {
      const before = selected();
      symbols = [...next];
      boxes = symbols.map((s) => {
        const box = el("input", { type: "checkbox", value: s, "data-testid": `symbol-${s}` });
        box.addEventListener("change", changed);
        return box;
      });
      list.replaceChildren(...symbols.map((s, i) => el("label", { class: "qw-symbol" }, boxes[i]!, s)));
      const kept = before.filter((s) => symbols.includes(s));
      select(kept.length ? kept : symbols.slice(0, 1));
      onChange(selected());
    },
    selected,
    select(names) {
      select(names);
      onChange(selected());
    },
  };
}
