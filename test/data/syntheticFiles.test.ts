import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syntheticMarket } from "../../engine/data/synthetic.js";
import { readBars } from "../../engine/node/readBars.js";
import { parseSynthArgs, runSynth } from "../../data-loaders/synthCommand.js";
import { writeSyntheticCsv } from "../../data-loaders/synthetic.js";

const dir = mkdtempSync(join(tmpdir(), "qw-synth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, io: { out: (s: string) => lines.out.push(s), err: (s: string) => lines.err.push(s) } };
}

describe("npm run data -- synth", () => {
  it("writes a Parquet file that readBars reads back to the generator's numbers, symbol by symbol", async () => {
    const file = join(dir, "syn.parquet");
    const { lines, io } = capture();
    const code = await runSynth(["--seed", "42", "--symbols", "3", "--timeframe", "4h", "--bars", "500", "--start", "2023-01-01", "--out", file], io);
    expect(code, lines.err.join("\n")).toBe(0);
    expect(lines.out[0]).toMatch(/syn\.parquet: Synthetic market data \(not real prices\), seed 42: 3 symbols SYN-A, SYN-B, SYN-C, 500 4h bars/);
    const expected = syntheticMarket({ seed: 42, symbols: 3, timeframe: "4h", bars: 500, start: Date.UTC(2023, 0, 1) });
    for (const series of expected) {
      const back = await readBars(file, { symbol: series.symbol });
      expect(back.timeframe).toBe("4h");
      for (const col of ["time", "open", "high", "low", "close", "volume"] as const) {
        expect(Array.from(back[col]), `${series.symbol}.${col}`).toEqual(Array.from(series[col]));
      }
    }
  });

  it("writes CSV when --out ends in .csv, readable by readBars", async () => {
    const file = join(dir, "syn.csv");
    expect(await runSynth(["--seed=7", "--symbols=SYN-X,SYN-Y", "--timeframe=1d", "--bars=30", `--out=${file}`], capture().io)).toBe(0);
    const text = readFileSync(file, "utf8").split("\n");
    expect(text[0]).toBe("symbol,time,open,high,low,close,volume");
    expect(text[1]).toMatch(/^SYN-X,2024-01-01,/);
    const y = await readBars(file, { symbol: "SYN-Y" });
    const expected = syntheticMarket({ seed: 7, symbols: ["SYN-X", "SYN-Y"], timeframe: "1d", bars: 30 })[1]!;
    expect(Array.from(y.close)).toEqual(Array.from(expected.close));
    expect(Array.from(y.time)).toEqual(Array.from(expected.time));
  });

  it("answers bad arguments with exit code 2, the reason and the usage", async () => {
    const { lines, io } = capture();
    expect(await runSynth(["--seed", "42", "--bars", "10"], io)).toBe(2);
    expect(lines.err[0]).toMatch(/^synth: --out is required\n\nUsage: npm run data -- synth/);
    const bad = capture();
    expect(await runSynth(["--seed", "1", "--bars", "10", "--out", join(dir, "x.parquet"), "--start", "2024-01-01T05:00Z", "--timeframe", "1d"], bad.io)).toBe(2);
    expect(bad.lines.err[0]).toMatch(/not a multiple of 1d/);
    expect(() => parseSynthArgs(["--seed", "x", "--bars", "1", "--out", "a.parquet"])).toThrow(/--seed x is not a whole number/);
    expect(() => parseSynthArgs(["--frobnicate"])).toThrow(/unknown argument "--frobnicate"/);
    expect(parseSynthArgs(["--help"])).toBe("help");
  });

  it("writes daily CSV times as plain dates and intraday ones as ISO-8601 UTC", async () => {
    const file = join(dir, "intraday.csv");
    await writeSyntheticCsv(file, { seed: 1, symbols: 1, timeframe: "15m", bars: 3 });
    expect(readFileSync(file, "utf8").split("\n")[1]).toMatch(/^SYN-A,2024-01-01T00:00:00Z,/);
  });
});
