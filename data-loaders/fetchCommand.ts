import { EngineError, InputError } from "../engine/errors.js";
import { formatTime } from "../engine/time.js";
import { createExchange, fetchOhlcv, type FetchProgress } from "./fetchOhlcv.js";

export const FETCH_USAGE = `usage: data fetch --exchange <ccxt id> --symbol <BASE/QUOTE> --timeframe <tf> --since <date> --until <date> --out <folder>
                  [--api-url <http://host:port>] [--limit <bars per page>] [--pages-per-file <n>]

Downloads OHLCV bars of [since, until) with ccxt into <folder>/exchange=<id>/symbol=<BASE-QUOTE>/timeframe=<tf>/
as Parquet. Running it again resumes after the last stored bar. Dates are YYYY-MM-DD (UTC midnight),
ISO-8601 date-times (UTC unless a zone is given) or epoch milliseconds; until is exclusive.
--api-url points every REST endpoint of the exchange at another host (a local simulator).

example: npm run data -- fetch --exchange binance --symbol BTC/USDT --timeframe 1m --since 2024-12-30 --until 2025-01-02 --out data/`;

const FLAGS = ["exchange", "symbol", "timeframe", "since", "until", "out", "api-url", "limit", "pages-per-file"] as const;
type Flag = (typeof FLAGS)[number];

/** Parses `--flag value` / `--flag=value` pairs; throws InputError on an unknown or valueless flag. */
function parseFlags(argv: readonly string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new InputError("BAD_ARGUMENT", { argument: arg }, `unexpected argument "${arg}"; flags look like --symbol BTC/USDT`);
    const name = m[1] as Flag;
    if (!FLAGS.includes(name)) {
      throw new InputError("UNKNOWN_FLAG", { argument: arg }, `unknown flag --${m[1]}; known flags: ${FLAGS.map((f) => `--${f}`).join(", ")}`);
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || (m[2] === undefined && value.startsWith("--"))) {
      throw new InputError("MISSING_VALUE", { argument: arg }, `--${name} needs a value`);
    }
    out[name] = value;
  }
  return out;
}

/** UTC ms from YYYY-MM-DD, an ISO date-time (UTC unless zoned) or epoch ms. */
export function parseTime(flag: string, text: string): number {
  let t: number;
  if (/^\d{11,}$/.test(text)) t = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) t = Date.parse(`${text}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) t = Date.parse(`${text.replace(" ", "T")}Z`);
  else t = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(t)) {
    throw new InputError("BAD_DATE", { flag, value: text },
      `--${flag} "${text}" is not a date; write YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (UTC) or epoch milliseconds`);
  }
  return t;
}

/** Rewrites every REST base URL of a ccxt `urls.api` map (nested maps too) to `base`, keeping the paths. */
export function pointApiAt(api: unknown, base: string): unknown {
  if (typeof api === "string") return api.replace(/^https?:\/\/[^/]+/, base);
  if (api && typeof api === "object") return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, pointApiAt(v, base)]));
  return api;
}

/**
 * `data fetch …`: downloads OHLCV into the Parquet store, printing progress lines on stderr and a
 * summary on stdout. Returns the exit code: 0 done, 2 bad arguments or data (InputError), 1 the
 * exchange failed. A leading "fetch" in argv is skipped.
 */
export async function runFetch(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const args = argv[0] === "fetch" ? argv.slice(1) : argv;
  if (args.includes("--help") || args.includes("-h")) {
    out(FETCH_USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(args);
    const missing = (["exchange", "symbol", "timeframe", "since", "until", "out"] as const).filter((f) => flags[f] === undefined);
    if (missing.length > 0) {
      throw new InputError("MISSING_FLAG", { flags: missing.join(",") }, `missing ${missing.map((f) => `--${f}`).join(", ")}\n${FETCH_USAGE}`);
    }
    const config: Record<string, unknown> = {};
    if (flags["api-url"]) {
      const base = flags["api-url"].replace(/\/+$/, "");
      if (!/^https?:\/\/[^/]+$/.test(base)) {
        throw new InputError("BAD_API_URL", { value: flags["api-url"] }, `--api-url "${flags["api-url"]}" must be a scheme and host, e.g. http://127.0.0.1:8080`);
      }
      const proto = createExchange(flags.exchange!);
      config.urls = { ...proto.urls, api: pointApiAt(proto.urls.api, base) };
      // only spot markets and no private lookups: a simulator answers the spot API alone
      config.options = { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false, fetchMargins: false };
    }
    const exchange = createExchange(flags.exchange!, config);
    const int = (flag: "limit" | "pages-per-file") => {
      const v = flags[flag];
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new InputError("BAD_NUMBER", { flag, value: v }, `--${flag} "${v}" must be a whole number`);
      return Number(v);
    };
    const limit = int("limit"), pagesPerFile = int("pages-per-file");
    const started = performance.now();
    const result = await fetchOhlcv({
      exchange, symbol: flags.symbol!, timeframe: flags.timeframe!, root: flags.out!,
      since: parseTime("since", flags.since!), until: parseTime("until", flags.until!),
      ...(limit !== undefined ? { limit } : {}), ...(pagesPerFile !== undefined ? { pagesPerFile } : {}),
      onProgress: (p: FetchProgress) => err(progressLine(p)),
    });
    const seconds = (performance.now() - started) / 1000;
    out(`${exchange.id} ${flags.symbol} ${flags.timeframe}: ${result.rows} new bars in ${result.files.length} file(s), ` +
      `complete from ${formatTime(result.from)} to ${formatTime(result.to)} (${seconds.toFixed(1)} s)`);
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      err(`error: ${e.message}`);
      return 2;
    }
    err(`error: ${e instanceof EngineError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return 1;
  }
}

function progressLine(p: FetchProgress): string {
  const head = `${p.exchange} ${p.symbol} ${p.timeframe}`;
  if (p.kind === "retry") return `${head}: retry ${p.retry!.attempt} in ${p.retry!.delayMs} ms after ${p.retry!.error}`;
  if (p.kind === "file") return `${head}: wrote ${p.file}`;
  const span = p.until - p.since;
  const pct = span > 0 ? Math.min(100, (100 * (p.cursor - p.since)) / span) : 100;
  return `${head}: page ${p.pages}, ${p.rows} bars, up to ${formatTime(p.cursor)} (${pct.toFixed(0)}%)`;
}
