// Runs before `npm test`: the browser tests drive Debian's Chromium, which no npm package can
// download here. Installs it with apt-get when it is missing and we are root; otherwise says how.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(`${CHROMIUM} is missing and this is not root: run "sudo apt-get install -y chromium", then npm test again`);
    process.exit(1);
  }
  console.error(`${CHROMIUM} is missing: installing Debian's chromium package for the browser tests`);
  const run = (args) => execFileSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  run(["update"]);
  run(["install", "-y", "--no-install-recommends", "chromium"]);
}
