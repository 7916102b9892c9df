/**
 * `npm run bench:dashboard` — what each dashboard page's data loading costs over its bare SQL, for
 * a 1-year and a 10-year user of the reconciled-record benchmark (bench-user.ts) in one database:
 * five workouts a day from three sources, a night a day from two, daily steps from two summaries
 * plus hourly iPhone steps, heart-rate samples, and a few connections with sync runs and refused
 * webhook deliveries.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:dashboard
 *
 * Per page: p50/p95 of the server-side loading exactly as the page's component runs it (the same
 * src/lib/dashboard functions in the same order; the JSX render is not timed), p50/p95 of bare SQL
 * returning the same rows (postgres.js, no ORM, no JS shaping), their ratio (target < 2×), and the
 * growth from the 1-year to the 10-year user of both (target: the page's no worse than the SQL's).
 * Then every distinct statement the page functions issued is EXPLAINed on the 10-year user with its
 * own parameters, and any sequential scan of a large table for a small share of its rows is named.
 * Printed, never asserted.
 *
 * BENCH_YEARS (default 10), BENCH_HR (10-year user's heart-rate samples, default 5000000) and
 * BENCH_RUNS (default 30) scale it down; BENCH_KEEP=1 keeps the database; BENCH_DB=<kept database>
 * times against one kept by an earlier run (same BENCH_YEARS) instead of generating anew.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { activityDetail, activityFacets, activityPage, activityTotals } from "@/lib/dashboard/activities";
import { heartRateBuckets } from "@/lib/dashboard/heart";
import { metricDays, resolveRange } from "@/lib/dashboard/metric";
import { homeZone, OVERVIEW_METRICS, overview, pagePreferences, sourceProblems, todayIn } from "@/lib/dashboard/overview";
import { sleepDetail, sleepRange } from "@/lib/dashboard/sleep";
import type { Db } from "@/lib/db";
import * as schema from "@/lib/db/schema";
import { providerConnections, users } from "@/lib/db/schema";
import { addDays, startOfLocalDay, zoneOffsetMinutes } from "@/lib/normalize/dates";
import type { MetricId } from "@/lib/reconcile/metrics";
import { latestActivities } from "@/lib/reconcile/read";
import { recomputeUser } from "@/lib/reconcile/store";
import { hasRecordsSql, syncStatus } from "@/lib/sync/status";
import { PgDialect } from "drizzle-orm/pg-core";
import { webhookDeliveryIssues } from "@/lib/webhooks/status";
import { benchDatabase, dailyStepTotals, heartRateSamples, hourlyPhoneSteps, nightlySleep, overlappingWorkouts, step } from "./bench-user";

const years = Number(process.env.BENCH_YEARS ?? 10);
const hr10 = Number(process.env.BENCH_HR ?? 5_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 30);
const end = "2026-11-30";
const now = new Date(`${end}T12:00:00Z`);
const HEART_TRENDS: MetricId[] = ["resting_hr", "hrv_rmssd", "hrv_sdnn", "weight", "body_fat"];

const { db: plainDb, name, kept: reuse, drop } = await benchDatabase("hb_bench_dashboard");
const url = new URL(process.env.DATABASE_URL!);
url.pathname = `/${name}`;
const client = postgres(url.toString(), { max: 4, onnotice: () => {} });
// Bare SQL goes over the wire as the app's driver sends it (drizzle on postgres.js: unnamed,
// unprepared statements), so the ratio is what the ORM and the page's own work add.
const bare = postgres(url.toString(), { max: 4, prepare: false, onnotice: () => {} });
// The page functions run through this handle, so every statement they issue is seen (for EXPLAIN).
let capture: Map<string, unknown[]> | null = null;
const db = drizzle(client, {
  schema,
  logger: { logQuery: (query, params) => void capture?.set(query, params) },
}) as unknown as Db;

const dialect = new PgDialect();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(2)} ms`.padStart(10);

type Fixture = { uid: string; days: number; activityId: string; sleepId: string; cursor: string };

/** One user of `y` years ending at `end`, with `hr` heart-rate samples; reconciled. */
async function makeUser(label: string, y: number, hr: number): Promise<Fixture> {
  const days = Math.round(y * 365.25);
  const start = addDays(end, -days + 1);
  const [user] = await plainDb.insert(users).values({ email: `bench-${label}-${name}@example.test` }).returning({ id: users.id });
  const uid = user.id;
  console.log(`${label}: ${days} days from ${start} to ${end}, ${hr.toLocaleString("en")} heart-rate samples`);
  await step(`  generate workouts, nights, steps, heart rate`, async () => {
    await overlappingWorkouts(plainDb, uid, start, end);
    await nightlySleep(plainDb, uid, start, end);
    await dailyStepTotals(plainDb, uid, start, end);
    await hourlyPhoneSteps(plainDb, uid, start, end);
    await heartRateSamples(plainDb, uid, start, days, hr);
  });
  // Connections as a settings page sees them: a pulled one with 50 runs, a push one with refused deliveries.
  const conns = await plainDb
    .insert(providerConnections)
    .values([
      { userId: uid, provider: "oura", authKind: "oauth2", providerUserId: `oura-${uid}` },
      { userId: uid, provider: "garmin", authKind: "oauth2", providerUserId: `garmin-${uid}` },
      { userId: uid, provider: "strava", authKind: "oauth2", providerUserId: `strava-${uid}` },
    ])
    .returning({ id: providerConnections.id, provider: providerConnections.provider });
  // A run every 6 hours per connection (every tenth failed) and four Garmin pushes a day (every
  // fourth refused), over the whole history: what years of syncing leave behind.
  const ids = conns.map((c) => c.id);
  await client`
    INSERT INTO sync_run (user_id, connection_id, trigger, status, queued_at, started_at, finished_at, error)
    SELECT ${uid}, c, 'schedule', CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END::sync_run_status,
           ${now.toISOString()}::timestamptz - i * interval '6 hours', ${now.toISOString()}::timestamptz - i * interval '6 hours',
           ${now.toISOString()}::timestamptz - i * interval '6 hours' + interval '1 minute', CASE WHEN i % 10 = 0 THEN 'bench failure' END
    FROM unnest(${ids}::uuid[]) c CROSS JOIN generate_series(1, ${days * 4}) i`;
  const garmin = conns.find((c) => c.provider === "garmin")!;
  await client`
    INSERT INTO webhook_event (provider, dedupe_key, user_id, connection_id, status, reason, body, received_at)
    SELECT 'garmin', ${uid} || '-' || i, ${uid}, ${garmin.id}, CASE WHEN i % 4 = 0 THEN 'ignored' ELSE 'processed' END::webhook_event_status,
           CASE WHEN i % 4 = 0 THEN 'not confirmed' END, '{}', ${now.toISOString()}::timestamptz - i * interval '6 hours'
    FROM generate_series(0, ${days * 4 - 1}) i`;
  await step(`  reconcile the user`, () => recomputeUser(plainDb, uid));
  return fixtureOf(uid, days);
}

/** A user generated by an earlier run of this bench (BENCH_DB). */
async function keptUser(label: string, y: number): Promise<Fixture> {
  const [u] = (await client`SELECT id FROM "user" WHERE email = ${`bench-${label}-${name}@example.test`}`) as unknown as Array<{ id: string }>;
  if (!u) throw new Error(`${name} holds no ${label} (was it kept with the same BENCH_YEARS?)`);
  return fixtureOf(u.id, Math.round(y * 365.25));
}

async function fixtureOf(uid: string, days: number): Promise<Fixture> {
  const [a] = (await client`SELECT id, start_at FROM reconciled_activity WHERE user_id = ${uid} ORDER BY start_at DESC, id DESC OFFSET 30 LIMIT 1`) as unknown as Array<{ id: string; start_at: string }>;
  const [s] = (await client`SELECT id FROM reconciled_sleep WHERE user_id = ${uid} ORDER BY start_at DESC LIMIT 1`) as unknown as Array<{ id: string }>;
  return { uid, days, activityId: a.id, sleepId: s.id, cursor: `${new Date(a.start_at).toISOString()}_${a.id}` };
}

type Page = {
  name: string;
  /** The page component's data loading, as it runs it. */
  load: (f: Fixture) => Promise<unknown>;
  /** Bare SQL for the same rows. */
  bare: (f: Fixture) => Promise<unknown>;
};

const today = end; // the bench users' zone is UTC and `now` is noon on `end`
const from30 = addDays(today, -29);
const from7 = addDays(today, -6);
const from14 = addDays(today, -13);

/** Bare per-connection status queries, as few as the data allows. */
async function bareSyncStatus(uid: string) {
  const conns = (await bare`SELECT * FROM provider_connection WHERE user_id = ${uid}`) as unknown as Array<{ id: string; provider: string }>;
  const ids = conns.map((c) => c.id);
  await bare`SELECT * FROM sync_state WHERE user_id = ${uid} AND connection_id = ANY(${ids}::uuid[])`;
  for (const id of ids) {
    await bare`SELECT * FROM sync_run WHERE connection_id = ${id} ORDER BY queued_at DESC LIMIT 20`;
    await bare`SELECT * FROM sync_run WHERE connection_id = ${id} AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`;
    await bare`SELECT received_at FROM webhook_event WHERE connection_id = ${id} AND status IN ('pending', 'processing', 'processed') ORDER BY received_at DESC LIMIT 1`;
  }
  for (const c of conns) {
    const q = hasRecordsSql(uid, c.provider);
    await bare.unsafe(dialect.sqlToQuery(q).sql, dialect.sqlToQuery(q).params as never[]);
  }
  return conns;
}
const bareDeliveryIssues = (uid: string) =>
  bare`SELECT connection_id, reason, received_at FROM webhook_event WHERE user_id = ${uid} AND status IN ('ignored', 'failed')
         AND received_at > ${new Date(now.getTime() - 7 * 86_400_000).toISOString()}::timestamptz ORDER BY received_at DESC LIMIT 5000`;
const bareZone = (uid: string) => bare`SELECT time_zone FROM "user" WHERE id = ${uid}`;
const bareDays = (uid: string, from: string, to: string, metrics: string[]) =>
  bare`SELECT date, metric, value, unit, sources FROM daily_value WHERE user_id = ${uid} AND date BETWEEN ${from} AND ${to} AND metric = ANY(${metrics}) ORDER BY date, metric`;
const bareTotals = (uid: string, unit: "week" | "month", limit: number) =>
  bare`SELECT date_trunc(${unit}, local_date::timestamp)::date::text AS period, count(*)::int, coalesce(sum(distance_m), 0), coalesce(sum(duration_s), 0), coalesce(sum(energy_kcal), 0)
         FROM reconciled_activity WHERE user_id = ${uid} GROUP BY 1 ORDER BY 1 DESC LIMIT ${limit}`;

const pages: Page[] = [
  {
    name: "overview",
    load: async (f) => {
      const prefs = await pagePreferences(db, f.uid);
      return Promise.all([overview(db, f.uid, now, prefs), latestActivities(db, f.uid, 5, prefs.done), sourceProblems(db, f.uid, now)]);
    },
    bare: async (f) => [
      await bareZone(f.uid),
      await bareDays(f.uid, from14, today, [...OVERVIEW_METRICS]),
      await bare`SELECT provider, date, readiness_score, recovery_score FROM daily_summary WHERE user_id = ${f.uid} AND date BETWEEN ${from14} AND ${today}
                   AND (readiness_score IS NOT NULL OR recovery_score IS NOT NULL) ORDER BY provider, date`,
      await bare`SELECT * FROM reconciled_activity WHERE user_id = ${f.uid} ORDER BY start_at DESC LIMIT 5`,
      await bareSyncStatus(f.uid),
      await bareDeliveryIssues(f.uid),
    ],
  },
  {
    name: "metric steps 30 days",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      const range = await resolveRange(db, f.uid, "steps", {}, todayIn(zone, now));
      return metricDays(db, f.uid, "steps", range, done);
    },
    bare: async (f) => [await bareZone(f.uid), await bareDays(f.uid, from30, today, ["steps"])],
  },
  {
    name: "metric steps all",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      const range = await resolveRange(db, f.uid, "steps", { range: "all" }, todayIn(zone, now));
      return metricDays(db, f.uid, "steps", range, done);
    },
    bare: async (f) => {
      await bareZone(f.uid);
      const [first] = (await bare`SELECT min(date)::text AS d FROM daily_value WHERE user_id = ${f.uid} AND metric = 'steps'`) as unknown as Array<{ d: string }>;
      return bareDays(f.uid, first.d, today, ["steps"]);
    },
  },
  {
    name: "activities",
    load: async (f) => [
      await activityPage(db, f.uid, {}),
      await activityFacets(db, f.uid),
      await homeZone(db, f.uid),
      await activityTotals(db, f.uid, "week", 8, {}),
      await activityTotals(db, f.uid, "month", 6, {}),
    ],
    bare: async (f) => [
      await bare`SELECT * FROM reconciled_activity WHERE user_id = ${f.uid} ORDER BY start_at DESC, id DESC LIMIT 26`,
      await bare`SELECT DISTINCT type FROM reconciled_activity WHERE user_id = ${f.uid} ORDER BY 1`,
      await bare`SELECT DISTINCT c->>'provider' FROM reconciled_activity, jsonb_array_elements(copies) c WHERE user_id = ${f.uid} ORDER BY 1`,
      await bareZone(f.uid),
      await bareTotals(f.uid, "week", 8),
      await bareTotals(f.uid, "month", 6),
    ],
  },
  {
    name: "activities, older page",
    load: async (f) => {
      const [startAt, id] = f.cursor.split("_");
      return activityPage(db, f.uid, { before: { startAt: new Date(startAt), id } });
    },
    bare: async (f) => {
      const [startAt, id] = f.cursor.split("_");
      return bare`SELECT * FROM reconciled_activity WHERE user_id = ${f.uid} AND (start_at < ${startAt}::timestamptz OR (start_at = ${startAt}::timestamptz AND id < ${id}))
                    ORDER BY start_at DESC, id DESC LIMIT 26`;
    },
  },
  {
    name: "activity detail",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      return [await activityDetail(db, f.uid, f.activityId, done), zone];
    },
    bare: async (f) => {
      const [row] = (await bare`SELECT * FROM reconciled_activity WHERE user_id = ${f.uid} AND id = ${f.activityId}`) as unknown as Array<{ copies: Array<{ id: string }> }>;
      return [await bare`SELECT * FROM activity WHERE user_id = ${f.uid} AND id = ANY(${row.copies.map((c) => c.id)}::uuid[])`, await bareZone(f.uid)];
    },
  },
  {
    name: "sleep 30 days",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      const range = await resolveRange(db, f.uid, "sleep", {}, todayIn(zone, now));
      return sleepRange(db, f.uid, range, done);
    },
    bare: async (f) => [await bareZone(f.uid), await bare`SELECT * FROM reconciled_sleep WHERE user_id = ${f.uid} AND local_date BETWEEN ${from30} AND ${today} ORDER BY start_at`],
  },
  {
    name: "sleep detail",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      return [await sleepDetail(db, f.uid, f.sleepId, done), zone];
    },
    bare: async (f) => {
      const [row] = (await bare`SELECT * FROM reconciled_sleep WHERE user_id = ${f.uid} AND id = ${f.sleepId}`) as unknown as Array<{ copies: Array<{ id: string }> }>;
      return [await bare`SELECT * FROM sleep_session WHERE user_id = ${f.uid} AND id = ANY(${row.copies.map((c) => c.id)}::uuid[])`, await bareZone(f.uid)];
    },
  },
  {
    name: "heart 7 days",
    load: async (f) => {
      const { zone, done } = await pagePreferences(db, f.uid);
      const range = await resolveRange(db, f.uid, "resting_hr", { range: "7d" }, todayIn(zone, now));
      const offset = zoneOffsetMinutes(zone, now);
      const hr = await heartRateBuckets(db, f.uid, { fromMs: startOfLocalDay(range.from, offset), toMs: startOfLocalDay(addDays(range.to, 1), offset) });
      return [hr, await Promise.all(HEART_TRENDS.map((m) => metricDays(db, f.uid, m, range, done)))];
    },
    bare: async (f) => {
      await bareZone(f.uid);
      const size = 30 * 60_000;
      const hr = await bare`SELECT floor(extract(epoch FROM measured_at) * 1000 / ${size})::float8 AS b, provider, source, min(value), avg(value), max(value), count(*)::int
        FROM measurement WHERE user_id = ${f.uid} AND type = 'heart_rate' AND measured_at >= ${`${from7}T00:00:00Z`}::timestamptz AND measured_at < ${`${addDays(today, 1)}T00:00:00Z`}::timestamptz
        GROUP BY 1, 2, 3`;
      await bare`SELECT * FROM source_priority WHERE user_id = ${f.uid}`;
      return [hr, await Promise.all(HEART_TRENDS.map((m) => bareDays(f.uid, from7, today, [m])))];
    },
  },
  {
    name: "settings",
    load: async (f) => [
      await plainSelectConnections(f.uid),
      await syncStatus(db, f.uid),
      await webhookDeliveryIssues(db, f.uid, now),
      await homeZone(db, f.uid),
    ],
    bare: async (f) => [await bare`SELECT * FROM provider_connection WHERE user_id = ${f.uid}`, await bareSyncStatus(f.uid), await bareDeliveryIssues(f.uid), await bareZone(f.uid)],
  },
];

/** The settings page's own read of the connections. */
const plainSelectConnections = (uid: string) => db.select().from(providerConnections).where(eq(providerConnections.userId, uid));

/** Page and bare SQL alternately, so a load spike from the rest of the machine hits both alike. */
async function timePair(page: () => Promise<unknown>, bare: () => Promise<unknown>) {
  // Warm-up: plans, caches, connections.
  for (let i = 0; i < 3; i++) {
    await page();
    await bare();
  }
  const xs: number[] = [];
  const ys: number[] = [];
  const time = async (run: () => Promise<unknown>, into: number[]) => {
    const t0 = performance.now();
    await run();
    into.push(performance.now() - t0);
  };
  for (let i = 0; i < runs; i++) {
    await time(page, xs);
    await time(bare, ys);
  }
  const stats = (v: number[]) => ({ p50: pct(v, 50), p95: pct(v, 95) });
  return { page: stats(xs), bare: stats(ys) };
}

const LARGE = new Set(["measurement", "activity", "sleep_session", "daily_summary", "daily_value", "reconciled_activity", "reconciled_sleep", "webhook_event", "sync_run", "raw_record"]);
type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; "Plan Rows": number; Plans?: PlanNode[] };
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
const scanName = (n: PlanNode) => `${n["Node Type"]} ${n["Relation Name"]}${n["Index Name"] ? ` (${n["Index Name"]})` : ""}`;
/** A sequential scan is a miss when it returns under this share of the table (an index would read less). */
const SEQ_SHARE = 0.05;

try {
  const one = reuse ? await keptUser("1-year user", Math.min(1, years)) : await makeUser("1-year user", Math.min(1, years), Math.round(hr10 / 10));
  const ten = reuse ? await keptUser(`${years}-year user`, years) : await makeUser(`${years}-year user`, years, hr10);
  // Settled tables: autovacuum working through millions of fresh rows would skew the timings.
  if (!reuse) await step("VACUUM ANALYZE", () => client`VACUUM ANALYZE`);

  console.log(`\np50 / p95 over ${runs} runs; ratio = page p50 ÷ bare SQL p50 (target < 2×); growth = ${years}-year p50 ÷ 1-year p50 (page's no worse than SQL's)`);
  console.log(`${"page".padEnd(24)} ${"user".padEnd(8)} ${"page p50".padStart(10)} ${"page p95".padStart(10)} ${"SQL p50".padStart(10)} ${"SQL p95".padStart(10)}  ratio`);
  const misses: string[] = [];
  for (const p of pages) {
    const r: Array<{ page: { p50: number; p95: number }; bare: { p50: number; p95: number } }> = [];
    for (const [label, f] of [["1y", one], [`${years}y`, ten]] as const) {
      const { page, bare } = await timePair(() => p.load(f), () => p.bare(f));
      r.push({ page, bare });
      const ratio = page.p50 / bare.p50;
      if (ratio >= 2) misses.push(`${p.name} (${label}): ${ratio.toFixed(2)}× its SQL`);
      console.log(`${p.name.padEnd(24)} ${label.padEnd(8)} ${ms(page.p50)} ${ms(page.p95)} ${ms(bare.p50)} ${ms(bare.p95)}  ${ratio.toFixed(2)}×`);
    }
    const gPage = r[1].page.p50 / r[0].page.p50;
    const gBare = r[1].bare.p50 / r[0].bare.p50;
    // 10 % slack: the two growths are ratios of noisy medians on a shared machine.
    if (gPage > gBare * 1.1 && r[1].page.p50 > 2) misses.push(`${p.name}: grows ${gPage.toFixed(2)}× against its SQL's ${gBare.toFixed(2)}×`);
    console.log(`${"".padEnd(24)} growth   page ${gPage.toFixed(2)}×, SQL ${gBare.toFixed(2)}×`);
  }

  console.log(`\nEXPLAIN of every statement the page functions issue, on the ${years}-year user:`);
  const seqScans: string[] = [];
  for (const p of pages) {
    capture = new Map();
    await p.load(ten);
    const statements = capture;
    capture = null;
    for (const [query, params] of statements) {
      if (!/^\s*(select|with)/i.test(query)) continue;
      const [row] = (await client.unsafe(`EXPLAIN (FORMAT JSON) ${query}`, params as never[])) as unknown as Array<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>;
      const scanned = nodes(row["QUERY PLAN"][0].Plan).filter((n) => n["Relation Name"]);
      const bad: string[] = [];
      for (const n of scanned.filter((n) => n["Node Type"] === "Seq Scan" && LARGE.has(n["Relation Name"]!))) {
        const [{ rows }] = (await client`SELECT reltuples::float8 AS rows FROM pg_class WHERE relname = ${n["Relation Name"]!}`) as unknown as Array<{ rows: number }>;
        const share = n["Plan Rows"] / Math.max(1, Number(rows));
        if (share < SEQ_SHARE) bad.push(`${scanName(n)} for ${(share * 100).toFixed(1)} % of its rows`);
      }
      const short = query.replace(/\s+/g, " ").slice(0, 110);
      console.log(`  ${p.name.padEnd(24)} ${bad.length ? "SEQ " : "ok  "} ${[...new Set(scanned.map(scanName))].join(", ")}\n      ${short}`);
      if (bad.length) seqScans.push(`${p.name}: ${bad.join(", ")} in ${short}`);
    }
  }
  console.log(`\n${misses.length ? `missed targets:\n  ${misses.join("\n  ")}` : "every page under 2× its SQL, growth no worse than its SQL's"}`);
  console.log(seqScans.length ? `sequential scans of large tables:\n  ${seqScans.join("\n  ")}` : `no sequential scan of a large table for under ${SEQ_SHARE * 100} % of its rows in any page's statements`);
} finally {
  await client.end({ timeout: 5 });
  await bare.end({ timeout: 5 });
  await drop();
}
