import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = join(ROOT, "dist");
const BUILD_TIMEOUT_MS = 120_000;

function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Absolute http(s) and protocol-relative URLs that are not on 127.0.0.1. */
const isExternal = (url: string) =>
  /^(?:https?:)?\/\//i.test(url) && !/^(?:https?:)?\/\/127\.0\.0\.1(?:[:/]|$)/i.test(url);

/**
 * External URLs a page would actually fetch: `<script src>`, `<link href>`, `<img src>` and the
 * specifiers of `import` statements and `import()` calls. Plain `<a href>` links are not requests.
 */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  const attribute = (tag: string, name: string) =>
    new RegExp(`<${tag}\\b[^>]*?\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "gi");
  for (const [tag, name] of [["script", "src"], ["link", "href"], ["img", "src"]] as const) {
    for (const match of html.matchAll(attribute(tag, name))) {
      const url = (match[1] ?? match[2] ?? match[3] ?? "").trim();
      if (isExternal(url)) found.push(`<${tag} ${name}="${url}">`);
    }
  }
  const imports = /\b(?:import|from)\s*\(?\s*(["'`])([^"'`]*)\1/g;
  for (const match of html.matchAll(imports)) {
    const url = match[2]!.trim();
    if (isExternal(url)) found.push(`import "${url}"`);
  }
  return found;
}

describe("the site builds offline", () => {
  let buildLog = "";

  beforeAll(async () => {
    const { stdout, stderr } = await promisify(execFile)("npm", ["run", "build"], {
      cwd: ROOT,
      env: { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    buildLog = `${stdout}\n${stderr}`;
  }, BUILD_TIMEOUT_MS + 10_000);

  it("writes dist/index.html with the site title", () => {
    const index = join(DIST, "index.html");
    expect(existsSync(index), `dist/index.html missing; build output:\n${buildLog.slice(-4000)}`).toBe(true);
    expect(readFileSync(index, "utf8")).toMatch(/<title>[^<]*Quant workbench[^<]*<\/title>/);
  });

  it("renders no page with an Observable error (e.g. a non-local import, which still exits 0)", () => {
    const broken = filesUnder(DIST, ".html").filter((file) => readFileSync(file, "utf8").includes("observablehq--error"));
    expect(broken.map((file) => relative(ROOT, file)), "pages rendering observablehq--error").toEqual([]);
  });

  it("references no external origin from any page", () => {
    const pages = filesUnder(DIST, ".html");
    expect(pages.length).toBeGreaterThan(0);
    const external = pages.flatMap((file) =>
      externalReferences(readFileSync(file, "utf8")).map((ref) => `${relative(ROOT, file)}: ${ref}`),
    );
    expect(external, `external references in the built site:\n${external.join("\n")}`).toEqual([]);
  });

  it("detects external references (so the check above cannot pass vacuously)", () => {
    const html = [
      '<script type="module" src="https://cdn.jsdelivr.net/npm/htl/+esm"></script>',
      "<link rel=stylesheet href=https://fonts.googleapis.com/css2>",
      "<img alt='x' src='http://example.com/a.png'>",
      '<script type="module">import "https://esm.sh/d3"; const m = await import(`https://x.dev/m.js`);',
      'import { html } from "https://cdn.example.com/htl.js";</script>',
      '<script src="http://127.0.0.1:3000/local.js"></script><link href="./_observablehq/x.css">',
      '<a href="https://observablehq.com/">Observable</a><img src="./_file/a.png"><img src="//cdn.x/b.png">',
    ].join("\n");
    expect(externalReferences(html)).toEqual([
      '<script src="https://cdn.jsdelivr.net/npm/htl/+esm">',
      '<link href="https://fonts.googleapis.com/css2">',
      '<img src="http://example.com/a.png">',
      '<img src="//cdn.x/b.png">',
      'import "https://esm.sh/d3"',
      'import "https://x.dev/m.js"',
      'import "https://cdn.example.com/htl.js"',
    ]);
  });
});
