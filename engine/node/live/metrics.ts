/**
 * The trader's Prometheus exposition (text format 0.0.4), written from its status and counters
 * on each scrape: orders, fills, rejections, order latency (over the last 1000 orders), feed lag
 * and reconnects, equity, positions, trading state.
 */
import type { TraderCounters, TraderStatus } from "./trader.js";

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function prometheusText(status: TraderStatus, counters: TraderCounters, nowMs: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: "counter" | "gauge" | "summary", help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(",");
      lines.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : "NaN"}`);
    }
  };
  const account = { account: status.account };
  metric("qw_orders_sent_total", "counter", "Orders sent to the exchange.", [[account, counters.ordersSent]]);
  metric("qw_orders_rejected_total", "counter", "Orders the exchange refused.", [[account, counters.ordersRejected]]);
  metric("qw_risk_rejections_total", "counter", "Orders the risk manager refused.", [[account, counters.riskRejections]]);
  metric("qw_fills_total", "counter", "Fills booked (each trade id once).", [[account, counters.fills]]);
  metric("qw_bars_total", "counter", "Closed bars handled.", [[account, counters.bars]]);
  const lat = [...counters.latencies].sort((a, b) => a - b);
  const q = (p: number) => (lat.length === 0 ? Number.NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! / 1000);
  metric("qw_order_latency_seconds", "summary", "Order round trip, send to exchange answer (last 1000).",
    [[{ ...account, quantile: "0.5" }, q(0.5)], [{ ...account, quantile: "0.99" }, q(0.99)]]);
  lines.push(`qw_order_latency_seconds_sum{account="${esc(status.account)}"} ${lat.reduce((a, b) => a + b, 0) / 1000}`);
  lines.push(`qw_order_latency_seconds_count{account="${esc(status.account)}"} ${lat.length}`);
  metric("qw_feed_lag_seconds", "gauge", "Seconds since the feed's last message, per symbol.",
    status.feed.map((f) => [{ ...account, symbol: f.symbol }, Number.isNaN(f.lastMessageMs) ? Number.NaN : (nowMs - f.lastMessageMs) / 1000]));
  metric("qw_feed_reconnects_total", "counter", "Reconnections of the symbol's feed.", status.feed.map((f) => [{ ...account, symbol: f.symbol }, f.reconnects]));
  metric("qw_feed_up", "gauge", "1 while the symbol's feed is current.", status.feed.map((f) => [{ ...account, symbol: f.symbol }, f.status === "ok" ? 1 : 0]));
  metric("qw_equity", "gauge", "Equity in the quote currency.", [[account, status.equity]]);
  metric("qw_position", "gauge", "Position per symbol.", status.positions.map((p) => [{ ...account, symbol: p.symbol }, p.quantity]));
  metric("qw_trading_state", "gauge", "1 for the risk manager's current state.",
    (["ACTIVE", "REDUCING", "HALTED"] as const).map((s) => [{ ...account, state: s }, status.risk === s ? 1 : 0]));
  return `${lines.join("\n")}\n`;
}
