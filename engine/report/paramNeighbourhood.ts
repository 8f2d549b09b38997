import { isBoolean, isChoice, resolveParams, type NumberParam, type ParamSchema } from "../strategy/params.js";

/** Multiples of each varied parameter's value tried by default. */
export const NEIGHBOURHOOD_STEPS: readonly number[] = [0.75, 1, 1.25];

export interface Neighbourhood {
  /** The parameters varied (at most two). */
  readonly varied: readonly string[];
  /** Every combination, the given values first-varied-slowest, each complete and valid for the schema. */
  readonly paramSets: readonly Readonly<Record<string, unknown>>[];
}

/**
 * A small grid around a parameter set, for a walk-forward check: the first two numeric parameters
 * of the schema (whole-number ones first, as periods are what is usually tuned), each at
 * `steps` × its value, rounded for whole-number parameters, clamped to the schema's range and
 * deduplicated. Combinations the schema refuses are left out; the strategy may still refuse some
 * when it starts (e.g. fast ≥ slow), which a walk-forward counts as a failed candidate.
 *
 * @example
 * paramNeighbourhood(smaCrossover.params, { fast: 10, slow: 30 }).paramSets.length; // 9: fast 8, 10, 13 × slow 23, 30, 38
 */
export function paramNeighbourhood(strategy: string, schema: ParamSchema, params: Readonly<Record<string, unknown>>, steps: readonly number[] = NEIGHBOURHOOD_STEPS): Neighbourhood {
  const base = resolveParams(strategy, schema, params) as Readonly<Record<string, unknown>>;
  const numeric = Object.entries(schema).filter(([, spec]) => !isChoice(spec) && !isBoolean(spec)) as [string, NumberParam][];
  const ordered = [...numeric.filter(([, s]) => s.integer), ...numeric.filter(([, s]) => !s.integer)].slice(0, 2);
  const values = ordered.map(([name, spec]) => {
    const x = base[name] as number;
    const out = steps.map((m) => {
      let v = spec.integer ? Math.round(x * m) : Number.parseFloat((x * m).toPrecision(12));
      if (spec.min !== undefined) v = Math.max(spec.min, v);
      if (spec.max !== undefined) v = Math.min(spec.max, v);
      return v;
    });
    return [...new Set(out)];
  });
  const paramSets: Readonly<Record<string, unknown>>[] = [];
  const add = (given: Record<string, unknown>) => {
    try {
      paramSets.push(resolveParams(strategy, schema, given));
    } catch {
      // a value the schema refuses is no neighbour
    }
  };
  if (ordered.length === 0) add({ ...base });
  else if (ordered.length === 1) for (const v of values[0]!) add({ ...base, [ordered[0]![0]]: v });
  else for (const v of values[0]!) for (const w of values[1]!) add({ ...base, [ordered[0]![0]]: v, [ordered[1]![0]]: w });
  return { varied: ordered.map(([name]) => name), paramSets };
}
