/** The backtest command line: clear errors naming file, row and column; a failing strategy keeps its partial result. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../../engine/index.js";
import { main } from "../../engine/node/cli/backtest.js";

const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;

const HEADER = "time,open,high,low,close,volume";
function bars(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
    const c = 100 + Math.round(10 * Math.sin(i / 3) * 100) / 100;
    return `${d},${c},${c + 1},${c - 1},${c},1000`;
  });
}
function csv(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
async function inputError(argv: string[]): Promise<InputError> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await main(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  } finally {
    log.mockRestore();
  }
  throw new Error(`expected an InputError from: ${argv.join(" ")}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-"));
});

describe("backtest CLI", () => {
  it("names file, row and column for a NaN price", async () => {
    const rows = bars(40);
    rows[16] = rows[16]!.replace(/,[^,]+,1000$/, ",NaN,1000");
    const file = csv("nan.csv", [HEADER, ...rows]);
    const e = await inputError(["--data", file, "--strategy", "sma-crossover"]);
    expect(e.context).toMatchObject({ file, row: 18, column: "close" });
    expect(e.message).toContain("row 18");
    expect(e.message).toContain("close");
  });

  it("names file, row and column for a non-positive price", async () => {
    const rows = bars(40);
    const cols = rows[5]!.split(",");
    cols[1] = "-3";
    rows[5] = cols.join(",");
    const file = csv("negative.csv", [HEADER, ...rows]);
    const e = await inputError(["--data", file, "--strategy", "sma-crossover"]);
    expect(e.context).toMatchObject({ file, row: 7, column: "open" });
  });

  it("names the row of an out-of-order timestamp and of a duplicate one", async () => {
    const rows = bars(40);
    const swapped = [...rows];
    [swapped[9], swapped[10]] = [swapped[10]!, swapped[9]!];
    let e = await inputError(["--data", csv("unsorted.csv", [HEADER, ...swapped]), "--strategy", "sma-crossover"]);
    expect(e.context).toMatchObject({ row: 12, column: "time" });
    const dup = [...rows];
    dup[20] = dup[19]!;
    e = await inputError(["--data", csv("dup.csv", [HEADER, ...dup]), "--strategy", "sma-crossover"]);
    expect(e.context).toMatchObject({ row: 22, column: "time" });
  });

  it("names a missing column", async () => {
    const file = csv("noclose.csv", ["time,open,high,low,volume", ...bars(5).map((r) => r.split(",").filter((_, j) => j !== 4).join(","))]);
    const e = await inputError(["--data", file, "--strategy", "sma-crossover"]);
    expect(e.message).toMatch(/close/);
    expect(e.context).toMatchObject({ file });
  });

  it("refuses an unknown strategy, an unknown parameter and a parameter out of range", async () => {
    const file = csv("ok.csv", [HEADER, ...bars(60)]);
    let e = await inputError(["--data", file, "--strategy", "no-such-strategy"]);
    expect(e.code).toBe("UNKNOWN_STRATEGY");
    expect(e.message).toContain("sma-crossover");
    e = await inputError(["--data", file, "--strategy", "sma-crossover", "--param", "fastest=3"]);
    expect(e.code).toBe("UNKNOWN_PARAM");
    expect(e.message).toContain("fast, slow");
    e = await inputError(["--data", file, "--strategy", "sma-crossover", "--param", "slow=1000"]);
    expect(e.code).toBe("PARAM_OUT_OF_RANGE");
    expect(e.message).toContain("[3, 400]");
    e = await inputError(["--data", file, "--strategy", "sma-crossover", "--param", "fast=ten"]);
    expect(e.code).toBe("BAD_PARAM");
  });

  it("stops a strategy that throws with its name, the bar time and the error, exits 3 and still writes the result so far", async () => {
    const file = csv("ok2.csv", [HEADER, ...bars(60)]);
    const strategyFile = join(dir, "thrower.ts");
    writeFileSync(strategyFile, `import { defineStrategy } from ${JSON.stringify(resolve(ROOT, "engine/index.ts"))};
export default defineStrategy({ name: "thrower", params: {}, init: () => ({}),
  onBar(ctx) { if (ctx.index === 3) ctx.buy(10); if (ctx.index === 25) throw new Error("boom"); } });
`);
    const out = join(dir, "thrower.json");
    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", "engine/node/cli/backtest.ts", "--data", file, "--strategy", strategyFile, "--json", out], { cwd: ROOT })
      .then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('strategy "thrower" onBar threw on the');
    expect(run.stderr).toContain("2024-01-26");
    expect(run.stderr).toContain("boom");
    const result = JSON.parse(readFileSync(out, "utf8"));
    expect(result.error.code).toBe("STRATEGY_THREW");
    expect(result.fills).toHaveLength(1);
    expect(result.equity.time).toHaveLength(26);
  }, 30_000);

  it("exits 2 with a one-line error for bad input", async () => {
    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", "engine/node/cli/backtest.ts", "--data", join(dir, "missing.csv"), "--strategy", "sma-crossover"], { cwd: ROOT })
      .then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*missing\.csv/);
  }, 30_000);
});
