/**
 * Shared by the benchmarks that need a ten-year user (bench-reconcile, bench-fhir), not a bench
 * itself: a throwaway PostgreSQL database, a timed step, and the user's data generated set-wise in
 * SQL (millions of rows in seconds, where the app's write path would take minutes).
 */
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { openPostgres, type Db } from "@/lib/db";

/** A fresh migrated database on DATABASE_URL's server; `drop` removes it unless BENCH_KEEP=1. */
export async function throwawayDatabase(prefix: string): Promise<{ db: Db; name: string; drop: () => Promise<void> }> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    console.error("Set DATABASE_URL to a PostgreSQL server (a throwaway database is created there).");
    process.exit(2);
  }
  const admin = await openPostgres(baseUrl, { max: 1 });
  const name = `${prefix}_${randomBytes(3).toString("hex")}`;
  await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const { db, close } = await openPostgres(url.toString(), { migrate: true });
  return {
    db,
    name,
    drop: async () => {
      await close();
      if (process.env.BENCH_KEEP !== "1") await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      else console.log(`kept database ${name}`);
      await admin.close();
    },
  };
}

/**
 * The bench's database: the one named by BENCH_DB (kept by an earlier run with BENCH_KEEP=1; `kept`
 * says so, the caller finds its users instead of generating them), else a fresh throwaway one.
 */
export async function benchDatabase(prefix: string): Promise<{ db: Db; name: string; kept: boolean; drop: () => Promise<void> }> {
  const reuse = process.env.BENCH_DB;
  if (!reuse) return { ...(await throwawayDatabase(prefix)), kept: false };
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  url.pathname = `/${reuse}`;
  const { db, close } = await openPostgres(url.toString());
  return {
    db,
    name: reuse,
    kept: true,
    drop: async () => {
      await close();
      console.log(`kept database ${reuse}`);
    },
  };
}

/** Runs `run`, printing how long it took (when labelled). */
export async function step<T>(label: string, run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  const ms = performance.now() - t0;
  if (label) console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2)} s`);
  return { ms, value };
}

/** `n` Garmin heart-rate samples spread evenly over `days` days from `start`. */
export const heartRateSamples = (db: Db, uid: string, start: string, days: number, n: number) =>
  db.execute(sql`
    INSERT INTO measurement (user_id, provider, type, measured_at, local_date, utc_offset_minutes, value, unit, source)
    SELECT ${uid}::uuid, 'garmin', 'heart_rate', t, (t AT TIME ZONE 'UTC')::date, 0, 60 + (i % 40), 'bpm', NULL
    FROM (SELECT i, ${start}::timestamptz + (i * (${days}::float8 * 86400 / ${n})) * interval '1 second' AS t
          FROM generate_series(0, ${n - 1}) i) s`);

/** 350 iPhone steps every hour from `start` to `end`. */
export const hourlyPhoneSteps = (db: Db, uid: string, start: string, end: string) =>
  db.execute(sql`
    INSERT INTO measurement (user_id, provider, type, measured_at, local_date, utc_offset_minutes, value, unit, source)
    SELECT ${uid}::uuid, 'apple_health', 'steps', h, (h AT TIME ZONE 'UTC')::date, 0, 350, 'count', 'iPhone'
    FROM generate_series(${start}::timestamptz, ${end}::timestamptz + interval '23 hours', interval '1 hour') h`);

/** Garmin and Fitbit daily summaries (steps, resting HR) for every day from `start` to `end`. */
export const dailyStepTotals = (db: Db, uid: string, start: string, end: string) =>
  db.execute(sql`
    INSERT INTO daily_summary (user_id, provider, date, steps, resting_hr)
    SELECT ${uid}::uuid, p.provider, d::date, 8000 + p.delta, 55
    FROM generate_series(${start}::date, ${end}::date, interval '1 day') d
    CROSS JOIN (VALUES ('garmin', 0), ('fitbit', 300)) AS p(provider, delta)`);

/** Five runs a day from `start` to `end`, each recorded by Garmin, Strava and Apple Health (seconds apart). */
export const overlappingWorkouts = (db: Db, uid: string, start: string, end: string) =>
  db.execute(sql`
    INSERT INTO activity (user_id, provider, external_id, type, start_at, end_at, local_date, utc_offset_minutes, duration_s, distance_m, avg_hr)
    SELECT ${uid}::uuid, p.provider, p.provider || '-' || d::date || '-' || k, 'running',
           d + make_interval(hours => 6 + 3 * k) + make_interval(secs => p.shift),
           d + make_interval(hours => 6 + 3 * k, mins => 45) + make_interval(secs => p.shift),
           d::date, 0, 2700, 9000 + k * 100 + p.shift, 140 + k
    FROM generate_series(${start}::date, ${end}::date, interval '1 day') d
    CROSS JOIN generate_series(0, 4) k
    CROSS JOIN (VALUES ('garmin', 0), ('strava', 15), ('apple_health', 40)) AS p(provider, shift)`);

/** A night a day from `start` to `end`, recorded by Oura and Apple Health. */
export const nightlySleep = (db: Db, uid: string, start: string, end: string) =>
  db.execute(sql`
    INSERT INTO sleep_session (user_id, provider, external_id, start_at, end_at, local_date, utc_offset_minutes, asleep_s, is_nap)
    SELECT ${uid}::uuid, p.provider, p.provider || '-' || d::date, d - interval '2 hours' + make_interval(mins => p.shift), d + interval '6 hours', d::date, 0, 27000 - p.shift * 60, false
    FROM generate_series(${start}::date, ${end}::date, interval '1 day') d
    CROSS JOIN (VALUES ('oura', 0), ('apple_health', 10)) AS p(provider, shift)`);
