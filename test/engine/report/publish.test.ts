import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { syntheticMarket } from "../../../engine/index.js";
import { writeBarsCsv } from "../../../engine/node/writeBars.js";
import { buildReport } from "../../../engine/node/reports/buildReport.js";
import { main } from "../../../engine/node/reports/cli.js";
import { publishRun } from "../../../engine/node/reports/publish.js";
import { specId } from "../../../engine/node/reports/reportSpec.js";
import { tempRoot, type TempRoot } from "./reportRoot.ts";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const BUNDLE = `export default {
  name: "above-sma",
  params: { period: { default: 20, min: 2, max: 200, integer: true } },
  init: (ctx, p) => ({ sma: ctx.sma(p.period) }),
  onBar(ctx, s) {
    if (!s.sma.ready) return;
    if (ctx.close > s.sma.value && ctx.position === 0) ctx.orderTargetPercent(1);
    else if (ctx.close < s.sma.value && ctx.position > 0) ctx.orderTargetPercent(0);
  },
};
`;

describe("publishRun", () => {
  let root: TempRoot;
  const sample = { title: "SMA on SYN-B", dataset: "sample-1d.parquet", symbols: "SYN-B", strategy: "sma-crossover", params: { fast: 10, slow: 30 }, commission: 0.001 };
  beforeAll(() => { root = tempRoot(); });
  afterAll(() => root.close());

  it("writes the run as a spec named by its hash, and returns the page it will have", async () => {
    const published = await publishRun(sample, { root: root.dir });
    expect(published.id).toMatch(/^[0-9a-f]{12}$/);
    expect(published.id).toBe(specId(published.spec));
    expect(published).toMatchObject({ page: `/reports/${published.id}`, file: `src/reports/specs/${published.id}.json`, created: true });
    const written = JSON.parse(readFileSync(join(root.dir, published.file), "utf8"));
    expect(written).toEqual({ title: "SMA on SYN-B", dataset: "sample-1d", symbols: ["SYN-B"], strategy: "sma-crossover", params: { fast: 10, slow: 30 }, costs: { commission: 0.001 } });
    expect((await publishRun(sample, { root: root.dir })).created).toBe(false);
  });

  it("types parameters given as text against the strategy's schema", async () => {
    const published = await publishRun({ ...sample, params: { fast: "12" } }, { root: root.dir });
    expect(published.spec.params).toEqual({ fast: 12 });
  });

  it("publishes strategy code as a bundle whose code hash pins the report", async () => {
    const published = await publishRun({ ...sample, strategy: "above-sma", source: BUNDLE, params: { period: 50 } }, { root: root.dir });
    expect(published.spec.strategy).toEqual({ code: BUNDLE, params: { period: 50 } });
    const report = await buildReport(published.id, { root: root.dir, summaryOnly: true });
    if ("error" in report) throw new Error(report.error.message);
    expect(report.strategy).toMatchObject({ name: "above-sma", kind: "bundle" });
    expect(report.pins.codeSha256).toBe(sha256(BUNDLE));
    expect(report.sheet.run.params).toEqual({ period: 50 });
  });

  it("pins a data file by the sha256 of its bytes and refuses to build once it changed", async () => {
    const file = join(root.dir, "src", "data", "AAA.csv");
    await writeBarsCsv(file, syntheticMarket({ seed: 3, symbols: 1, timeframe: "1d", bars: 400 })[0]!);
    const published = await publishRun({ ...sample, dataset: "src/data/AAA.csv", symbols: "AAA" }, { root: root.dir });
    expect(published.spec.dataSha256).toBe(sha256(readFileSync(file)));
    const report = await buildReport(published.id, { root: root.dir, summaryOnly: true });
    if ("error" in report) throw new Error(report.error.message);
    expect(report.pins).toMatchObject({ dataSha256: sha256(readFileSync(file)), dataHashOf: "file bytes" });
    writeFileSync(file, `${readFileSync(file, "utf8")}\n`);
    const changed = await buildReport(published.id, { root: root.dir, summaryOnly: true });
    expect("error" in changed && changed.error.code).toBe("DATA_CHANGED");
  });

  it("refuses a spec edited after it was published", async () => {
    const { id, file } = await publishRun(sample, { root: root.dir });
    const path = join(root.dir, file);
    writeFileSync(path, readFileSync(path, "utf8").replace('"SMA on SYN-B"', '"Edited"'));
    const report = await buildReport(id, { root: root.dir });
    expect("error" in report && report.error.message).toMatch(/was edited after it was published/);
    writeFileSync(path, `${JSON.stringify((await publishRun(sample, { root: root.dir })).spec, null, 2)}\n`);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["no title", { title: " " }, /title: a report needs a title/],
    ["a range", { range: { fromMs: 0 } }, /covers its whole dataset/],
    ["an unknown key", { colour: "red" }, /Unrecognized key/],
    ["an unknown sample symbol", { symbols: ["SYN-Z"] }, /sample-1d has no symbol "SYN-Z"; its symbols are SYN-A, SYN-B, SYN-C, SYN-D/],
    ["a file outside the data folders", { dataset: "package.json" }, /is not under src\/data or \.\.\/shared\/data/],
    ["a missing file", { dataset: "src/data/none.csv" }, /does not exist/],
    ["a parameter out of range", { params: { fast: 1 } }, /fast/],
    ["fast above slow", { params: { fast: 40, slow: 30 } }, /fast \(40\) must be shorter than slow \(30\)/],
    ["bad risk rules", { riskRules: { maxOrderNotionl: 5 } }, /unknown key "maxOrderNotionl"/],
    ["code that does not load", { source: "export default {" }, /the bundle's code does not load/],
  ])("refuses %s, saying why", async (_what, change, message) => {
    await expect(publishRun({ ...sample, ...change }, { root: root.dir })).rejects.toThrow(message);
  });

  it("is what npm run report calls", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const code = await main(["--title", "CLI run", "--data", "sample-1h", "--strategy", "donchian-breakout", "--param", "entryPeriod=30", "--commission", "0.0005"], root.dir);
      expect(code).toBe(0);
      const line = String(log.mock.calls[0]?.[0]);
      const id = /published ([0-9a-f]{12})/.exec(line)?.[1];
      expect(id).toBeDefined();
      const spec = JSON.parse(readFileSync(join(root.dir, "src", "reports", "specs", `${id}.json`), "utf8"));
      expect(spec).toEqual({ title: "CLI run", dataset: "sample-1h", symbols: ["SYN-A"], strategy: "donchian-breakout", params: { entryPeriod: 30 }, costs: { commission: 0.0005 } });
      expect(existsSync(join(root.dir, "src", "reports", "specs", `.${id}.json.${process.pid}.tmp`))).toBe(false);
    } finally {
      log.mockRestore();
    }
  });
});
