/**
 * "Promote" on the strategy editor: the run a person just judged becomes a bundle
 * (engine/bundle.ts) — the transpiled code, the parameter values and schema, the dataset with the
 * sha256 of the very file the page loaded, the run's settings and metrics, the engine version, the
 * hub's name for the token and the time — and is sent to the hub (POST /api/bundles), which runs
 * the backtest again and keeps the bundle only if it gives the same metrics.
 *
 * @example
 * const run = promotableRun({ source, code, result, request });    // kept after each run
 * if (promotionBlocker(run, { source: now, params: form.values(), hub })) …; // why the button is off
 * const { id } = await promoteRun(run, { hub: settings, dataset: { name: "sample-1h", url: sampleUrl, timeframe: "1h" } });
 */
import type { BacktestResult } from "../engine/backtest.js";
import { canonicalJson, makeBundle, sha256Hex, type Bundle } from "../engine/bundle.js";
import { SYNTHETIC_DEFAULTS } from "../engine/data/synthetic.js";
import { syntheticSample } from "../engine/data/syntheticSamples.js";
import type { ParamSchema } from "../engine/strategy/params.js";
import { hubHttpUrl } from "./hubClient.js";

type Params = Readonly<Record<string, number | string | boolean>>;

/** What the page keeps of a finished run: enough to make its bundle and to tell whether it is still the current code's. */
export interface PromotableRun {
  /** The editor's text that ran. */
  readonly source: string;
  /** Its transpiled module, as the worker ran it. */
  readonly code: string;
  readonly name: string;
  readonly paramSchema: ParamSchema;
  /** The form's values the run was asked for (to compare with the form now). */
  readonly asked: Params;
  /** Every parameter as the run resolved it (what the bundle records). */
  readonly params: Params;
  readonly symbols: readonly string[];
  readonly cash: number;
  readonly commission: number;
  readonly metrics: BacktestResult["metrics"];
  /** Set when the run stopped with an error: such a run is not promoted. */
  readonly error?: string;
}

export interface HubSettings {
  readonly hubUrl: string;
  readonly token: string;
}

/** The run the page just made, as promotion needs it. */
export function promotableRun(input: {
  readonly source: string;
  readonly code: string;
  readonly paramSchema: ParamSchema;
  readonly asked: Params;
  readonly result: BacktestResult;
  readonly cash: number;
  readonly commission: number;
}): PromotableRun {
  const { result } = input;
  return {
    source: input.source, code: input.code, name: result.strategy, paramSchema: input.paramSchema, asked: input.asked,
    params: result.params as Params, symbols: result.symbols, cash: input.cash, commission: input.commission, metrics: result.metrics,
    ...(result.error ? { error: `${result.error.code}: ${result.error.message}` } : {}),
  };
}

/**
 * Why `run` cannot be promoted now (a sentence for the page), or undefined when it can: there is
 * a finished run, of the code and parameters the document holds now, and a hub to a writer.
 */
export function promotionBlocker(run: PromotableRun | undefined, now: { readonly source: string; readonly params: Params; readonly hub: HubSettings; readonly canWrite: boolean }): string | undefined {
  if (!now.hub.hubUrl || !now.hub.token) return "Promotion goes through the hub: connect to one under Hub, with a token that can edit.";
  if (!now.canWrite) return "Your token can read, not promote: promotion needs a token with the write role.";
  if (!run) return "Run the backtest first: a bundle is promoted with the run it was judged on.";
  if (run.error) return "This run stopped with an error: only a run that completes can be promoted.";
  if (run.source !== now.source) return "The code changed since the run: run it again to promote this code.";
  if (canonicalJson(run.asked) !== canonicalJson(now.params)) return "The parameters changed since the run: run again to promote these values.";
  return undefined;
}

/** A built-in sample as a promotion names it: its name, the URL the page loaded it from, its timeframe. */
export function sampleDataset(name: string, url: string): { readonly name: string; readonly url: string; readonly timeframe: string } {
  return { name, url, timeframe: syntheticSample(name).options.timeframe ?? SYNTHETIC_DEFAULTS.timeframe };
}

/** The lowercase hex SHA-256 of the file at `url` (the bytes the page loaded). */
export async function fileSha256(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not read the dataset to hash it (${res.status} ${res.statusText})`);
  return sha256Hex(new Uint8Array(await res.arrayBuffer()));
}

/** The bundle of `run` on `dataset`, by `author`, made at `createdMs`. */
export function bundleOfRun(run: PromotableRun, dataset: { readonly name: string; readonly sha256: string; readonly timeframe: string }, author: string, createdMs: number): Promise<Bundle> {
  return makeBundle({
    strategy: { name: run.name, code: run.code, source: run.source }, params: run.params, paramSchema: run.paramSchema, risk: {},
    backtest: {
      dataset: { name: dataset.name, sha256: dataset.sha256 }, symbols: run.symbols, timeframe: dataset.timeframe,
      cash: run.cash, commission: run.commission, slippageBps: 0, fillOnClose: false, metrics: run.metrics as unknown as Record<string, number | null>,
    },
    author, createdMs,
  });
}

/**
 * Makes the bundle of `run` (author: the hub's name for the token) and promotes it. Resolves with
 * its id (`created` false when the hub had it already); rejects with an Error whose message the
 * page shows as it is: the hub's refusal, or why the hub could not be asked.
 */
export async function promoteRun(run: PromotableRun, options: {
  readonly hub: HubSettings;
  readonly dataset: { readonly name: string; readonly url: string; readonly timeframe: string };
  readonly now?: () => number;
}): Promise<{ id: string; created: boolean; bundle: Bundle }> {
  const base = hubHttpUrl(options.hub.hubUrl);
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${options.hub.token}`, ...(init.body ? { "content-type": "application/json" } : {}) } });
    } catch {
      throw new Error(`the hub at ${base} cannot be reached`);
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new Error(body.error ?? `the hub answered ${res.status} ${res.statusText}`);
    return body as T;
  };
  const me = await call<{ name: string }>("/api/me");
  const sha256 = await fileSha256(options.dataset.url);
  const bundle = await bundleOfRun(run, { name: options.dataset.name, sha256, timeframe: options.dataset.timeframe }, me.name, (options.now ?? Date.now)());
  const out = await call<{ id: string; created: boolean }>("/api/bundles", { method: "POST", body: JSON.stringify({ content: bundle.content }) });
  if (out.id !== bundle.id) throw new Error(`the hub stored the bundle as ${out.id}, not ${bundle.id}: the two disagree on its content`);
  return { ...out, bundle };
}
