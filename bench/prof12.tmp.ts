import { Sma } from "../engine/index.ts";
import type { Indicator } from "../engine/indicators/types.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = syntheticBars("SYN", 1_000_000, 42);
class Feeder { inds: Indicator[][] = [[]]; src: Float64Array[][] = [[]];
  feed(k: number, i: number) { const inds = this.inds[k]!, src = this.src[k]!; for (let j = 0; j < inds.length; j++) (inds[j] as { update(x: number): number }).update(src[j]![i]!); } }
for (let r = 0; r < 5; r++) {
  const f = new Feeder(); f.inds[0]!.push(new Sma(10, { decimals: 2 }), new Sma(30, { decimals: 2 })); f.src[0]!.push(s.close, s.close);
  let t0 = performance.now(); for (let i = 0; i < s.length; i++) f.feed(0, i); const tf = performance.now() - t0;
  const a = new Sma(10, { decimals: 2 }), b = new Sma(30, { decimals: 2 });
  t0 = performance.now(); for (let i = 0; i < s.length; i++) { a.update(s.close[i]!); b.update(s.close[i]!); } const td = performance.now() - t0;
  console.log("feed", tf.toFixed(1), "direct", td.toFixed(1));
}
class Sma2 { readonly kind = "scalar"; n = 0; val = NaN; slot = 0; lastSlot = 0; out = 0; tickSum = 0; baseTickSum = 0; buf: Float64Array; divisor: number; maxTicks: number; name = "x";
  constructor(readonly period: number, readonly scale: number) { this.buf = new Float64Array(period); this.divisor = period * scale; this.maxTicks = Math.floor(Number.MAX_SAFE_INTEGER / period); }
  update(x: number): number { return this.scale !== 0 ? this.ticks(x) : this.float(x); }
  float(x: number): number { if (!Number.isFinite(x)) throw new Error("x"); return x; }
  ticks(x: number): number {
      const scaled = x * this.scale;
      const v = Math.round(scaled);
      if (!(Math.abs(scaled - v) <= 1e-7 + 16 * Number.EPSILON * Math.abs(scaled) && Math.abs(v) <= this.maxTicks)) throw new Error(this.name);
      const p = this.period; const slot = this.slot; const n = ++this.n;
      const out = n > p ? this.buf[slot]! : 0; this.buf[slot] = v; this.lastSlot = slot; this.out = out;
      this.slot = slot + 1 === p ? 0 : slot + 1; const base = this.tickSum; this.baseTickSum = base;
      const total = base - out + v; this.tickSum = total;
      return (this.val = n >= p ? total / this.divisor : NaN);
  } }
for (let r = 0; r < 4; r++) { const a = new Sma2(10, 100), b = new Sma2(30, 100);
  const t0 = performance.now(); for (let i = 0; i < s.length; i++) { a.update(s.close[i]!); b.update(s.close[i]!); } console.log("split", (performance.now() - t0).toFixed(1)); }
