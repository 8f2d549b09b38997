/**
 * Live runner bench: how long a hot parameter update takes from the control API call to the
 * answer that says it is applied (the answer is sent once the running engine has it), over 200
 * updates to a paper trader on the local Binance simulator, with a bar handled between updates.
 * The issue asks for 100 ms. Run through `npm run bench` (bench/run.ts) or `npx tsx bench/live.bench.ts`.
 */
import { startControlApi, type TraderHost } from "../engine/node/live/controlApi.js";
import { startRig, step } from "../test/live/liveHarness.js";

const UPDATES = 200;
const TOKEN = "bench-token-0123456789abcdef";

export async function liveBench(): Promise<Record<string, unknown>> {
  const rig = await startRig({ mode: "paper" });
  const host: TraderHost = {
    trader: () => rig.trader,
    startStrategy: async () => {}, stopStrategy: async () => {}, restartStrategy: async () => {},
    auditLog: (limit) => rig.store.auditLog({ limit }),
    subscribe: () => {},
  };
  const api = await startControlApi(host, { port: 0, token: TOKEN, log: rig.log });
  try {
    const ms: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const allocation = i % 2 === 0 ? 0.5 : 0.6;
      const t0 = performance.now();
      const res = await fetch(`${api.url}/params`, {
        method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "x-actor": "bench" }, body: JSON.stringify({ params: { allocation } }),
      });
      const body = (await res.json()) as { params?: { allocation?: number } };
      ms.push(performance.now() - t0);
      if (res.status !== 200 || body.params?.allocation !== allocation || rig.trader.status().params.allocation !== allocation) {
        throw new Error(`update ${i} was not applied: ${res.status} ${JSON.stringify(body)}`);
      }
      await step(rig);
    }
    ms.sort((a, b) => a - b);
    const q = (p: number) => +ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(2);
    return { hotParamUpdate: { updates: UPDATES, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: +ms.at(-1)!.toFixed(2), targetMs: 100 } };
  } finally {
    await api.close();
    await rig.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await liveBench(), null, 2));
}
