/**
 * GET /api/accounts/<name>/drift?fromMs&toMs: the live-versus-backtest report of an account's
 * current run (engine/live/driftReport.ts), put together from what the trader says — how its run
 * started (/run), its status, recorded bars, orders and fills — and the strategy it runs: the
 * promoted bundle's code from the hub's registry (its /bundle id), or the built-in template.
 */
import { z } from "zod";
import type { Bundle } from "../../bundle.js";
import { driftReport, type TraderFill, type TraderOrder } from "../../live/driftReport.js";
import type { LiveBar } from "../../live/liveSeries.js";
import type { AnyStrategy } from "../../strategy/defineStrategy.js";
import { timeframeMs } from "../../time.js";
import { strategies } from "../../../strategies/index.js";
import { importBundleStrategy } from "../live/bundleLoader.js";
import type { ProxyAnswer, TraderProxy } from "./traderProxy.js";

export interface AccountDriftOptions {
  /** A promoted bundle by id (the hub's registry). */
  readonly bundle: (id: string) => Promise<Bundle | undefined>;
}

const ms = z.coerce.number().int("must be a whole number of ms");
const driftQuery = z.strictObject({ fromMs: ms.optional(), toMs: ms.optional() });

/** What the trader's GET /run answers (engine/node/live/trader.ts TraderRun, as JSON). */
interface RunJson {
  readonly symbols: readonly string[];
  readonly timeframe: string;
  readonly firstBarMs: number | null;
  readonly warmupBars: number;
  readonly cash: number;
  readonly positions: readonly { symbol: string; quantity: number; averagePrice: number }[];
  readonly params: Record<string, unknown>;
  readonly paramChanges: readonly { afterBarMs: number; params: Record<string, unknown> }[];
  readonly priceDecimals: Record<string, number>;
  readonly lotSize: Record<string, number>;
  readonly commission: number;
  readonly risk?: Record<string, unknown>;
}

interface StatusJson {
  readonly mode: "paper" | "live";
  readonly strategy: string;
  readonly lastBarMs: number | null;
}

/**
 * The drift route for a TraderProxy. A bundle's code is imported afresh for every report, as the
 * trader imports it (bundleLoader.ts), so no state of an earlier replay is carried into the next.
 */
export function accountDrift(options: AccountDriftOptions): (proxy: TraderProxy, account: string, query: URLSearchParams) => Promise<ProxyAnswer> {
  return async (proxy, account, query) => {
    const q = driftQuery.safeParse(Object.fromEntries(query));
    if (!q.success) return { status: 400, body: { error: q.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ") } };
    const [status, run] = await Promise.all([proxy.get(account, "/status") as Promise<StatusJson>, proxy.get(account, "/run") as Promise<RunJson | null>]);
    if (!run || run.firstBarMs === null) {
      return { status: 409, body: { error: `account ${account} has not handled a live bar yet: there is nothing to compare`, account } };
    }

    // a bundle account runs the bundle's code; a template account refuses /bundle (400 NO_BUNDLE)
    const bundleAnswer = await proxy.call(account, "GET", "/bundle");
    const bundleId = bundleAnswer.status === 200 ? (bundleAnswer.body as { id?: string } | null)?.id : undefined;
    let strategy: AnyStrategy;
    if (bundleId) {
      const bundle = await options.bundle(bundleId);
      if (!bundle) return { status: 422, body: { error: `account ${account} runs bundle ${bundleId}, which is not in this hub's registry`, account } };
      try {
        strategy = await importBundleStrategy(bundle);
      } catch (error) {
        return { status: 422, body: { error: error instanceof Error ? error.message : String(error), account } };
      }
    } else {
      const builtIn = strategies[status.strategy];
      if (!builtIn) return { status: 422, body: { error: `account ${account} runs "${status.strategy}", which is neither a bundle nor a built-in strategy`, account } };
      strategy = builtIn;
    }

    const { symbols, timeframe } = run;
    const barMs = timeframeMs(timeframe) ?? 60_000;
    const fetched = await Promise.all(symbols.map((symbol) => proxy.get(account, "/bars", new URLSearchParams({
      symbol,
      // the warm-up history and the run, with room for gaps in the history
      fromMs: String(run.firstBarMs! - 3 * Math.max(run.warmupBars, 1) * barMs),
      ...(status.lastBarMs !== null ? { toMs: String(status.lastBarMs + 1) } : {}),
    })) as Promise<{ bars: LiveBar[] }>));
    const [orders, fills] = await Promise.all([
      proxy.get(account, "/orders", new URLSearchParams({ limit: "10000" })) as Promise<TraderOrder[]>,
      proxy.get(account, "/fills", new URLSearchParams({ limit: "10000" })) as Promise<TraderFill[]>,
    ]);
    const report = driftReport({
      strategy, mode: status.mode, timeframe, symbols, bars: Object.fromEntries(symbols.map((s, i) => [s, fetched[i]!.bars])),
      firstBarMs: run.firstBarMs, ...(status.lastBarMs !== null ? { lastBarMs: status.lastBarMs } : {}), warmupBars: run.warmupBars,
      cash: run.cash, positions: run.positions, params: run.params, paramChanges: run.paramChanges,
      priceDecimals: run.priceDecimals, lotSize: run.lotSize, commission: run.commission, ...(run.risk ? { risk: run.risk } : {}),
      orders, fills, ...(q.data.fromMs !== undefined ? { fromMs: q.data.fromMs } : {}), ...(q.data.toMs !== undefined ? { toMs: q.data.toMs } : {}),
    });
    return { status: 200, body: { account, strategy: strategy.name, ...(bundleId ? { bundle: bundleId } : {}), timeframe, report } };
  };
}
