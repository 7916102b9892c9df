/**
 * `npm run bench:sync`: a 10-year backfill for one user across every pull provider, against the
 * provider simulator started in this process, through the real path (enqueueSync → in-process
 * runner → fetchers → normalizers → upserts), for two accounts of every provider:
 * - sparse: a handful of records over the ten years (two recent days plus one record years ago);
 * - dense: the simulator's full ten years of generated history.
 * Prints, per provider, the requests made against the minimum that the provider's documented page
 * and range limits allow for the account's record counts: per resource max(⌈records ÷ page⌉,
 * ⌈dates ÷ range cap⌉, 1) — the limits as each provider folder declares them (`pageSize`,
 * `windowDays`, `maxHistoryDays` in src/lib/providers/<id>/fetch.ts), never the engine's windows or
 * the simulator's. Our one extra call is a time-zone read (WHOOP, where records carry no offset;
 * Google Health's settings, the zone of days without records). Also the rows written per second and the peak memory (RSS high-water mark, sampled, and
 * the kernel's max RSS). Target: at most 1.1× the minimum on both accounts.
 *
 * Rate limits are switched off on both sides (the simulator's and ours): at the real budgets
 * a dense 10-year backfill takes a long while for some providers by design. The table shows that floor.
 *
 * Env: DATABASE_URL (a throwaway database is created on that server and dropped after; default
 * in-memory PGlite), BENCH_YEARS (default 10), BENCH_CONCURRENCY (runs at once, default 4).
 */
import { inArray } from "drizzle-orm";
import { DataError, simData, type SimData } from "@sim/data/generator";
import { startSimulator } from "@sim/server";
import { syncRuns } from "@/lib/db/schema";
import { enqueueSync } from "@/lib/sync/enqueue";
import { providerList, pullProvider } from "@/lib/providers";
import { startSyncRunner } from "@/lib/sync/runner";
import { DAY_MS } from "@/lib/sync/engine";
import type { ResourceFetcher } from "@/lib/sync/types";
import { applySimulatorEnv, connectAs, dataRequests, newUser } from "@/lib/sync/test-support";
import { pgliteTestDb, postgresTestDb, type TestDb } from "@/test/db";

const YEARS = Number(process.env.BENCH_YEARS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PROVIDERS = ["strava", "oura", "whoop", "google_health", "polar", "coros", "withings", "hevy", "eightsleep"] as const;
type Provider = (typeof PROVIDERS)[number];
type Density = "sparse" | "dense";
/** Hevy and Eight Sleep accounts are fixed demo identities (an API key, a sign-in). */
const accountOf = (p: Provider, d: Density) =>
  p === "hevy" ? (d === "dense" ? "lifter-1" : "lifter-2") : p === "eightsleep" ? `bench-${d}-sleeper@example.test` : `bench-${d}-${p}`;

/**
 * The fewest requests that fetch `n` records of one resource over `dates` local dates (or days),
 * from the provider's own declared limits: pages of `pageSize`, ranges of `windowDays`.
 */
function minimumRequests(r: ResourceFetcher, n: number, dates: number): number {
  const pages = r.pageSize ? Math.ceil(n / r.pageSize) : 0;
  const ranges = r.kind === "window" && r.windowDays ? Math.ceil(dates / r.windowDays) : 0;
  return Math.max(1, pages, ranges);
}

/** Days (date APIs: dates, today included) a backfill of `r` must cover: its reach, cut to the provider's history. */
function datesToCover(r: ResourceFetcher, backfillDays: number): number {
  const days = Math.min(backfillDays, r.maxHistoryDays ?? Infinity);
  return r.kind === "window" && r.dayAligned ? days + 1 : days;
}

/** A sparse account: two recent days, plus one record of the main resource years back. */
function makeSparse(data: SimData, p: Provider, account: string): void {
  const cfg = data.configure({ provider: p, account }, { years: 2 / 365.25 });
  const pull = pullProvider(p)!;
  const old = Date.parse(`${cfg.to}T12:00:00Z`) - Math.round(YEARS * 0.7 * 365) * DAY_MS;
  for (const r of pull.fetcher.resources) {
    try {
      data.mutate({ op: "add", provider: p, account, resource: r.resource, at: old });
      return;
    } catch (error) {
      if (!(error instanceof DataError)) throw error; // not addable one by one: try the next resource
    }
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

type Row = { provider: Provider; status: string; requests: number; minimum: number; records: number; rows: number; seconds: number };

/** Runs every provider's first sync for one account density; returns its rows. */
async function backfillAll(handle: TestDb, sim: Awaited<ReturnType<typeof startSimulator>>, data: SimData, density: Density): Promise<Row[]> {
  const backfillDays = Math.ceil(YEARS * 366);
  const userId = await newUser(handle.db, `bench-${density}`);
  const connections = new Map<Provider, string>();
  for (const p of PROVIDERS) {
    if (density === "sparse") makeSparse(data, p, accountOf(p, density));
    connections.set(p, (await connectAs(handle.db, sim, userId, p, accountOf(p, density))).id);
  }
  const before = sim.state.stats();
  const runIds: string[] = [];
  for (const p of PROVIDERS) runIds.push((await enqueueSync(handle.db, { connectionId: connections.get(p)!, trigger: "connect" })).runId);
  const runner = startSyncRunner(async () => handle.db, { concurrency: CONCURRENCY, schedule: false, pollMs: 100, rateLimits: false, backfillMaxDays: backfillDays });
  for (;;) {
    const runs = await handle.db.select({ status: syncRuns.status }).from(syncRuns).where(inArray(syncRuns.id, runIds));
    if (runs.every((r) => r.status === "succeeded" || r.status === "failed")) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await runner.stop();
  const after = sim.state.stats();
  const runs = await handle.db.select().from(syncRuns).where(inArray(syncRuns.id, runIds));
  return PROVIDERS.map((p) => {
    const run = runs.find((r) => r.connectionId === connections.get(p))!;
    const requests = dataRequests(sim, p, after) - dataRequests(sim, p, before);
    let minimum = 0;
    for (const r of pullProvider(p)!.fetcher.resources) {
      minimum += minimumRequests(r, data.expectedRecords(p, accountOf(p, density), r.resource).length, datesToCover(r, backfillDays));
    }
    return { provider: p, status: run.status + (run.error ? ` (${run.error})` : ""), requests, minimum, records: run.fetched, rows: run.inserted + run.updated, seconds: (run.durationMs ?? 0) / 1000 };
  });
}

function print(density: Density, rows: Row[], wall: number): number {
  const table: string[][] = [[density, "status", "requests", "minimum", "ratio", "records", "rows written", "run time", "at real budget ≥"]];
  for (const r of rows) {
    table.push([r.provider, r.status, String(r.requests), String(r.minimum), `${(r.requests / r.minimum).toFixed(2)}×`, String(r.records), String(r.rows), `${r.seconds.toFixed(1)} s`, human(floorAtBudget(r.provider, r.requests))]);
  }
  const sum = (k: "requests" | "minimum" | "records" | "rows") => rows.reduce((a, r) => a + r[k], 0);
  const ratio = sum("requests") / sum("minimum");
  table.push(["total", "", String(sum("requests")), String(sum("minimum")), `${ratio.toFixed(2)}×`, String(sum("records")), String(sum("rows")), `${wall.toFixed(1)} s wall`, ""]);
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(r.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  "));
  console.log(`Throughput: ${Math.round(sum("records") / wall)} provider records/s fetched, ${Math.round(sum("rows") / wall)} normalized rows/s written (plus one raw_record per record).`);
  console.log("");
  return ratio;
}

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
  console.log(`Backfilling ${YEARS} years (${config.from} … ${config.to}, ${span} days) of ${PROVIDERS.length} providers into ${handle.kind}, ${CONCURRENCY} runs at once, for a sparse and a dense account.`);
  console.log("minimum = Σ per resource max(⌈records ÷ documented page⌉, ⌈dates ÷ documented range cap⌉, 1), from each provider folder's declared limits.");
  console.log("");
  try {
    const ratios: Record<Density, number> = { sparse: 0, dense: 0 };
    const rssBefore = process.memoryUsage().rss;
    for (const density of ["sparse", "dense"] as const) {
      const t0 = performance.now();
      const rows = await backfillAll(handle, sim, data, density);
      ratios[density] = print(density, rows, (performance.now() - t0) / 1000);
    }
    const verdict = (r: number) => `${r.toFixed(2)}× ${r <= 1.1 ? "(≤ 1.1×, met)" : "(over 1.1×, NOT met)"}`;
    console.log(`Requests against the documented minimum: sparse ${verdict(ratios.sparse)}, dense ${verdict(ratios.dense)}.`);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `Memory: peak RSS ${mb(peakRss)} sampled every 100 ms (${mb(rssBefore)} before the syncs started${handle.kind === "pglite" ? ", the embedded database included" : ""}), kernel max RSS ${mb(process.resourceUsage().maxRSS * 1024)}.`,
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
