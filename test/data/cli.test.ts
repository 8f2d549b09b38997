import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBars } from "../../engine/node/readBars.js";
import { withDuckDB } from "../../engine/node/withDuckDB.js";
import { MINUTE_MS } from "../../engine/time.js";
import { runCli } from "../../data-loaders/cli.js";

const T0 = Date.UTC(2024, 0, 1);
let dir: string;
let good: string;
let broken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "data-cli-"));
  const rows = Array.from({ length: 180 }, (_, i) => `${T0 + i * MINUTE_MS},10,11,9,10.${i % 10},${i % 7 === 0 ? 0 : 5}`);
  good = join(dir, "good.csv");
  await writeFile(good, ["time,open,high,low,close,volume", ...rows.slice(0, 100), ...rows.slice(110)].join("\n") + "\n");
  broken = join(dir, "broken.csv");
  await writeFile(broken, ["time,open,high,low,close,volume", rows[0], `${T0 + MINUTE_MS},10,11,9,,5`, rows[2]].join("\n") + "\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run data", () => {
  it("import writes canonical Parquet (symbol, time in UTC ms, OHLCV) that reads back as the same bars", async () => {
    const out = join(dir, "good.parquet");
    const r = await cli("import", good, out, "--symbol", "TEST", "--quiet");
    expect(r.code).toBe(0);
    const schema = await withDuckDB(async (db) => (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${out}')`)).getRows());
    expect(schema.map((c) => [c[0], c[1]])).toEqual([["symbol", "VARCHAR"], ["time", "BIGINT"], ["open", "DOUBLE"],
      ["high", "DOUBLE"], ["low", "DOUBLE"], ["close", "DOUBLE"], ["volume", "DOUBLE"]]);
    const back = await readBars(out);
    const orig = await readBars(good);
    expect(back.symbol).toBe("TEST");
    expect([...back.time]).toEqual([...orig.time]);
    expect([...back.close]).toEqual([...orig.close]);
  });

  it("import refuses a broken file with exit code 1 and the problem's line, and --repair imports the rest", async () => {
    const r = await cli("import", broken, join(dir, "b.parquet"), "--quiet");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${broken}:3 close NAN_PRICE`);
    const fixed = await cli("import", broken, join(dir, "b.parquet"), "--repair");
    expect(fixed.code).toBe(0);
    expect(fixed.out).toMatch(/2 bars/);
    expect(fixed.out).toMatch(/dropped row 3: NAN_PRICE/);
  });

  it("validate prints the report and exits 2 when there are errors, 0 when there are none", async () => {
    const bad = await cli("validate", broken, "--quiet");
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("1 error(s)");
    expect(bad.out).toContain(`${broken}:3 close NAN_PRICE`);
    const ok = await cli("validate", good, "--json");
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.out);
    expect(report.counts).toMatchObject({ GAP: 1, ZERO_VOLUME: 25 });
    expect(report.warnings[0]).toMatchObject({ code: "GAP", row: 102, missing: 10 });
  });

  it("inspect shows symbols, rows, first and last time, timeframe, gaps, zero-volume bars and price decimals", async () => {
    const r = await cli("inspect", good, "--json");
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.symbols).toEqual([{ symbol: "good", rows: 170, timeframe: "1m", first: "2024-01-01", last: "2024-01-01T02:59:00.000Z",
      priceDecimals: 1, gaps: 1, zeroVolume: 25 }]);
    expect(info.gaps).toEqual([{ symbol: "good", from: "2024-01-01T01:39:00.000Z", to: "2024-01-01T01:50:00.000Z", missing: 10 }]);
    const text = await cli("inspect", good);
    expect(text.out).toMatch(/good: 170 bars .* timeframe 1m, 1 gap\(s\), 25 zero-volume bar\(s\), price decimals 1/);
  });

  it("resample writes a resampled file", async () => {
    const out = join(dir, "hourly.csv");
    const r = await cli("resample", good, out, "--timeframe", "1h");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/170 bars -> 3 1h bars/);
    expect(existsSync(out)).toBe(true);
    const hourly = await readBars(out, { symbol: "good" });
    expect([...hourly.time]).toEqual([T0, T0 + 3_600_000, T0 + 7_200_000]);
    const bad = await cli("resample", good, out, "--timeframe", "2h");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--timeframe, one of 5m/);
  });

  it("prints usage for an unknown command or option, with exit code 1", async () => {
    expect((await cli("frobnicate")).code).toBe(1);
    const r = await cli("validate", good, "--nope");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown option --nope/);
  });

  it("dispatches synth and fetch, or says they are not available yet", async () => {
    const r = await cli("synth", "--help");
    if (!existsSync(new URL("../../data-loaders/synthCommand.ts", import.meta.url))) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/not available yet/);
    } else {
      expect(typeof r.code).toBe("number");
    }
  });
});
