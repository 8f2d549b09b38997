/**
 * `npm run backtest -- --data FILE --strategy NAME|PATH [--param k=v ...] [--cash N]
 * [--commission RATE] [--slippage-bps N] [--fill-on-close] [--risk FILE.json] [--lot N]
 * [--json OUT]`: loads bars through DuckDB, runs the engine, prints a summary and optionally
 * writes the whole result as JSON. Exit codes: 0 ok, 2 bad input, 3 the strategy failed
 * (the result up to the failure is still printed and written).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EngineError, InputError, fixedBpsSlippage, formatTime, riskRules, runBacktest, type BacktestResult, type BarSeries } from "../../index.js";
import { readBars } from "../readBars.js";
import { loadStrategy } from "./loadStrategy.js";

const USAGE = `usage: npm run backtest -- --data FILE [--data FILE ...] --strategy NAME|PATH [--param k=v ...]
       [--cash N] [--commission RATE] [--slippage-bps N] [--fill-on-close] [--lot N]
       [--risk RISK.json] [--json OUT] [--quiet]`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.data?.length || !values.strategy) throw new InputError("USAGE", {}, `--data and --strategy are required\n${USAGE}`);
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new InputError("USAGE", { param: p }, `--param takes name=value, got "${p}"`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const strategy = await loadStrategy(values.strategy);
  const bars: BarSeries[] = [];
  for (const file of values.data) bars.push(await readBars(file));
  const result = runBacktest({
    bars, strategy, params,
    cash: num("cash", values.cash),
    commission: num("commission", values.commission),
    slippage: values["slippage-bps"] !== undefined ? fixedBpsSlippage(num("slippage-bps", values["slippage-bps"])!) : undefined,
    fill: { fillOnClose: values["fill-on-close"] ?? false },
    lotSize: num("lot", values.lot),
    risk: values.risk ? riskRules(readJson(values.risk) as Parameters<typeof riskRules>[0]) : undefined,
  });
  if (!values.quiet) console.log(summary(result, bars));
  if (values.json) {
    writeFileSync(values.json, toJson(result));
    if (!values.quiet) console.log(`\nwrote ${values.json}`);
  }
  if (result.error) {
    console.error(`\nerror: ${result.error.message}`);
    return 3;
  }
  return 0;
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        data: { type: "string", multiple: true },
        strategy: { type: "string" },
        param: { type: "string", multiple: true },
        cash: { type: "string" },
        commission: { type: "string" },
        "slippage-bps": { type: "string" },
        "fill-on-close": { type: "boolean" },
        lot: { type: "string" },
        risk: { type: "string" },
        json: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (error) {
    throw new InputError("USAGE", {}, `${(error as Error).message}\n${USAGE}`);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError("BAD_RISK_FILE", { file }, `could not read risk rules from ${file}: ${(error as Error).message}`);
  }
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x)) throw new InputError("USAGE", { option: name, value: v }, `--${name} needs a number, got "${v}"`);
  return x;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : String(x));
const fix = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** A readable summary of a run. */
export function summary(r: BacktestResult, bars: readonly BarSeries[]): string {
  const m = r.metrics;
  const lines = [
    `strategy  ${r.strategy} ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ")}`,
    ...bars.map((s) => `data      ${s.symbol} ${s.timeframe} ${s.length} bars ${formatTime(s.time[0]!)} → ${formatTime(s.time[s.length - 1]!)}`),
    `equity    ${fix(r.initialCash)} → ${fix(m.finalEquity)}   return ${pct(m.totalReturn)}   CAGR ${pct(m.cagr)}`,
    `risk      vol ${pct(m.annualVolatility)}   Sharpe ${fix(m.sharpe)}   Sortino ${fix(m.sortino)}   Calmar ${fix(m.calmar)}   max DD ${pct(m.maxDrawdown)} (${m.maxDrawdownDurationBars} bars)`,
    `trades    ${m.numberOfTrades}   win rate ${pct(m.winRate)}   profit factor ${fix(m.profitFactor)}   expectancy ${fix(m.expectancy)}   avg win ${fix(m.averageWin)}   avg loss ${fix(m.averageLoss)}`,
    `activity  ${r.fills.length} fills   commission ${fix(m.totalCommission)}   exposure ${pct(m.exposure)}   turnover ${fix(m.turnover)}x`,
  ];
  for (const p of r.positions) if (p.quantity !== 0) lines.push(`open      ${p.symbol} ${p.quantity} @ ${fix(p.averagePrice, 4)} (last ${fix(p.lastPrice, 4)})`);
  if (r.rejections.length > 0) {
    const byCode = new Map<string, number>();
    for (const x of r.rejections) byCode.set(x.code, (byCode.get(x.code) ?? 0) + 1);
    lines.push(`rejected  ${[...byCode].map(([c, n]) => `${c} ×${n}`).join(", ")}`);
  }
  return lines.join("\n");
}

/** The full result as JSON: fills with ISO times, equity as columns, NaN/Infinity as null. */
export function toJson(r: BacktestResult): string {
  const iso = (t: number): string => new Date(t).toISOString();
  return JSON.stringify({
    strategy: r.strategy, params: r.params, symbols: r.symbols, initialCash: r.initialCash, finalCash: r.finalCash,
    metrics: r.metrics,
    fills: r.fills.map((f) => ({ time: iso(f.timeMs), timeMs: f.timeMs, symbol: f.symbol, side: f.side, qty: f.quantity, price: f.price, commission: f.commission, liquidity: f.liquidity, orderId: f.orderId })),
    trades: r.trades.map((t) => ({ ...t, entryTime: iso(t.entryTimeMs), exitTime: iso(t.exitTimeMs) })),
    orders: r.orders, rejections: r.rejections, positions: r.positions, riskTransitions: r.riskTransitions, logs: r.logs,
    equity: { time: Array.from(r.time), equity: Array.from(r.equity), drawdown: Array.from(r.drawdown) },
    error: r.error,
  }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("cli/backtest.ts")) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
    if (error instanceof EngineError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  });
}
