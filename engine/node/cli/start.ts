/**
 * `npm start`: the workbench on 127.0.0.1:3000 (Framework's preview) and the collaboration hub
 * on 127.0.0.1:1234 beside it. Without QW_HUB_TOKENS or a hub.json, a write token is made for
 * this session and the editor's link carrying it is printed (the pages keep it in localStorage).
 * Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";

const env: NodeJS.ProcessEnv = { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" };
let link = "";
if (!env.QW_HUB_TOKENS && !existsSync("hub.json")) {
  const token = randomBytes(24).toString("base64url");
  const name = (userInfo().username || "you").replace(/[^A-Za-z0-9_-]/g, "") || "you";
  env.QW_HUB_TOKENS = `${name}:write:${token}`;
  link = `http://127.0.0.1:3000/editor?token=${token}&name=${encodeURIComponent(name)}`;
}

const children: ChildProcess[] = [];
const run = (command: string, args: string[]) => {
  const child = spawn(command, args, { env, stdio: ["ignore", "inherit", "inherit"] });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${command} ${args[0] ?? ""} exited (${signal ?? code}); stopping`);
    stop(typeof code === "number" && code !== 0 ? code : 1);
  });
  return child;
};
let stopping = false;
function stop(code = 0): void {
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 2000).unref();
}
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());

run(process.execPath, ["--import", "tsx", "engine/node/cli/hub.ts", "--port", "1234", ...(existsSync("hub.json") ? ["--config", "hub.json"] : [])]);
run("node_modules/.bin/observable", ["preview", "--no-open", "--host", "127.0.0.1", "--port", "3000"]);
if (link) console.log(`\nworkbench: http://127.0.0.1:3000\nstrategy editor (this session's hub token): ${link}\n`);
