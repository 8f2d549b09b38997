import { Engine, defineStrategy, Portfolio, noCommission, noSlippage } from "../engine/index.ts";
import { RiskManager } from "../engine/risk/riskManager.ts";
import { syntheticBars } from "./syntheticBars.ts";
const s = syntheticBars("SYN", 1_000_000, 42);
const empty = defineStrategy({ name: "empty", params: {}, init: () => ({}), onBar() {} });
const mk = () => { const e = new Engine({ series: [s], strategy: empty, params: {}, portfolio: new Portfolio(["SYN"], { cash: 1e5 }), risk: new RiskManager([]), commission: noCommission(), slippage: noSlippage(), lotSize: () => 1 }); e.start(); return e; };
const expo = new Float64Array(1);
for (let r = 0; r < 5; r++) {
  let e = mk(); let t0 = performance.now();
  for (let i = 0; i < s.length; i++) e.bar(0, i);
  const tb = performance.now() - t0;
  e = mk(); t0 = performance.now(); let x = 0;
  for (let i = 0; i < s.length; i++) x += e.sample(s.time[i]!);
  const ts = performance.now() - t0;
  const pf = new Portfolio(["SYN"], { cash: 1e5 }); t0 = performance.now();
  for (let i = 0; i < s.length; i++) x += pf.mark();
  const tm = performance.now() - t0;
  const rm = new RiskManager([]); t0 = performance.now();
  for (let i = 0; i < s.length; i++) { rm.onEquity(i, 1); rm.onBar("X", i, 1); x += rm.state === "ACTIVE" ? 1 : 0; }
  console.log("bar", tb.toFixed(1), "sample", ts.toFixed(1), "pf.mark", tm.toFixed(1), "risk", (performance.now() - t0).toFixed(1), x > 0);
}
