/**
 * A trader against the local Binance simulator, in this process: the simulator replays recorded
 * minutes (the clock moves only with `advance`), the trader is the real one (real ccxt.pro client,
 * real account store on disk), configured by a real account file.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccountStore } from "../../engine/node/live/accountStore.ts";
import { parseAccountConfig, type AccountConfig } from "../../engine/node/live/accountConfig.ts";
import { openExchange, type ProExchange } from "../../engine/node/live/exchangeClient.ts";
import { createLogger, type Logger } from "../../engine/node/live/logger.ts";
import { Secret } from "../../engine/node/live/secrets.ts";
import { Trader } from "../../engine/node/live/trader.ts";
import type { AnyStrategy } from "../../engine/strategy/defineStrategy.ts";
import { strategies } from "../../strategies/index.ts";
import { generatedMinutes } from "../fixtures/binanceData.ts";
import { startBinanceSimulator, type BinanceSimulator, type SimulatorOptions } from "../fixtures/binanceSimulator.ts";

export const T0 = Date.UTC(2024, 0, 1);
export const MIN = 60_000;
/** Two days of generated BTCUSDT minutes (prices in cents; next open ≠ last close). */
export const MINUTES = generatedMinutes(T0, T0 + 2 * 86_400_000);
/** The replay starts here: the trader's first live bar opens at START. */
export const START = T0 + 600 * MIN;

export interface Rig {
  readonly sim: BinanceSimulator;
  readonly dir: string;
  readonly lines: string[];
  readonly log: Logger;
  config: AccountConfig;
  trader: Trader;
  store: AccountStore;
  exchange: ProExchange;
  /** Closes the trader's parts (not the simulator). */
  closeTrader(): Promise<void>;
  /** Builds a fresh trader on the same account file and store (a restart). */
  restart(overrides?: Partial<Record<string, unknown>>): Promise<Trader>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly mode?: "paper" | "live";
  readonly account?: Record<string, unknown>;
  readonly sim?: Partial<SimulatorOptions>;
  readonly warmupBars?: number;
  readonly start?: boolean;
  /** The strategy object to run instead of the account file's template (its params must fit the template's schema). */
  readonly strategy?: AnyStrategy;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const sim = await startBinanceSimulator({
    bars: { BTCUSDT: MINUTES }, replay: { startMs: START }, account: { balances: { USDT: 100_000, BTC: 0 } },
    streams: { openNextKline: true }, ...options.sim,
  });
  const dir = await mkdtemp(join(tmpdir(), "qw-live-"));
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => void lines.push(l), level: "debug", secrets: [sim.credentials.secret, sim.credentials.apiKey] });
  const mode = options.mode ?? "paper";
  const json = {
    name: "sim", exchange: { id: "binance", urls: { rest: sim.url, ws: sim.wsUrl } }, mode, liveConfirm: mode === "live",
    markets: { symbols: ["BTC/USDT"], timeframe: "1m" },
    strategy: { name: "sma-crossover", params: { fast: 3, slow: 8, allocation: 0.9 } },
    paper: { cash: 100_000 }, throttle: { ordersPerSecond: 50, cancelsPerSecond: 50, debounceMs: 0 },
    ...options.account,
  };
  const file = join(dir, "sim.json");
  await writeFile(file, JSON.stringify(json));
  const config = parseAccountConfig(json, file);
  const credentials = mode === "live" ? { apiKey: new Secret(sim.credentials.apiKey), secret: new Secret(sim.credentials.secret) } : undefined;
  const open = async (cfg: AccountConfig) => {
    const store = await AccountStore.open(cfg.storeFile, { account: cfg.name });
    const exchange = await openExchange(cfg, credentials);
    const trader = new Trader({ config: cfg, strategy: options.strategy ?? strategies[cfg.strategy.name]!, exchange, store, log, warmupBars: options.warmupBars ?? 0 });
    return { store, exchange, trader };
  };
  const parts = await open(config);
  const rig: Rig = {
    sim, dir, lines, log, config, ...parts,
    async closeTrader() {
      await rig.trader.stop();
      await rig.exchange.close();
      await rig.store.close();
    },
    async restart(overrides = {}) {
      await rig.closeTrader();
      rig.config = parseAccountConfig({ ...json, ...overrides }, file);
      Object.assign(rig, await open(rig.config));
      await rig.trader.start();
      await subscribed(rig);
      return rig.trader;
    },
    async close() {
      await rig.closeTrader().catch(() => {});
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.start ?? true) {
    await rig.trader.start();
    await subscribed(rig);
  }
  return rig;
}

/** Waits (it only bounds a hang; not a timed assertion) until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** Waits until the trader's kline stream is subscribed at the simulator (bars closed before that are not streamed to it). */
export function subscribed(rig: Rig): Promise<void> {
  return until(() => rig.sim.streams.connections().some((c) => c.streams.includes("btcusdt@kline_1m")), "the trader subscribed to the kline stream");
}

/** Closes the next bar at the simulator and waits until the trader has handled it. */
export async function step(rig: Rig): Promise<void> {
  const t = rig.sim.clock.nextOpenMs;
  await rig.sim.clock.advance();
  await until(() => rig.trader.status().lastBarMs >= t, `the trader handled the bar of ${new Date(t).toISOString()}`);
  await rig.trader.idle();
}
