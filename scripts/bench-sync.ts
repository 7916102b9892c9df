/**
 * `npm run bench:sync`: a 10-year backfill for one user across every pull provider, against the
 * provider simulator started in this process, through the real path (enqueueSync → in-process
 * runner → fetchers → normalizers → upserts). Prints, per provider, the requests made against the
 * minimum the providers' page sizes and range limits allow, the rows written per second, and the
 * peak memory (RSS high-water mark, sampled, and the kernel's max RSS).
 *
 * Rate limits are switched off on both sides (the simulator's and ours): at the real budgets a
 * 10-year Fitbit backfill alone takes hours by design. The table shows that floor as well.
 *
 * Env: DATABASE_URL (a throwaway database is created on that server and dropped after; default
 * in-memory PGlite), BENCH_YEARS (default 10), BENCH_CONCURRENCY (runs at once, default 4).
 */
import { inArray } from "drizzle-orm";
import { simData } from "@sim/data/generator";
import { OURA_HR_MAX_DAYS, OURA_HR_PAGE_SIZE, OURA_PAGE_SIZE } from "@sim/providers/oura/endpoints";
import { STRAVA_MAX_PER_PAGE } from "@sim/providers/strava/endpoints";
import { WHOOP_MAX_LIMIT } from "@sim/providers/whoop/endpoints";
import { FITBIT_MAX_LIMIT, FITBIT_MAX_RANGE_DAYS } from "@sim/providers/fitbit/endpoints";
import { POLAR_MAX_RANGE_DAYS } from "@sim/providers/polar/endpoints";
import { COROS_MAX_RANGE_DAYS } from "@sim/providers/coros/endpoints";
import { WITHINGS_PAGE_SIZE } from "@sim/providers/withings/endpoints";
import { HEVY_MAX_PAGE_SIZE } from "@sim/providers/hevy/endpoints";
import { EIGHTSLEEP_MAX_RANGE_DAYS } from "@sim/providers/eightsleep/endpoints";
import { startSimulator } from "@sim/server";
import { syncRuns } from "@/lib/db/schema";
import { enqueueSync } from "@/lib/sync/enqueue";
import { providerList, pullProvider } from "@/lib/providers";
import { startSyncRunner } from "@/lib/sync/runner";
import { connectAs, newUser, applySimulatorEnv } from "@/lib/sync/test-support";
import { pgliteTestDb, postgresTestDb } from "@/test/db";

const YEARS = Number(process.env.BENCH_YEARS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PROVIDERS = ["strava", "oura", "whoop", "fitbit", "polar", "coros", "withings", "hevy", "eightsleep"] as const;
const accountOf = (p: string) => (p === "hevy" ? "lifter-1" : p === "eightsleep" ? "bench-sleeper@example.test" : `bench-${p}`);

/** The fewest requests that can fetch `n` records spanning `days` days of one resource. */
function minimumRequests(provider: string, resource: string, n: number, days: number): number {
  const pages = (size: number) => Math.max(1, Math.ceil(n / size));
  const ranges = (max: number) => Math.max(1, Math.ceil(days / max));
  switch (provider) {
    case "strava":
      return pages(STRAVA_MAX_PER_PAGE);
    case "oura":
      return resource === "heartrate" ? Math.max(Math.ceil(n / OURA_HR_PAGE_SIZE), ranges(OURA_HR_MAX_DAYS)) : pages(OURA_PAGE_SIZE);
    case "whoop":
      return resource === "body_measurement" ? 1 : pages(WHOOP_MAX_LIMIT);
    case "fitbit":
      return resource === "activities" ? pages(FITBIT_MAX_LIMIT) : ranges(FITBIT_MAX_RANGE_DAYS[resource as keyof typeof FITBIT_MAX_RANGE_DAYS]);
    case "polar":
      return ["activities", "continuous_heart_rate"].includes(resource) ? ranges(POLAR_MAX_RANGE_DAYS) : 1;
    case "coros":
      return ranges(COROS_MAX_RANGE_DAYS);
    case "withings":
      return pages(WITHINGS_PAGE_SIZE);
    case "hevy":
      return pages(HEVY_MAX_PAGE_SIZE);
    case "eightsleep":
      return ranges(EIGHTSLEEP_MAX_RANGE_DAYS);
    default:
      return 1;
  }
}

/** Each provider's documented budget, for the "at real limits" floor: requests per window. */
const BUDGETS: Record<string, Array<{ limit: number; ms: number }>> = Object.fromEntries(
  providerList.flatMap((p) => (p.pull ? [[p.id, p.pull.fetcher.budget.map((w) => ({ limit: w.limit, ms: w.ms }))]] : [])),
);
function floorAtBudget(provider: string, requests: number): number {
  return Math.max(0, ...(BUDGETS[provider] ?? []).map((w) => Math.floor((requests - 1) / w.limit) * w.ms));
}
const human = (ms: number) => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : ms > 0 ? `${Math.round(ms / 1000)} s` : "none");
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

async function main() {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  sampler.unref();

  const sim = await startSimulator({ port: 0 });
  applySimulatorEnv(sim);
  process.env.SYNC_RATE_LIMITS = "off";
  const data = simData(sim.state);
  data.enforceRateLimits = false;
  const config = data.configure({}, { years: YEARS });
  const span = Math.round((Date.parse(config.to) - Date.parse(config.from)) / 86_400_000) + 1;

  const handle = process.env.DATABASE_URL ? await postgresTestDb() : await pgliteTestDb();
  console.log(`Backfilling ${YEARS} years (${config.from} … ${config.to}, ${span} days) of ${PROVIDERS.length} providers for one user into ${handle.kind}, ${CONCURRENCY} runs at once.`);
  try {
    const userId = await newUser(handle.db, "bench");
    const connections = new Map<string, string>();
    for (const p of PROVIDERS) connections.set(p, (await connectAs(handle.db, sim, userId, p, accountOf(p))).id);
    const before = sim.state.stats();

    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const runIds: string[] = [];
    for (const p of PROVIDERS) runIds.push((await enqueueSync(handle.db, { connectionId: connections.get(p)!, trigger: "connect" })).runId);
    const finished = new Map<string, number>();
    const runner = startSyncRunner(async () => handle.db, {
      concurrency: CONCURRENCY,
      schedule: false,
      pollMs: 100,
      rateLimits: false,
      backfillMaxDays: Math.ceil(YEARS * 366),
      onOutcome: (o) => finished.set(o.runId, performance.now()),
    });
    for (;;) {
      const runs = await handle.db.select({ status: syncRuns.status }).from(syncRuns).where(inArray(syncRuns.id, runIds));
      if (runs.every((r) => r.status === "succeeded" || r.status === "failed")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await runner.stop();
    const seconds = (performance.now() - t0) / 1000;
    const after = sim.state.stats();

    const runs = await handle.db.select().from(syncRuns).where(inArray(syncRuns.id, runIds));
    const rows: string[][] = [["provider", "status", "requests", "minimum", "ratio", "records", "rows written", "run time", "at real budget ≥"]];
    let totalReq = 0;
    let totalMin = 0;
    let totalRows = 0;
    let totalRecords = 0;
    for (const p of PROVIDERS) {
      const run = runs.find((r) => r.connectionId === connections.get(p))!;
      const isData = (k: string) => !k.startsWith("token") && !k.startsWith("authorize") && !k.startsWith("fault:") && !k.startsWith("data:");
      const requests = Object.entries(after[p] ?? {})
        .filter(([k]) => isData(k))
        .reduce((a, [k, n]) => a + n - (before[p]?.[k] ?? 0), 0);
      let minimum = 0;
      for (const r of pullProvider(p)!.fetcher.resources) {
        const n = data.expectedRecords(p, accountOf(p), r.resource).length;
        const window = data.window(p, accountOf(p), r.resource);
        const days = window ? Math.round((Date.parse(window.to) - Date.parse(window.from)) / 86_400_000) + 1 : 1;
        minimum += minimumRequests(p, r.resource, n, days);
      }
      totalReq += requests;
      totalMin += minimum;
      totalRows += run.inserted + run.updated;
      totalRecords += run.fetched;
      rows.push([
        p,
        run.status + (run.error ? ` (${run.error})` : ""),
        String(requests),
        String(minimum),
        `${(requests / minimum).toFixed(2)}×`,
        String(run.fetched),
        String(run.inserted + run.updated),
        `${((run.durationMs ?? 0) / 1000).toFixed(1)} s`,
        human(floorAtBudget(p, requests)),
      ]);
    }
    rows.push(["total", "", String(totalReq), String(totalMin), `${(totalReq / totalMin).toFixed(2)}×`, String(totalRecords), String(totalRows), `${seconds.toFixed(1)} s wall`, ""]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) console.log(r.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  "));
    console.log("");
    console.log(`Requests: ${totalReq} made, ${totalMin} at minimum (page sizes and range limits of each endpoint; our extra calls are time-zone reads, window edges and short pages).`);
    console.log(`Throughput: ${Math.round(totalRecords / seconds)} provider records/s fetched, ${Math.round(totalRows / seconds)} normalized rows/s written (plus one raw_record per record), ${seconds.toFixed(1)} s wall.`);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `Memory: peak RSS ${mb(peakRss)} sampled every 100 ms (${mb(rssBefore)} before the sync started${handle.kind === "pglite" ? ", the embedded database included" : ""}), kernel max RSS ${mb(process.resourceUsage().maxRSS * 1024)}.`,
    );
  } finally {
    await handle.close();
    await sim.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
