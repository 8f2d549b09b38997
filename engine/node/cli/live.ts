/**
 * `npm run live -- --account NAME [--accounts DIR] [--env-file FILE]`: the trader process of one
 * account. Paper unless the account file says live (with liveConfirm and keys). It is the only
 * process that holds the account's keys. Logs are JSON lines on stdout with every key redacted;
 * the control API listens on 127.0.0.1 (its URL is in the "ready" line). SIGTERM/SIGINT stop it
 * cleanly; a SIGKILL loses nothing committed (see the store and the gateway).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { InputError } from "../../errors.js";
import { strategies } from "../../../strategies/index.js";
import { AccountStore } from "../live/accountStore.js";
import { loadAccount } from "../live/accountConfig.js";
import { startControlApi, type TraderHost } from "../live/controlApi.js";
import { openExchange } from "../live/exchangeClient.js";
import { createLogger } from "../live/logger.js";
import { OrderDrop, formatProblem } from "../live/orderDrop.js";
import { Scheduler } from "../live/schedule.js";
import { credentialSecrets, envSecret } from "../live/secrets.js";
import { Trader } from "../live/trader.js";

const USAGE = "usage: npm run live -- --account NAME [--accounts DIR] [--env-file FILE]";

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
  const envFile = values["env-file"] ?? (existsSync(".env") ? ".env" : undefined);
  const { config, credentials } = await loadAccount(values.accounts!, values.account, envFile ? { envFile } : {});
  const log = createLogger({ fields: { account: config.name } });
  if (credentials) log.addSecrets(...credentialSecrets(credentials));
  const token = envSecret(config.control.tokenEnv, envFile ? { envFile } : {});
  if (!token) throw new InputError("MISSING_TOKEN", { variable: config.control.tokenEnv }, `set ${config.control.tokenEnv} to the control API's token (16+ characters)`);
  log.addSecrets(token);
  const strategy = strategies[config.strategy.name];
  if (!strategy) throw new InputError("UNKNOWN_STRATEGY", { strategy: config.strategy.name }, `${config.file}: no strategy "${config.strategy.name}"; the strategies are ${Object.keys(strategies).join(", ")}`);

  const store = await AccountStore.open(config.storeFile, { account: config.name });
  const exchange = await openExchange(config, credentials);
  const listeners: ((status: unknown) => void)[] = [];
  const make = () => {
    const t = new Trader({ config, strategy, exchange, store, log });
    t.onChange = (status) => { for (const l of listeners) l(status); };
    return t;
  };
  let trader = make();
  const host: TraderHost = {
    trader: () => trader,
    startStrategy: async (actor) => {
      if (trader.state === "running") return;
      await store.audit({ timeMs: Date.now(), actor, action: "strategy_start", details: {} });
      trader = make();
      await trader.start();
    },
    stopStrategy: async (actor) => {
      await store.audit({ timeMs: Date.now(), actor, action: "strategy_stop", details: {} });
      await trader.stop();
    },
    restartStrategy: async (actor) => {
      await host.stopStrategy(actor);
      await host.startStrategy(actor);
    },
    subscribe: (listener) => void listeners.push(listener),
  };
  const api = await startControlApi(host, { port: config.control.port, token: token.reveal(), log });
  const report = await trader.start();
  const scheduler = new Scheduler(config.schedules, {
    onFire: async (entry) => {
      const actor = `schedule:${entry.name ?? entry.at}`;
      if (entry.action === "connect") await host.startStrategy(actor);
      else if (entry.action === "disconnect") await host.stopStrategy(actor);
      else if (entry.action === "flatten") await trader.flatten(actor);
      else if (entry.action === "pause") await trader.pause(actor);
      else await trader.resume(actor);
    },
    onError: (error, entry) => log.error("scheduled action failed", { action: entry.action, error: error instanceof Error ? error.message : String(error) }),
  });
  scheduler.start();
  const drop = config.orderDrop ? new OrderDrop({
    folder: config.orderDrop.folder, store, symbols: config.markets.symbols, pollMs: config.orderDrop.pollMs,
    onOrders: async (file) => {
      for (const o of file.orders) {
        await trader.submitManual({ symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity, limitPrice: o.limitPrice, stopPrice: o.stopPrice,
          timeInForce: o.timeInForce, reduceOnly: o.reduceOnly, tag: o.tag, clientOrderId: o.clientOrderId }, `drop:${file.name}:${o.line}`);
      }
    },
    onRejected: (name, problems) => log.warn("order file rejected", { file: name, problems: problems.map(formatProblem) }),
    onError: (error, name) => log.error("order drop failed", { file: name, error: error instanceof Error ? error.message : String(error) }),
  }) : undefined;
  await drop?.start();
  log.info("ready", { url: api.url, mode: config.mode, state: trader.state, reconciled: report.ok, mismatches: report.mismatches });

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  log.info("stopping");
  scheduler.stop();
  await drop?.stop();
  await trader.stop();
  await api.close();
  await exchange.close();
  await store.close();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("cli/live.ts")) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    // InputErrors are the user's to fix: their message, no stack
    const message = error instanceof InputError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`live: ${message}\n`);
    process.exit(error instanceof InputError ? 2 : 1);
  });
}
