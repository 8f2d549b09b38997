/**
 * `npm run hub -- [--port N] [--data DIR] [--config hub.json] [--notebooks DIR]`: the
 * collaboration hub (engine/node/hub/): Yjs documents over WebSocket and the /api/ routes, on
 * 127.0.0.1. Users come from the config file (token hashes) and/or QW_HUB_TOKENS
 * ("name:role:token,…"). Logs are JSON lines on stdout, the first being "ready" with the URL.
 * SIGTERM/SIGINT close every connection, compact every document, write pending notebook pages
 * and exit 0; a SIGKILL loses nothing a client could have seen accepted (every update is fsync'd
 * before it is applied).
 *
 * `npm run hub -- token NAME read|write` prints a new token and the config entry (with its hash) to paste.
 */
import { parseArgs } from "node:util";
import { InputError } from "../../errors.js";
import { createLogger } from "../live/logger.js";
import { resolveSettings } from "../hub/hubConfig.js";
import { startHub } from "../hub/hubServer.js";
import { colourFor, hashToken, newToken } from "../hub/hubUsers.js";

const USAGE = `usage: npm run hub -- [--port N] [--data DIR] [--config hub.json] [--notebooks DIR]
       npm run hub -- token NAME read|write`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true,
    options: { port: { type: "string" }, data: { type: "string" }, config: { type: "string" }, notebooks: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals[0] === "token") {
    const [, name, role] = positionals;
    if (!name || (role !== "read" && role !== "write")) throw new InputError("USAGE", {}, USAGE);
    const token = newToken();
    console.log(JSON.stringify({ token, user: { name, role, colour: colourFor(name), tokenSha256: hashToken(token) } }, null, 2));
    return 0;
  }
  if (positionals.length > 0) throw new InputError("USAGE", {}, `unexpected ${positionals.join(" ")}\n${USAGE}`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError("BAD_PORT", { port: values.port }, `--port must be 0–65535 (0: any free port), got ${values.port}`);
  }
  const settings = resolveSettings({
    env: process.env,
    ...(values.config ? { configFile: values.config } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.notebooks ? { notebooksDir: values.notebooks } : {}),
  });
  const log = createLogger({ fields: { service: "hub" } });
  // plain tokens from the environment must never reach a log line
  for (const entry of (process.env.QW_HUB_TOKENS ?? "").split(",")) {
    const token = entry.split(":")[2];
    if (token) log.addSecrets(token);
  }
  const hub = await startHub(settings, { log });
  log.info("ready", { url: hub.url, ws: hub.wsUrl, port: hub.port, data: settings.dataDir, notebooks: settings.notebooksDir, users: settings.users.length });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info("stopping");
  await hub.close();
  log.info("stopped");
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("cli/hub.ts")) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    const message = error instanceof InputError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`hub: ${message}\n`);
    process.exit(error instanceof InputError ? 2 : 1);
  });
}
