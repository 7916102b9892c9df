import { startSimulator } from "../e2e/simulator/server";
import { simData } from "../e2e/simulator/data/generator";
import { pgliteTestDb } from "@/test/db";
import { connectAs, newUser, applySimulatorEnv } from "@/lib/sync/test-support";
import { runSync } from "@/lib/sync/execute";
const provider = process.argv[2] ?? "oura";
const sim = await startSimulator({ port: 0 });
applySimulatorEnv(sim);
simData(sim.state).enforceRateLimits = false;
simData(sim.state).configure({}, { years: Number(process.argv[3] ?? 10) });
const t = await pgliteTestDb();
const c = await connectAs(t.db, sim, await newUser(t.db), provider, `bench-${provider}`);
const of = globalThis.fetch; let n = 0; globalThis.fetch = (async (u: any, i: any) => { const s = String(u instanceof Request ? u.url : u); if (s.includes("heartrate") && n++ < 6) console.log(s.replace(/^.*heartrate/, "hr")); return of(u, i); }) as typeof fetch;
const t0 = performance.now();
const out = await runSync(t.db, { connectionId: c.id, trigger: "manual" }, { rateLimits: false, backfillMaxDays: 3660 });
console.log(provider, out.status, ((performance.now() - t0) / 1000).toFixed(1), "s");
console.log(JSON.stringify(sim.state.stats()[provider]));
for (const r of ["workout","sleep","daily_activity","daily_readiness","daily_sleep","heartrate"]) { try { console.log(r, simData(sim.state).expectedRecords(provider, `bench-${provider}`, r).length); } catch {} }
await t.close(); await sim.close();
