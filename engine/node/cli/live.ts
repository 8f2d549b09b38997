/**
 * `npm run live -- --account NAME [--accounts DIR] [--env-file FILE]`: the trader process of one
 * account. Paper unless the account file says live (with liveConfirm and keys). It is the only
 * process that holds the account's keys. Logs are JSON lines on stdout with every key and the
 * control token redacted; the control API listens on 127.0.0.1 (its URL is in the "ready" line).
 * SIGTERM/SIGINT stop it cleanly ("stopped" is the last line); a SIGKILL loses nothing committed
 * (see the store and the gateway), and a restart reconciles before it trades. An account whose
 * strategy is a promoted bundle fetches and checks it first (bundleLoader.ts): a refused bundle
 * ends the process with exit 2 and the reason, before anything connects to the exchange.
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { InputError } from "../../errors.js";
import type { AnyStrategy } from "../../strategy/defineStrategy.js";
import { resolveParams } from "../../strategy/params.js";
import { strategies } from "../../../strategies/index.js";
import { AccountStore } from "../live/accountStore.js";
import { AccountBundles } from "../live/bundleLoader.js";
import { loadAccount, type AccountConfig } from "../live/accountConfig.js";
import { startControlApi, type TraderHost } from "../live/controlApi.js";
import { openExchange } from "../live/exchangeClient.js";
import { createLogger, type Logger } from "../live/logger.js";
import { OrderDrop, formatProblem } from "../live/orderDrop.js";
import { Scheduler, type ScheduleEntry } from "../live/schedule.js";
import { credentialSecrets, envSecret, redact, type Secret } from "../live/secrets.js";
import { Trader, type TraderOptions } from "../live/trader.js";

const USAGE = "usage: npm run live -- --account NAME [--accounts DIR] [--env-file FILE]";
/** Everything to scrub from a fatal error's message on stderr, as it becomes known. */
const fatalSecrets: Secret[] = [];

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv], allowPositionals: false,
    options: { account: { type: "string" }, accounts: { type: "string", default: "accounts" }, "env-file": { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.account) throw new InputError("USAGE", {}, `--account is required\n${USAGE}`);
  // listened for from the start: a SIGTERM while reconciling or warming up still ends in a clean stop once that is done
  const stopSignal = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const envFile = values["env-file"] ?? (existsSync(".env") ? ".env" : undefined);
  const { config, credentials } = await loadAccount(values.accounts!, values.account, envFile ? { envFile } : {});
  const log = createLogger({ fields: { account: config.name } });
  const keys = credentials ? credentialSecrets(credentials) : [];
  log.addSecrets(...keys);
  fatalSecrets.push(...keys);
  const token = envSecret(config.control.tokenEnv, envFile ? { envFile } : {});
  if (!token) throw new InputError("MISSING_TOKEN", { variable: config.control.tokenEnv }, `set ${config.control.tokenEnv} to the control API's token (16+ characters)`);
  log.addSecrets(token);
  fatalSecrets.push(token);
  const template = config.bundle ? undefined : strategies[config.strategy.name];
  if (!config.bundle && !template) throw new InputError("UNKNOWN_STRATEGY", { strategy: config.strategy.name }, `${config.file}: no strategy "${config.strategy.name}"; the strategies are ${Object.keys(strategies).join(", ")}`);

  const store = await AccountStore.open(config.storeFile, { account: config.name });
  let run: Pick<TraderOptions, "config" | "strategy">;
  let bundles: AccountBundles | undefined;
  if (config.bundle) {
    // fetched, checked and imported before anything connects: a refused bundle ends the process here (exit 2)
    bundles = await AccountBundles.open(config, store, {
      env: envFile ? { envFile } : {}, log, onSecret: (secret) => { log.addSecrets(secret); fatalSecrets.push(secret); },
    }).catch(async (e: unknown) => { await store.close(); throw e; });
    run = { config: bundles.runConfig(), strategy: bundles.current.strategy };
  } else {
    run = { config: { ...config, strategy: { ...config.strategy, params: await startingParams(config, template!, store, log) } }, strategy: template! };
  }
  const exchange = await openExchange(config, credentials);
  const host = traderHost({ ...run, exchange, store, log }, bundles);
  const api = await startControlApi(host, { port: config.control.port, token: token.reveal(), log, secrets: keys });
  const report = await host.trader().start();
  await bundles?.started("config");
  const scheduler = new Scheduler(config.schedules, {
    onFire: (entry) => runScheduled(host, entry),
    onError: (error, entry) => log.error("scheduled action failed", { action: entry.action, name: entry.name, error: error instanceof Error ? error.message : String(error) }),
  });
  scheduler.start();
  const drop = config.orderDrop ? new OrderDrop({
    folder: config.orderDrop.folder, store, symbols: config.markets.symbols, pollMs: config.orderDrop.pollMs,
    onOrders: async (file) => {
      for (const o of file.orders) {
        await host.trader().submitManual({ symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity, limitPrice: o.limitPrice, stopPrice: o.stopPrice,
          timeInForce: o.timeInForce, reduceOnly: o.reduceOnly, tag: o.tag, clientOrderId: o.clientOrderId }, `drop:${file.name}:${o.line}`);
      }
    },
    onRejected: (name, problems) => log.warn("order file rejected", { file: name, problems: problems.map(formatProblem) }),
    onError: (error, name) => log.error("order drop failed", { file: name, error: error instanceof Error ? error.message : String(error) }),
  }) : undefined;
  await drop?.start();
  log.info("ready", { url: api.url, mode: config.mode, state: host.trader().state, reconciled: report.ok, mismatches: report.mismatches });

  log.info("stopping", { signal: await stopSignal });
  scheduler.stop();
  await drop?.stop();
  await host.trader().stop();
  await bundles?.report("stop", {});
  await api.close();
  await exchange.close();
  await store.close();
  log.info("stopped");
  return 0;
}

/**
 * The account's strategy lifecycle behind the control API and the schedules: stop, start (a new
 * Trader that reconciles and warms up again, keeping the parameters of the one it replaces) and
 * restart, one at a time, each audited with who asked; for a bundle account, rollback to the
 * bundle it ran before (a restart on it), and each of these reported to the hub.
 */
export function traderHost(options: TraderOptions, bundles?: AccountBundles): TraderHost {
  const { store } = options;
  const now = options.now ?? Date.now;
  const listeners: ((status: unknown) => void)[] = [];
  let strategy = options.strategy;
  let base = options.config;
  const make = (params: Readonly<Record<string, unknown>>) => {
    const config: AccountConfig = { ...base, strategy: { ...base.strategy, params: params as AccountConfig["strategy"]["params"] } };
    const t = new Trader({ ...options, config, strategy, ...(bundles ? { bundle: bundles.current.bundle.id } : {}) });
    t.onChange = (status) => { for (const l of listeners) l(status); };
    return t;
  };
  let trader = make(options.config.strategy.params);
  let queue: Promise<unknown> = Promise.resolve();
  // lifecycle changes never overlap: two starts at once would make two traders
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  const stop = async (actor: string) => {
    await store.audit({ timeMs: now(), actor, action: "strategy_stop", details: {} });
    await trader.stop();
    await bundles?.report("stop", {});
  };
  const start = async (actor: string) => {
    if (trader.state === "running") return;
    await store.audit({ timeMs: now(), actor, action: "strategy_start", details: {} });
    await trader.stop(); // a paused or halted trader still has its feed
    trader = make(trader.status().params);
    await trader.start();
    await bundles?.report("start", {});
  };
  const rollback = async (b: AccountBundles, actor: string) => {
    const { from, to } = await b.rollback(actor); // audited and reported as the rollback it is
    await store.audit({ timeMs: now(), actor, action: "strategy_stop", details: { reason: `rollback from bundle ${from}` } });
    await trader.stop();
    strategy = to.strategy;
    base = b.runConfig(to.params);
    trader = make(to.params);
    await trader.start();
    await b.started(actor);
    return b.info();
  };
  return {
    ...(bundles ? {
      bundle: () => bundles.info(),
      rollbackBundle: (actor: string) => serial(() => rollback(bundles, actor)),
    } : {}),
    trader: () => trader,
    startStrategy: (actor) => serial(() => start(actor)),
    stopStrategy: (actor) => serial(() => stop(actor)),
    restartStrategy: (actor) => serial(async () => {
      await stop(actor);
      await start(actor);
    }),
    auditLog: (limit) => store.auditLog({ limit }),
    subscribe: (listener) => void listeners.push(listener),
  };
}

/** Carries out a schedule entry on the host's trader, audited as `schedule:<name or time>`. */
export async function runScheduled(host: TraderHost, entry: ScheduleEntry): Promise<void> {
  const actor = `schedule:${entry.name ?? entry.at}`;
  switch (entry.action) {
    case "connect": return host.startStrategy(actor);
    case "disconnect": return host.stopStrategy(actor);
    case "flatten": await host.trader().flatten(actor, entry.symbols); return;
    case "pause": return host.trader().pause(actor);
    case "resume": return host.trader().resume(actor);
  }
}

/**
 * The parameters to start with: the config file's, or the last hot update when it is newer than
 * the file (so a crash or a restart keeps what the operator set; editing the file wins again).
 */
export async function startingParams(config: AccountConfig, strategy: AnyStrategy, store: AccountStore, log: Logger): Promise<AccountConfig["strategy"]["params"]> {
  const last = (await store.paramsHistory()).filter((c) => c.accepted !== false && c.strategy === strategy.name).at(-1);
  if (!last || last.timeMs <= statSync(config.file).mtimeMs) return config.strategy.params;
  try {
    const params = resolveParams(strategy.name, strategy.params, { ...config.strategy.params, ...last.params }) as AccountConfig["strategy"]["params"];
    log.info("parameters of the last hot update kept", { params, since: new Date(last.timeMs).toISOString(), by: last.actor });
    return params;
  } catch (e) {
    log.warn("the last hot update no longer fits the strategy; the file's parameters are used", { error: (e as Error).message });
    return config.strategy.params;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("cli/live.ts")) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    // InputErrors are the user's to fix: their message, no stack
    const message = error instanceof InputError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`live: ${redact(message, fatalSecrets)}\n`);
    process.exit(error instanceof InputError ? 2 : 1);
  });
}
