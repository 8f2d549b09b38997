/** A generic CSV with a column mapping: header names the readers do not know, named by the caller. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../engine/index.js";
import { readBars } from "../../engine/node/readBars.js";
import { importBars } from "../../data-loaders/importBars.js";
import { runCli } from "../../data-loaders/cli.js";

const dir = mkdtempSync(join(tmpdir(), "mapping-"));
const file = join(dir, "quotes.csv");
writeFileSync(file, [
  "Stamp;First;Top;Bottom;Last;Shares;Ticker",
  "2024-03-01;10.5;11;10.25;10.75;1200;ACME",
  "2024-03-04;10.75;11.5;10.5;11.25;900;ACME",
  "2024-03-05;11.25;11.75;10.75;11;1500;ACME",
].join("\n"));
const columns = { time: "stamp", open: "First", high: "Top", low: "Bottom", close: "Last", volume: "Shares", symbol: "Ticker" };

describe("a generic CSV with a column mapping", () => {
  it("reads the mapped columns into bars", async () => {
    const s = await readBars(file, { columns });
    expect(s.symbol).toBe("ACME");
    expect(Array.from(s.time)).toEqual([Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 4), Date.UTC(2024, 2, 5)]);
    expect(Array.from(s.close)).toEqual([10.75, 11.25, 11]);
    expect(Array.from(s.volume)).toEqual([1200, 900, 1500]);
  });

  it("without the mapping, says it cannot tell the layout", async () => {
    await expect(readBars(file)).rejects.toMatchObject({ code: "UNKNOWN_LAYOUT" });
  });

  it("names a mapped column the header does not have", async () => {
    const error = await readBars(file, { columns: { ...columns, close: "Settle" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).context).toMatchObject({ row: 1, column: "close", mapped: "Settle" });
    expect((error as InputError).message).toContain('"Settle" column (mapped to close)');
  });

  it("imports and validates through the data CLI's --map", async () => {
    const { series, report } = await importBars(file, { columns });
    expect(series[0]!.length).toBe(3);
    expect(report.totals.errors).toBe(0);
    const out: string[] = [];
    const code = await runCli(["inspect", file, "--map", "time=Stamp,open=First,high=Top,low=Bottom,close=Last,volume=Shares,symbol=Ticker"], { out: (l) => out.push(l), err: () => {} });
    expect(code).toBe(0);
    expect(out.join("\n")).toContain("ACME: 3 bars");
  });
});
