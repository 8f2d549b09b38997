import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { barSeries, type BarSeries } from "../../../engine/bars.js";
import { InputError } from "../../../engine/errors.js";
import { readBars } from "../../../engine/node/readBars.js";
import { writeBarsCsv, writeBarsParquet } from "../../../engine/node/writeBars.js";

const SHARED = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../shared/data");
const MINUTE = 60_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "readBars-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` to a file in the temp dir and returns its path. */
async function fixture(name: string, text: string | string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, Array.isArray(text) ? text.join("\n") + "\n" : text);
  return file;
}

/** `n` valid canonical daily rows starting 2020-01-01, as CSV lines. */
function dailyRows(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)},10,11,9,10.5,100`);
}

const HEADER = "time,open,high,low,close,volume";

/** The InputError that `promise` rejects with (fails the test when it resolves or throws something else). */
async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

/** Asserts the error's code and where it points (file, 1-based line, bar column). */
function expectAt(error: InputError, code: string, file: string, row: number | undefined, column: string | undefined): void {
  expect({ code: error.code, file: error.context.file, row: error.context.row, column: error.context.column })
    .toEqual({ code, file, row, column });
}

function steps(time: Float64Array): Set<number> {
  const out = new Set<number>();
  for (let i = 1; i < time.length; i++) out.add(time[i]! - time[i - 1]!);
  return out;
}

describe.skipIf(!existsSync(SHARED))(`readBars on the real files in ../shared/data (skipped: ${SHARED} is absent)`, () => {
  it("reads backtrader's Yahoo-layout orcl-1995-2014.txt as 5036 daily bars with the file's raw prices, not Adj Close", async () => {
    const s = await readBars(join(SHARED, "backtrader/orcl-1995-2014.txt"));
    expect(s.length).toBe(5036);
    expect(s.symbol).toBe("orcl-1995-2014");
    expect(s.timeframe).toBe("1d");
    expect(s.time[0]).toBe(Date.UTC(1995, 0, 3));
    expect(s.time[s.length - 1]).toBe(Date.UTC(2014, 11, 31));
    // first line: 1995-01-03,2.179012,2.191358,2.117284,2.117284,1.883304,36301200
    expect([s.open[0], s.high[0], s.low[0], s.close[0], s.volume[0]]).toEqual([2.179012, 2.191358, 2.117284, 2.117284, 36301200]);
  });

  it("reads backtesting.py's pandas dump GOOG.csv (empty first column name) as 2148 daily bars", async () => {
    const s = await readBars(join(SHARED, "backtesting_py/GOOG.csv"));
    expect(s.length).toBe(2148);
    expect(s.symbol).toBe("GOOG");
    expect(s.timeframe).toBe("1d");
    expect(s.time[0]).toBe(Date.UTC(2004, 7, 19));
    expect([s.open[0], s.close[0]]).toEqual([100, 100.34]);
    expect(s.time[s.length - 1]).toBe(Date.UTC(2013, 2, 1));
  });

  it("reads EURUSD.csv's zone-less date-times as UTC hours", async () => {
    const s = await readBars(join(SHARED, "backtesting_py/EURUSD.csv"));
    expect(s.length).toBe(5000);
    expect(s.timeframe).toBe("1h");
    expect(s.time[0]).toBe(Date.UTC(2017, 3, 19, 9));
  });

  it("reads a Binance millisecond file and a microsecond file both as ms times, 60,000 apart and continuous across the switch", async () => {
    const ms = await readBars(join(SHARED, "crypto/binance_btcusdt_1m/BTCUSDT-1m-2024-12-31.csv"));
    const us = await readBars(join(SHARED, "crypto/binance_btcusdt_1m/BTCUSDT-1m-2025-01-01.csv"));
    expect([ms.length, us.length]).toEqual([1440, 1440]);
    expect(ms.time[0]).toBe(Date.UTC(2024, 11, 31));
    expect(us.time[0]).toBe(Date.UTC(2025, 0, 1));
    expect(steps(ms.time)).toEqual(new Set([MINUTE]));
    expect(steps(us.time)).toEqual(new Set([MINUTE]));
    expect(us.time[0]! - ms.time[ms.length - 1]!).toBe(MINUTE);
    expect([us.open[0], us.close[0], us.volume[0]]).toEqual([93576, 93610.93, 8.21827]);
    expect([ms.timeframe, us.timeframe]).toEqual(["1m", "1m"]);
  });

  it("joins backtrader's separate Date and Time columns into one UTC time", async () => {
    const s = await readBars(join(SHARED, "backtrader/2006-min-005.txt"));
    expect(s.length).toBe(2142);
    expect(s.time[0]).toBe(Date.UTC(2006, 0, 2, 9, 5));
    expect(s.timeframe).toBe("5m");
  });

  it("refuses 2006-01-02-volume-min-001.txt, whose header lacks the Time name, pointing at row 2 and the missing name", async () => {
    const file = join(SHARED, "backtrader/2006-01-02-volume-min-001.txt");
    const error = await inputError(readBars(file));
    expectAt(error, "FIELD_COUNT", file, 2, undefined);
    expect(error.message).toContain("has 8 fields but the header (row 1) names 7");
    expect(error.message).toContain(`"Time"`);
  });

  it("reports ticksample.csv's repeated tick stamp at its line", async () => {
    const file = join(SHARED, "backtrader/ticksample.csv");
    expectAt(await inputError(readBars(file)), "DUPLICATE_TIMESTAMP", file, 24, "time");
  });
});

describe("readBars layouts", () => {
  it("reads the canonical layout with case-insensitive names, date-only times at midnight UTC and volume", async () => {
    const file = await fixture("canon.csv", ["TIME,Open,HIGH,low,Close,VOLUME", ...dailyRows(3)]);
    const s = await readBars(file);
    expect(Array.from(s.time)).toEqual([0, 1, 2].map((i) => Date.UTC(2020, 0, 1 + i)));
    expect(Array.from(s.close)).toEqual([10.5, 10.5, 10.5]);
    expect(Array.from(s.volume)).toEqual([100, 100, 100]);
    expect(s.symbol).toBe("canon");
    expect(s.timeframe).toBe("1d");
  });

  it("reads epoch milliseconds, and epoch microseconds as milliseconds", async () => {
    const ms = await readBars(await fixture("ms.csv", [HEADER, "1577836800000,1,2,0.5,1.5,1", "1577836860000,1,2,0.5,1.5,1"]));
    const us = await readBars(await fixture("us.csv", [HEADER, "1577836800000000,1,2,0.5,1.5,1", "1577836860000000,1,2,0.5,1.5,1"]));
    expect(Array.from(ms.time)).toEqual([1577836800000, 1577836860000]);
    expect(Array.from(us.time)).toEqual([1577836800000, 1577836860000]);
    expect(ms.timeframe).toBe("1m");
  });

  it("reads times without a zone as UTC and honours an explicit offset or Z", async () => {
    const s = await readBars(await fixture("zones.csv", [
      HEADER, "2020-01-01 09:00:00,1,2,0.5,1.5,1", "2020-01-01T12:00:00+02:00,1,2,0.5,1.5,1", "2020-01-01T11:00:00.000Z,1,2,0.5,1.5,1",
    ]));
    expect(Array.from(s.time)).toEqual([Date.UTC(2020, 0, 1, 9), Date.UTC(2020, 0, 1, 10), Date.UTC(2020, 0, 1, 11)]);
  });

  it("reads Yahoo daily files using Open/High/Low/Close and ignoring Adj Close", async () => {
    const s = await readBars(await fixture("yahoo.csv", ["Date,Open,High,Low,Close,Adj Close,Volume", "2020-01-02,10,12,9,11,5.5,1000"]));
    expect([s.open[0], s.high[0], s.low[0], s.close[0], s.volume[0]]).toEqual([10, 12, 9, 11, 1000]);
  });

  it("reads backtrader files with an OpenInterest column", async () => {
    const s = await readBars(await fixture("bt.txt", ["Date,Open,High,Low,Close,Volume,OpenInterest", "2006-01-02,3578.73,3605.95,3578.73,3604.33,0,0"]));
    expect([s.time[0], s.close[0]]).toEqual([Date.UTC(2006, 0, 2), 3604.33]);
  });

  it("reads a pandas dump whose first column name is empty", async () => {
    const s = await readBars(await fixture("pandas.csv", [",Open,High,Low,Close,Volume", "2017-04-19 09:00:00,1.0716,1.0722,1.07083,1.07219,1413"]));
    expect([s.time[0], s.open[0], s.volume[0]]).toEqual([Date.UTC(2017, 3, 19, 9), 1.0716, 1413]);
  });

  it("reads a headerless 12-column Binance kline file", async () => {
    const s = await readBars(await fixture("BTCUSDT-1m.csv", [
      "1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.75522470,2631,3.95157000,369757.32652890,0",
      "1735689660000000,93610.93000000,93652.00000000,93606.20000000,93652.00000000,12.14029000,1735689719999999,1136550.56817500,1273,4.08887000,382791.50017200,0",
    ]));
    expect(Array.from(s.time)).toEqual([Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 0, 1)]);
    expect(Array.from(s.close)).toEqual([93610.93, 93652]);
  });

  it("reads semicolon- and tab-separated files, quoted fields, a byte-order mark, and no volume column as zero volume", async () => {
    const semi = await readBars(await fixture("semi.csv", ["time;open;high;low;close;volume", "2020-01-01;1;2;0.5;1.5;7"]));
    const tab = await readBars(await fixture("tab.tsv", ["time\topen\thigh\tlow\tclose", "2020-01-01\t1\t2\t0.5\t1.5"]));
    const quoted = await readBars(await fixture("quoted.csv", [`"time","open","high","low","close","volume"`, `"2020-01-01","1","2","0.5","1.5","7"`]));
    const bom = await readBars(await fixture("bom.csv", "\uFEFF" + [HEADER, ...dailyRows(1)].join("\n")));
    expect([semi.close[0], semi.volume[0], tab.close[0], tab.volume[0], quoted.volume[0], bom.close[0]]).toEqual([1.5, 7, 1.5, 0, 7, 10.5]);
  });

  it("names the series after the file unless options give a symbol, and uses a given timeframe as is", async () => {
    const file = await fixture("orcl-2014.txt", [HEADER, ...dailyRows(2)]);
    expect((await readBars(file)).symbol).toBe("orcl-2014");
    const s = await readBars(file, { symbol: "ORCL", timeframe: "1w" });
    expect([s.symbol, s.timeframe]).toEqual(["ORCL", "1w"]);
  });

  it("picks one symbol of a multi-symbol file with options.symbol, matching case-insensitively and keeping the file's row numbers", async () => {
    const file = await fixture("multi.csv", [
      "symbol,time,open,high,low,close,volume",
      "AAA,2020-01-01,1,2,0.5,1.5,1", "BBB,2020-01-01,3,4,2.5,3.5,1", "AAA,2020-01-02,1,2,0.5,1.5,1", "BBB,2020-01-01,3,4,2.5,3.5,1",
    ]);
    const aaa = await readBars(file, { symbol: "aaa" });
    expect([aaa.symbol, aaa.length, aaa.close[0]]).toEqual(["AAA", 2, 1.5]);
    // BBB's second row (line 5) repeats its first time: the error names line 5, not the bar index
    expectAt(await inputError(readBars(file, { symbol: "BBB" })), "DUPLICATE_TIMESTAMP", file, 5, "time");
  });

  it("forces a layout with options.format and refuses a file that does not fit it", async () => {
    const file = await fixture("forced.csv", [HEADER, ...dailyRows(2)]);
    expect((await readBars(file, { format: "canonical" })).length).toBe(2);
    expectAt(await inputError(readBars(file, { format: "binance" })), "FORMAT_MISMATCH", file, 1, undefined);
    expectAt(await inputError(readBars(file, { format: "pandas" })), "FORMAT_MISMATCH", file, 1, undefined);
  });
});

describe("readBars errors name the file, the line and the column", () => {
  it('reports "abc" as a price with its line, e.g. close is "abc" at row 17', async () => {
    const file = await fixture("bad.csv", [HEADER, ...dailyRows(15), "2020-02-01,10,11,9,abc,100"]);
    const error = await inputError(readBars(file));
    expectAt(error, "BAD_NUMBER", file, 17, "close");
    expect(error.message).toContain(`close is "abc" at row 17 of ${file}`);
    expect(error.context.value).toBe("abc");
  });

  it("reports an empty field", async () => {
    const file = await fixture("empty-field.csv", [HEADER, ...dailyRows(2), "2020-02-01,10,,9,10,100"]);
    const error = await inputError(readBars(file));
    expectAt(error, "EMPTY_FIELD", file, 4, "high");
    expect(error.message).toContain("high is empty at row 4");
  });

  it("reports a NaN price", async () => {
    const file = await fixture("nan.csv", [HEADER, ...dailyRows(3), "2020-02-01,10,11,9,NaN,100"]);
    expectAt(await inputError(readBars(file)), "NAN_PRICE", file, 5, "close");
  });

  it("reports zero and negative prices", async () => {
    const zero = await fixture("zero.csv", [HEADER, ...dailyRows(1), "2020-02-01,0,11,9,10,100"]);
    const negative = await fixture("negative.csv", [HEADER, "2020-02-01,10,11,-9,10,100"]);
    expectAt(await inputError(readBars(zero)), "NON_POSITIVE_PRICE", zero, 3, "open");
    expectAt(await inputError(readBars(negative)), "NON_POSITIVE_PRICE", negative, 2, "low");
  });

  it("reports out-of-order and duplicate timestamps at the later line", async () => {
    const unsorted = await fixture("unsorted.csv", [HEADER, ...dailyRows(4).reverse()]);
    const duplicate = await fixture("duplicate.csv", [HEADER, ...dailyRows(3), dailyRows(3)[2]!]);
    expectAt(await inputError(readBars(unsorted)), "UNSORTED_TIMESTAMP", unsorted, 3, "time");
    expectAt(await inputError(readBars(duplicate)), "DUPLICATE_TIMESTAMP", duplicate, 5, "time");
  });

  it("reports an unparsable date and a number too small to be epoch ms", async () => {
    const date = await fixture("date.csv", [HEADER, ...dailyRows(1), "01/02/2020,10,11,9,10,100"]);
    const small = await fixture("yyyymmdd.csv", [HEADER, "20200102,10,11,9,10,100"]);
    const dateError = await inputError(readBars(date));
    expectAt(dateError, "BAD_TIMESTAMP", date, 3, "time");
    expect(dateError.message).toContain("YYYY-MM-DD");
    expectAt(await inputError(readBars(small)), "BAD_TIMESTAMP", small, 2, "time");
  });

  it("reports a missing column by name and lists the columns found", async () => {
    const file = await fixture("missing.csv", ["Date,Open,High,Low,Adj Close,Volume", "2020-01-02,10,12,9,11,1000"]);
    const error = await inputError(readBars(file));
    expectAt(error, "MISSING_COLUMN", file, 1, "close");
    expect(error.message).toContain(`"close"`);
    expect(error.message).toContain(`"Date", "Open", "High", "Low", "Adj Close", "Volume"`);
  });

  it("reports an unknown layout and a headerless file that is not Binance's", async () => {
    const unknown = await fixture("unknown.csv", ["a,b,c", "1,2,3"]);
    const headerless = await fixture("headerless.csv", dailyRows(2));
    const error = await inputError(readBars(unknown));
    expectAt(error, "UNKNOWN_LAYOUT", unknown, 1, undefined);
    expect(error.message).toContain("time,open,high,low,close,volume");
    expectAt(await inputError(readBars(headerless)), "UNKNOWN_LAYOUT", headerless, 1, undefined);
  });

  it("reports a row with too few or too many fields", async () => {
    const file = await fixture("short.csv", [HEADER, ...dailyRows(2), "2020-02-01,10,11,9"]);
    const error = await inputError(readBars(file));
    expectAt(error, "FIELD_COUNT", file, 4, undefined);
    expect(error.message).toContain("has 4 fields but the header (row 1) names 6");
  });

  it("counts blank lines and CRLF, LF and mixed line ends so the row is the line an editor shows", async () => {
    const crlf = await fixture("crlf.csv", [HEADER, "", ...dailyRows(2), "", "", "2020-02-01,10,11,9,x,100"].join("\r\n") + "\r\n");
    const mixed = await fixture("mixed.csv", `${HEADER}\n${dailyRows(1)[0]}\r\n\r\n${dailyRows(2)[1]}\n\n2020-02-01,10,11,9,x,100\n`);
    const leading = await fixture("leading.csv", ["", "", HEADER, ...dailyRows(1), "2020-02-01,10,11,9,x,100"]);
    expectAt(await inputError(readBars(crlf)), "BAD_NUMBER", crlf, 7, "close");
    expectAt(await inputError(readBars(mixed)), "BAD_NUMBER", mixed, 6, "close");
    expectAt(await inputError(readBars(leading)), "BAD_NUMBER", leading, 5, "close");
    // and a valid file with blank lines still maps bars to their lines: the duplicate is line 6
    const dup = await fixture("blank-dup.csv", [HEADER, dailyRows(1)[0]!, "", "   ", dailyRows(2)[1]!, dailyRows(2)[1]!]);
    expectAt(await inputError(readBars(dup)), "DUPLICATE_TIMESTAMP", dup, 6, "time");
  });

  it("reports a file that is not UTF-8 at the line with the bad byte", async () => {
    const file = join(dir, "latin1.csv");
    await writeFile(file, Buffer.concat([Buffer.from(`${HEADER}\n\n${dailyRows(1)[0]}\n2020-02-01,10,11,9,10,100 caf`), Buffer.from([0xe9, 0x0a])]));
    const error = await inputError(readBars(file));
    expectAt(error, "READ_FAILED", file, 4, undefined);
    expect(error.message).toContain("save the file as UTF-8");
  });

  it("reports several symbols in a file without options.symbol, and an unknown options.symbol", async () => {
    const file = await fixture("symbols.csv", ["symbol,time,open,high,low,close,volume", "AAA,2020-01-01,1,2,0.5,1.5,1", "BBB,2020-01-01,1,2,0.5,1.5,1"]);
    const several = await inputError(readBars(file));
    expectAt(several, "MULTIPLE_SYMBOLS", file, 3, "symbol");
    expect(several.message).toContain("options.symbol");
    expectAt(await inputError(readBars(file, { symbol: "CCC" })), "SYMBOL_NOT_FOUND", file, undefined, "symbol");
  });

  it("reports a missing file, an empty file and a file with only a header", async () => {
    const nothing = join(dir, "no-such-file.csv");
    const empty = await fixture("empty.csv", "");
    const headerOnly = await fixture("header-only.csv", [HEADER]);
    expectAt(await inputError(readBars(nothing)), "FILE_NOT_FOUND", nothing, undefined, undefined);
    expectAt(await inputError(readBars(empty)), "EMPTY_FILE", empty, undefined, undefined);
    expectAt(await inputError(readBars(headerOnly)), "NO_ROWS", headerOnly, 1, undefined);
  });
});

describe("writeBarsCsv and writeBarsParquet", () => {
  // Prices that have no short decimal form (0.1 + 0.2) and sub-minute times, so that any rounding on
  // the way out or in would show.
  const series: BarSeries = (() => {
    const n = 5000;
    const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
    const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      time[i] = Date.UTC(2021, 5, 1) + i * 1_250;
      open[i] = 0.1 + 0.2 + i / 3;
      close[i] = open[i]! * (1 + Math.sin(i) / 100);
      high[i] = Math.max(open[i]!, close[i]!) + 1 / 7;
      low[i] = Math.min(open[i]!, close[i]!) - 1e-9;
      volume[i] = i % 5 === 0 ? 0 : Math.PI * i;
    }
    return barSeries({ symbol: "X", time, open, high, low, close, volume });
  })();
  const columns = ["time", "open", "high", "low", "close", "volume"] as const;

  it("round-trips a series through Parquet to identical Float64Arrays", async () => {
    const file = join(dir, "round.parquet");
    await writeBarsParquet(file, series);
    const back = await readBars(file);
    for (const c of columns) expect(back[c], c).toEqual(series[c]);
    expect(back.length).toBe(series.length);
  });

  it("round-trips a series through CSV to identical Float64Arrays", async () => {
    const file = join(dir, "round.csv");
    await writeBarsCsv(file, series);
    const back = await readBars(file);
    for (const c of columns) expect(back[c], c).toEqual(series[c]);
  });

  it("reports a bad Parquet value by its 1-based record number", async () => {
    const file = join(dir, "bad.parquet");
    const bad = { ...series, close: series.close.slice(), high: series.high.slice() };
    bad.close[41] = -1;
    await writeBarsParquet(file, bad as BarSeries);
    expectAt(await inputError(readBars(file)), "NON_POSITIVE_PRICE", file, 42, "close");
  });

  it("reads a 1,000,000-row CSV in seconds", { timeout: 120_000 }, async () => {
    const n = 1_000_000;
    const time = new Float64Array(n), price = new Float64Array(n), volume = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      time[i] = Date.UTC(2020, 0, 1) + i * MINUTE;
      price[i] = 100 + (i % 1000) / 100;
      volume[i] = i % 777;
    }
    const file = join(dir, "million.csv");
    await writeBarsCsv(file, barSeries({ symbol: "M", time, open: price, high: price, low: price, close: price, volume }));
    const started = performance.now();
    const s = await readBars(file);
    const seconds = (performance.now() - started) / 1000;
    expect(s.length).toBe(n);
    expect(s.time[n - 1]).toBe(Date.UTC(2020, 0, 1) + (n - 1) * MINUTE);
    expect(s.timeframe).toBe("1m");
    // about 1.5 s on a busy 2-core machine; a row-by-row reader would take minutes
    expect(seconds).toBeLessThan(20);
  });
});

describe("inferred timeframes", () => {
  it("are taken from the median spacing, so weekend gaps do not matter, and are empty when no label fits", async () => {
    const weekdays = await fixture("weekdays.csv", [HEADER,
      ...[2, 3, 6, 7, 8, 9, 10, 13].map((d) => `2020-01-${String(d).padStart(2, "0")},1,2,0.5,1.5,1`)]);
    const odd = await fixture("odd.csv", [HEADER, "1577836800000,1,2,0.5,1.5,1", "1577836807000,1,2,0.5,1.5,1", "1577836814000,1,2,0.5,1.5,1"]);
    expect((await readBars(weekdays)).timeframe).toBe("1d");
    expect((await readBars(odd)).timeframe).toBe("");
  });
});
