// node .ci/patch-lock.mjs package-lock.json
//
// Adds lock entries for optional per-platform binary packages (rollup's, DuckDB's, …) that this
// machine's registry mirror does not serve: `npm install` then cannot record them, and npm 11's
// `npm ci` rejects a lock that lacks them. Run it after every `npm install` that changes the lock.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const OS = ["aix", "android", "darwin", "freebsd", "linux", "netbsd", "openbsd", "openharmony", "sunos", "win32"];

/** os/cpu/libc of a platform package from its name's suffix, e.g. "linux-arm64-musl"; undefined if it is not one. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const at = parts.findIndex((p) => OS.includes(p));
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const [os, cpu, abi] = parts.slice(at);
  const libc = os !== "linux" ? undefined : abi?.startsWith("musl") ? ["musl"] : ["glibc"];
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

const added = [];
for (const entry of Object.values(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.error(`left alone: ${dep} is missing from the lock but is not a platform package`);
      continue;
    }
    packages[key] = { version, ...platform, optional: true };
    added.push(`${dep}@${version}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b, "en"))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length}: ${added.join(", ")}` : "nothing to add");
