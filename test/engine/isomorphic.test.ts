import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  NODE_ONLY_FOLDERS,
  checkIsomorphic,
  checkJsSpecifiers,
  formatViolations,
  type IsomorphismRule,
} from "../helpers/isomorphism.ts";

const ENGINE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "engine");
/** Bare packages the core engine may import. Empty on purpose: the core depends on no packages. */
// zod: boundary validation (risk configs), isomorphic and dependency-free
const ALLOWED_PACKAGES: readonly string[] = ["zod"];

/** Source files under engine/, as paths relative to engine/ with "/" separators. Symlinks are not followed. */
function engineFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name)) {
        files.push(relative(ENGINE_DIR, path).split(sep).join("/"));
      }
    }
  };
  walk(ENGINE_DIR);
  return files.sort();
}

const isNodeOnly = (relPath: string) => NODE_ONLY_FOLDERS.some((folder) => relPath.startsWith(`${folder}/`));

describe("engine/ is isomorphic", () => {
  it("core files import nothing from Node, outside engine/ or from packages, and touch no host globals", () => {
    const core = engineFiles().filter((file) => !isNodeOnly(file));
    expect(core.length, "no core engine files found: is ENGINE_DIR right?").toBeGreaterThan(0);
    const violations = core.flatMap((file) =>
      checkIsomorphic(file, readFileSync(join(ENGINE_DIR, file), "utf8"), { allowPackages: ALLOWED_PACKAGES }),
    );
    expect(violations, `isomorphism violations in engine/:\n${formatViolations(violations)}`).toEqual([]);
  });

  it("every relative import specifier in engine/ (Node-only folders included) ends in .js", () => {
    const violations = engineFiles().flatMap((file) =>
      checkJsSpecifiers(file, readFileSync(join(ENGINE_DIR, file), "utf8")),
    );
    expect(violations, `relative specifiers without .js:\n${formatViolations(violations)}`).toEqual([]);
  });
});

describe("the isomorphism checker", () => {
  const rulesOf = (path: string, source: string, allowPackages: readonly string[] = []) =>
    checkIsomorphic(path, source, { allowPackages }).map((v) => `${v.line}:${v.rule}`);
  const ruleNames = (path: string, source: string) => checkIsomorphic(path, source).map((v) => v.rule);

  it.each<[string, string, string, IsomorphismRule]>([
    ["a node: import", "index.ts", 'import { readFileSync } from "node:fs";', "NODE_BUILTIN"],
    ["a built-in name", "index.ts", 'import * as path from "path";', "NODE_BUILTIN"],
    ["a built-in subpath", "index.ts", 'import { readFile } from "fs/promises";', "NODE_BUILTIN"],
    ["a type-only built-in import", "index.ts", 'import type { Worker } from "node:worker_threads";', "NODE_BUILTIN"],
    ["an export-from of a built-in", "index.ts", 'export { createHash } from "crypto";', "NODE_BUILTIN"],
    ["a side-effect import", "index.ts", 'import "events";', "NODE_BUILTIN"],
    ["a dynamic import", "metrics/x.ts", 'const os = await import("os");', "NODE_BUILTIN"],
    ["a require", "index.ts", 'const cp = require("child_process");', "NODE_BUILTIN"],
    ["a multi-line import", "index.ts", 'import {\n  inflate,\n  deflate,\n} from "zlib";', "NODE_BUILTIN"],
    ["an import from data-loaders/", "risk/rule.ts", 'import { load } from "../../data-loaders/x.js";', "OUTSIDE_ENGINE"],
    ["an import from src/", "index.ts", 'import { page } from "../src/page.js";', "OUTSIDE_ENGINE"],
    ["an absolute import", "index.ts", 'import { x } from "/etc/x.js";', "OUTSIDE_ENGINE"],
    ["a URL import", "index.ts", 'import { x } from "https://cdn.example.com/x.js";', "OUTSIDE_ENGINE"],
    ["an import of engine/node/", "backtest.ts", 'import { cli } from "./node/cli.js";', "NODE_ONLY_FOLDER"],
    ["an import of engine/live/ from a subfolder", "risk/rule.ts", 'export * from "../live/trader.js";', "NODE_ONLY_FOLDER"],
    ["a bare package", "strategy/params.ts", 'import { z } from "zod";', "PACKAGE"],
    ["a scoped package", "index.ts", 'import * as duckdb from "@duckdb/duckdb-wasm";', "PACKAGE"],
    ["document", "index.ts", 'const el = document.createElement("div");', "HOST_GLOBAL"],
    ["window", "index.ts", "const w = window.innerWidth;", "HOST_GLOBAL"],
    ["localStorage", "index.ts", 'localStorage.setItem("k", "v");', "HOST_GLOBAL"],
    ["navigator", "index.ts", "const cores = navigator.hardwareConcurrency;", "HOST_GLOBAL"],
    ["process.", "index.ts", "const debug = process.env.DEBUG;", "HOST_GLOBAL"],
    ["typeof process", "index.ts", 'const isNode = typeof process !== "undefined";', "HOST_GLOBAL"],
    ["globalThis.process", "index.ts", "const p = globalThis.process;", "HOST_GLOBAL"],
    ["Buffer", "index.ts", 'const b = Buffer.from("x");', "HOST_GLOBAL"],
    ["a Buffer type", "index.ts", "export function f(bytes: Buffer): void {}", "HOST_GLOBAL"],
    ["require(", "index.ts", "const m = require(name);", "HOST_GLOBAL"],
    ["__dirname", "index.ts", "const here = __dirname;", "HOST_GLOBAL"],
    ["a global inside a template substitution", "index.ts", "const s = `w=${window.innerWidth}`;", "HOST_GLOBAL"],
  ])("flags %s", (_label, path, source, rule) => {
    expect(ruleNames(path, source)).toContain(rule);
  });

  it("reports the right line in a longer file", () => {
    const source = [
      "/** A module. */",
      'import { sma } from "./indicators/sma.js";',
      "",
      "export function f(): number {",
      "  // process.env is not used here",
      "  return process.hrtime()[0] + sma(3).period;",
      "}",
      "export {",
      "  x,",
      '} from "node:os";',
    ].join("\n");
    expect(rulesOf("index.ts", source)).toEqual(["6:HOST_GLOBAL", "10:NODE_BUILTIN"]);
  });

  it("passes code that only looks suspicious", () => {
    const source = [
      'import type { Order } from "./orders.js";',
      'import { InputError } from "../errors.js";',
      'export * from "./types.js";',
      'export { sma } from "../indicators/sma.js";',
      '// import { readFileSync } from "node:fs"; window.alert(process.env) -- only a comment',
      '/* const b = Buffer.from(require("os")); document.body */',
      'const message = "rolling window of the process; see https://example.com/document";',
      "const single = 'import fs from \"fs\"';",
      'const template = `from "path" ${1 + 1} window`;',
      "const quote = /[\"'\\/]window/g.test(message);",
      "const ratio = (a + b) / 2 / c;",
      'const letters = Array.from("abc");',
      "export class Rolling {",
      "  private readonly window: number[] = [];",
      "  constructor(readonly options: { window: number; process?: boolean }) {}",
      "  push(x: number): number { this.window.push(x); return this.options.window + this.window.length; }",
      "}",
      "export function mean(window: readonly number[]): number {",
      "  return window.reduce((sum, x) => sum + x, 0) / window.length;",
      "}",
      "export function span({ window }: { window: number }): number { return window * 2; }",
      'const config = { window: 20, document: "a", navigator: null };',
      'const mod = await import("./lazy.js");',
    ].join("\n");
    expect(checkIsomorphic("risk/rule.ts", source)).toEqual([]);
    expect(checkJsSpecifiers("risk/rule.ts", source)).toEqual([]);
  });

  it("allows a package only when it is on the allow-list", () => {
    const source = 'import { z } from "zod";\nimport { y } from "zod/mini";';
    expect(rulesOf("strategy/params.ts", source)).toEqual(["1:PACKAGE", "2:PACKAGE"]);
    expect(rulesOf("strategy/params.ts", source, ["zod"])).toEqual([]);
  });

  it("requires .js on relative specifiers and nothing else", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import { b } from "../b";',
      'export * from "./c/index.js";',
      'import { d } from "node:fs";',
      'const e = await import("./e.mjs");',
    ].join("\n");
    expect(checkJsSpecifiers("node/cli.ts", source).map((v) => `${v.line}:${v.rule}`)).toEqual([
      "1:NOT_JS_SPECIFIER",
      "2:NOT_JS_SPECIFIER",
      "5:NOT_JS_SPECIFIER",
    ]);
  });
});
