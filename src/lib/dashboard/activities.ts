import { and, desc, eq, gte, lte, or, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import { activities, reconciledActivities } from "@/lib/db/schema";
import type { ProviderId } from "@/lib/providers/ids";
import { toPgArray } from "@/lib/normalize/upsert";
import { reconcilePending, reconcileUnless, type Reconciled } from "@/lib/reconcile/store";
import { bucketSamples, heartRateBuckets, WORKOUT_STEPS_MS, type HeartBucket } from "./heart";
import { displayPreferences } from "./overview";
import { rowsOf } from "@/lib/db/rows";

/** Workout history from reconciled_activity: filtered, keyset-paged newest first, and one workout in full. */

export const PAGE_SIZE = 25;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** The cursor is the last row's (start_at, id): stable under inserts, unlike an offset. */
const cursor = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z_[0-9a-f-]{36}$/)
  .transform((c) => ({ startAt: new Date(c.slice(0, c.indexOf("_"))), id: c.slice(c.indexOf("_") + 1) }));

export const activityFilters = z.object({
  type: z.string().max(64).optional().catch(undefined),
  source: z.string().max(64).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  before: cursor.optional().catch(undefined),
});
export type ActivityFilters = z.infer<typeof activityFilters>;

export const cursorOf = (row: { startAt: Date; id: string }) => `${row.startAt.toISOString()}_${row.id}`;

export async function activityPage(db: Db, userId: string, f: ActivityFilters, size = PAGE_SIZE) {
  await reconcilePending(db, userId);
  const rows = await db
    .select()
    .from(reconciledActivities)
    .where(
      and(
        eq(reconciledActivities.userId, userId),
        f.type ? eq(reconciledActivities.type, f.type) : undefined,
        // Any copy from that provider: a run Garmin recorded and Strava re-published shows under both.
        f.source ? sql`${reconciledActivities.copies} @> ${JSON.stringify([{ provider: f.source }])}::jsonb` : undefined,
        f.from ? gte(reconciledActivities.localDate, f.from) : undefined,
        f.to ? lte(reconciledActivities.localDate, f.to) : undefined,
        f.before
          ? or(lt(reconciledActivities.startAt, f.before.startAt), and(eq(reconciledActivities.startAt, f.before.startAt), lt(reconciledActivities.id, f.before.id)))
          : undefined,
      ),
    )
    .orderBy(desc(reconciledActivities.startAt), desc(reconciledActivities.id))
    .limit(size + 1);
  const page = rows.slice(0, size);
  return { rows: page, next: rows.length > size ? cursorOf(page[page.length - 1]) : null };
}


/**
 * The types and providers the filters offer. Each is a skip scan: one index probe per distinct
 * value ("the next type after this one"), so ten years of workouts cost what one year does. The
 * providers are those of the live per-source rows, which are exactly the reconciled copies.
 */
export async function activityFacets(db: Db, userId: string): Promise<{ types: string[]; sources: string[] }> {
  const types = await db.execute(sql`
    WITH RECURSIVE t AS (
      (SELECT type AS v FROM reconciled_activity WHERE user_id = ${userId}::uuid ORDER BY type LIMIT 1)
      UNION ALL
      SELECT (SELECT r.type FROM reconciled_activity r WHERE r.user_id = ${userId}::uuid AND r.type > t.v ORDER BY r.type LIMIT 1) FROM t WHERE t.v IS NOT NULL
    ) SELECT v FROM t WHERE v IS NOT NULL`);
  const sources = await db.execute(sql`
    WITH RECURSIVE p AS (
      (SELECT provider AS v FROM activity WHERE user_id = ${userId}::uuid AND deleted_at IS NULL ORDER BY provider LIMIT 1)
      UNION ALL
      SELECT (SELECT a.provider FROM activity a WHERE a.user_id = ${userId}::uuid AND a.provider > p.v AND a.deleted_at IS NULL ORDER BY a.provider LIMIT 1) FROM p WHERE p.v IS NOT NULL
    ) SELECT v FROM p WHERE v IS NOT NULL`);
  return { types: rowsOf<{ v: string }>(types).map((r) => r.v), sources: rowsOf<{ v: string }>(sources).map((r) => r.v) };
}

/** Fields a workout has, in the order the detail page lists them. */
export const ACTIVITY_FIELDS = ["name", "type", "startAt", "endAt", "durationS", "movingS", "distanceM", "energyKcal", "avgHr", "maxHr", "elevationGainM", "steps"] as const;
export type ActivityField = (typeof ACTIVITY_FIELDS)[number];

// A workout's page is a few small reads: their statements are built once per handle.
const workoutQuery = preparedPerHandle((db) =>
  db
    .select()
    .from(reconciledActivities)
    .where(and(eq(reconciledActivities.userId, sql.placeholder("userId")), eq(reconciledActivities.id, sql.placeholder("id"))))
    .prepare("activity_workout"),
);
const copiesQuery = preparedPerHandle((db) =>
  db
    .select()
    .from(activities)
    .where(and(eq(activities.userId, sql.placeholder("userId")), sql`${activities.id} = ANY(${sql.placeholder("ids")}::uuid[])`))
    .prepare("activity_workout_copies"),
);

/** One reconciled workout, and each copy's own values next to what was taken from it. `done`: this request already rebuilt the user's pending days. */
export async function activityDetail(db: Db, userId: string, id: string, done?: Reconciled) {
  if (!z.uuid().safeParse(id).success) return null;
  await reconcileUnless(db, userId, done);
  const [row] = await workoutQuery(db).execute({ userId, id });
  if (!row) return null;
  const ids = row.copies.map((c) => c.id);
  const copyRows = ids.length ? await copiesQuery(db).execute({ userId, ids: toPgArray(ids) }) : [];
  const byId = new Map(copyRows.map((r) => [r.id, r]));
  return {
    activity: row,
    copies: row.copies.map((c) => ({ ...c, primary: c.id === row.primaryId, row: byId.get(c.id) ?? null })),
  };
}

export type ActivityTotals = { period: string; count: number; distanceM: number; durationS: number; energyKcal: number };

/**
 * Workouts per week (keyed by its first day, the user's Monday or Sunday) or calendar month, newest first, over local days:
 * a run at 23:30 counts in the week of the day it happened on where it happened.
 */
export async function activityTotals(db: Db, userId: string, by: "week" | "month", limit = 12, f: Pick<ActivityFilters, "type" | "source"> = {}): Promise<ActivityTotals[]> {
  await reconcilePending(db, userId);
  const sunday = by === "week" && (await displayPreferences(db, userId)).weekStart === "sunday";
  // No parameters inside: GROUP BY must see the very expression the SELECT has. PostgreSQL's
  // weeks start on Monday; a Sunday week is the Monday week of the day after, less a day.
  const periodOf = (d: SQL) =>
    by === "month"
      ? sql`date_trunc('month', ${d}::timestamp)::date`
      : sunday
        ? sql`(date_trunc('week', ${d}::timestamp + interval '1 day') - interval '1 day')::date`
        : sql`date_trunc('week', ${d}::timestamp)::date`;
  const period = sql<string>`${periodOf(sql`${reconciledActivities.localDate}`)}::text`;
  const filters = and(
    eq(reconciledActivities.userId, userId),
    f.type ? eq(reconciledActivities.type, f.type) : undefined,
    f.source ? sql`${reconciledActivities.copies} @> ${JSON.stringify([{ provider: f.source }])}::jsonb` : undefined,
  );
  // The first day of the oldest of the `limit` newest periods with a workout, one index probe per
  // period (the newest day before the period found last), so the sums read those periods' rows only.
  const first = rowsOf<{ start: string | null }>(
    await db.execute(sql`
      WITH RECURSIVE p AS (
        SELECT ${periodOf(sql`max(local_date)`)} AS start, 1 AS n FROM reconciled_activity WHERE ${filters}
        UNION ALL
        SELECT (SELECT ${periodOf(sql`max(local_date)`)} FROM reconciled_activity WHERE ${filters} AND local_date < p.start), p.n + 1
        FROM p WHERE p.start IS NOT NULL AND p.n < ${limit}
      ) SELECT min(start)::text AS start FROM p`),
  )[0]?.start;
  if (!first) return [];
  const rows = await db
    .select({
      period,
      count: sql<number>`count(*)::int`,
      distanceM: sql<number>`coalesce(sum(${reconciledActivities.distanceM}), 0)::float8`,
      durationS: sql<number>`coalesce(sum(${reconciledActivities.durationS}), 0)::float8`,
      energyKcal: sql<number>`coalesce(sum(${reconciledActivities.energyKcal}), 0)::float8`,
    })
    .from(reconciledActivities)
    .where(and(filters, gte(reconciledActivities.localDate, first)))
    .groupBy(period)
    .orderBy(desc(period))
    .limit(limit);
  return rows.map((r) => ({ period: r.period, count: Number(r.count), distanceM: Number(r.distanceM), durationS: Number(r.durationS), energyKcal: Number(r.energyKcal) }));
}

type Detail = NonNullable<Awaited<ReturnType<typeof activityDetail>>>;

/** The parts of activity.samples the detail page draws (see ingest/hae.ts and import/activity-file.ts). */
const storedSamples = z.object({
  heart_rate: z.array(z.object({ t: z.string(), bpm: z.number(), min: z.number().optional(), max: z.number().optional() })).optional().catch(undefined),
  route: z.array(z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })).optional().catch(undefined),
});
/** The copies' stored series, best-ranked copy first. */
function copySamples(detail: Detail) {
  return [...detail.copies]
    .sort((a, b) => Number(b.primary) - Number(a.primary))
    .flatMap((c) => {
      const parsed = storedSamples.safeParse(c.row?.samples);
      return parsed.success ? [{ provider: c.provider as ProviderId, source: c.source, ...parsed.data }] : [];
    });
}

/** When the workout ran: its end, else its start plus its duration; null when neither tells. */
export function activityInterval(a: Detail["activity"]): { fromMs: number; toMs: number } | null {
  const fromMs = a.startAt.getTime();
  const toMs = a.endAt ? a.endAt.getTime() : a.durationS != null ? fromMs + a.durationS * 1000 : null;
  return toMs != null && toMs > fromMs ? { fromMs, toMs } : null;
}

export type ActivityHeartRate = { size: number; buckets: HeartBucket[]; from: "recording" | "readings" };

/**
 * Heart rate during a workout, bucketed on the server: the series a copy recorded with the workout
 * (the device that tracked it), else the heart-rate readings within its start and end.
 */
export async function activityHeartRate(db: Db, userId: string, detail: Detail): Promise<ActivityHeartRate | null> {
  const range = activityInterval(detail.activity);
  if (!range) return null;
  for (const c of copySamples(detail)) {
    if (!c.heart_rate?.length) continue;
    const own = bucketSamples(c.heart_rate, range, c);
    if (own.buckets.length) return { ...own, from: "recording" };
  }
  const readings = await heartRateBuckets(db, userId, range, WORKOUT_STEPS_MS);
  return readings.buckets.length ? { ...readings, from: "readings" } : null;
}

/** Past this many points a route is thinned (every n-th point, the last kept): a phone draws it as well. */
export const MAX_ROUTE_POINTS = 1000;

export type ActivityRoute = { points: Array<[lat: number, lon: number]>; recorded: number; provider: ProviderId; source: string | null };

/** The GPS track of the best-ranked copy that has one (Health Auto Export workouts, imported FIT/GPX/TCX files). */
export function activityRoute(detail: Detail): ActivityRoute | null {
  const c = copySamples(detail).find((x) => (x.route?.length ?? 0) >= 2);
  if (!c) return null;
  const route = c.route!;
  const step = Math.ceil(route.length / MAX_ROUTE_POINTS);
  const kept = route.filter((_, i) => i % step === 0 || i === route.length - 1);
  return { points: kept.map((p) => [p.lat, p.lon]), recorded: route.length, provider: c.provider, source: c.source };
}
