import { Sma, crossover } from "../engine/index.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = syntheticBars("SYN", 1_000_000, 42);
for (let r = 0; r < 5; r++) {
  const a = new Sma(10, { decimals: 2 }), b = new Sma(30, { decimals: 2 }); const c = crossover();
  const t0 = performance.now(); let x = 0;
  for (let i = 0; i < s.length; i++) { a.update(s.close[i]!); b.update(s.close[i]!); x += c.update(a.value, b.value); }
  const t1 = performance.now();
  const a2 = new Sma(10), b2 = new Sma(30);
  for (let i = 0; i < s.length; i++) { a2.update(s.close[i]!); b2.update(s.close[i]!); }
  console.log("2 sma(dec)+cross", (t1 - t0).toFixed(1), "2 sma(float)", (performance.now() - t1).toFixed(1), x);
}
class Fast { buf: Float64Array; n = 0; slot = 0; sum = 0; val = NaN; constructor(readonly period: number, readonly scale: number) { this.buf = new Float64Array(period); }
  update(x: number): number { const sc = x * this.scale; const t = Math.round(sc); if (!(Math.abs(sc - t) <= 1e-6)) throw new Error("x"); const p = this.period; const out = this.buf[this.slot]!; this.buf[this.slot] = t; this.slot = this.slot + 1 === p ? 0 : this.slot + 1; this.n++; this.sum += t - (this.n > p ? out : 0); this.val = this.n >= p ? this.sum / (p * this.scale) : NaN; return this.val; } }
for (let r = 0; r < 3; r++) { const a = new Fast(10, 100), b = new Fast(30, 100); const t0 = performance.now(); let z = 0; for (let i = 0; i < s.length; i++) { a.update(s.close[i]!); z += b.update(s.close[i]!); } console.log("fast 2 sma", (performance.now() - t0).toFixed(1), z > 0); }
