/**
 * Bundles for tests, made as the strategy editor makes them: the editor's source transpiled
 * (src/components/strategyTranspile.ts), backtested on the regenerated built-in hourly sample
 * (what the hub re-runs), its metrics recorded.
 */
import { runBacktest } from "../../engine/backtest.ts";
import { makeBundle, type Bundle, type BundleContent } from "../../engine/bundle.ts";
import { syntheticMarket } from "../../engine/data/synthetic.ts";
import { syntheticSample } from "../../engine/data/syntheticSamples.ts";
import { strategyFromCode } from "../../engine/node/reports/specStrategy.ts";
import { transpileStrategy } from "../../src/components/strategyTranspile.ts";

export interface EditorBundleOptions {
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** Default "alice". */
  readonly author?: string;
  /** Default ["SYN-A", "SYN-B"]. */
  readonly symbols?: readonly string[];
  /** The source whose run the metrics come from; default `source` itself. */
  readonly metricsOf?: string;
  /** Changes made to the content after the backtest (the id is computed afterwards). */
  readonly edit?: (content: BundleContent) => BundleContent;
  readonly createdMs?: number;
}

/** The editor's JavaScript module for `source`; throws with the problems when it does not transpile. */
export function transpiled(source: string): string {
  const t = transpileStrategy(source);
  if (!t.ok) throw new Error(t.problems.map((p) => `line ${p.line}: ${p.message}`).join("; "));
  return t.code;
}

/** A bundle of `source` with `params`, backtested on sample-1h with 100 000 cash and 0.1 % commission. */
export async function editorBundle(source: string, options: EditorBundleOptions): Promise<Bundle> {
  const code = transpiled(source);
  const strategy = await strategyFromCode(transpiled(options.metricsOf ?? source));
  const symbols = options.symbols ?? ["SYN-A", "SYN-B"];
  const bars = syntheticMarket(syntheticSample("sample-1h").options).filter((s) => symbols.includes(s.symbol));
  const run = runBacktest({ bars, strategy, params: options.params, cash: 100_000, commission: 0.001, fill: { fillOnClose: false } });
  const bundle = await makeBundle({
    strategy: { name: strategy.name, code, source }, params: { ...options.params }, paramSchema: strategy.params, risk: {},
    backtest: {
      dataset: { name: "sample-1h", sha256: "0".repeat(64) }, symbols, timeframe: "1h", cash: 100_000, commission: 0.001, slippageBps: 0, fillOnClose: false,
      metrics: JSON.parse(JSON.stringify(run.metrics)),
    },
    author: options.author ?? "alice", createdMs: options.createdMs ?? Date.UTC(2025, 0, 1),
  });
  return options.edit ? makeBundle(options.edit(bundle.content)) : bundle;
}
