import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRun } from "../../../engine/node/reports/publish.js";
import { refreshReportCache, reportPages } from "../../../engine/node/reports/reportPages.js";
import { tempRoot, type TempRoot } from "./reportRoot.ts";

describe("reportPages", () => {
  let root: TempRoot;
  beforeAll(() => { root = tempRoot(); });
  afterAll(() => root.close());

  it("lists a page per spec named by a report id", async () => {
    expect(reportPages(root.dir)).toEqual([]);
    const a = await publishRun({ title: "A", dataset: "sample-1d", symbols: "SYN-A", strategy: "sma-crossover" }, { root: root.dir });
    const b = await publishRun({ title: "B", dataset: "sample-1d", symbols: "SYN-C", strategy: "sma-crossover" }, { root: root.dir });
    writeFileSync(join(root.dir, "src", "reports", "specs", "notes.json"), "{}");
    expect(reportPages(root.dir)).toEqual([`/reports/${a.id}`, `/reports/${b.id}`].sort());
  });

  it("drops the cached reports when what they are computed from changes, and only then", async () => {
    const cache = join(root.dir, "src", ".observablehq", "cache", "reports");
    mkdirSync(cache, { recursive: true });
    refreshReportCache(root.dir);
    const cached = join(cache, "0123456789ab.json");
    writeFileSync(cached, "{}");
    expect(refreshReportCache(root.dir)).toBe(false);
    expect(existsSync(cached)).toBe(true);
    await publishRun({ title: "C", dataset: "sample-1d", symbols: "SYN-D", strategy: "sma-crossover" }, { root: root.dir });
    expect(refreshReportCache(root.dir)).toBe(true);
    expect(existsSync(cached)).toBe(false);
  });
});
