import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import {
  activities,
  dailySummaries,
  dailyValues,
  reconcileDirty,
  reconciledActivities,
  reconciledSleep,
  sleepSessions,
  sourcePriority,
  type SourceVerdict,
} from "@/lib/db/schema";
import { errorSummary } from "@/lib/db/schema-state";
import { addDays } from "@/lib/normalize/dates";
import { toPgArray } from "@/lib/normalize/upsert";
import type { ProviderId } from "@/lib/providers/ids";
import { reconcileBest, reconcileSum, type DayValue, type SampleSource } from "./day";
import { activityEpisodes, sleepEpisodes, type SleepEpisode } from "./episodes";
import { METRICS, METRIC_IDS, METRIC_OF_TYPE, type MetricId, type MetricSpec } from "./metrics";
export { markDirty } from "./dirty";
import { familyOf, ranking, sourceLabel, type Ranking } from "./priority";
import { rowsOf } from "@/lib/db/rows";

/**
 * Keeps the reconciled tables current. Writers mark the local days they touched (`markDirty`, in
 * their own transaction, so a crash never loses a mark); `reconcilePending` rebuilds those days
 * after the write commits, and the job poller sweeps whatever is left. Rebuilding is per day and
 * bounded: a day's values, plus the workouts and nights of the day and its neighbours (copies of
 * one workout can carry local days a day apart when their sources disagree on the offset).
 */

/** Days rebuilt per transaction (bounds memory for a full recompute). */
export const DAYS_PER_CHUNK = 31;

export type ReconcileResult = { days: number };

/** The probe runs before every read, so its SQL is not rebuilt each time. */
const anyMarkQuery = preparedPerHandle((db) =>
  db.select({ one: sql`1` }).from(reconcileDirty).where(eq(reconcileDirty.userId, sql.placeholder("userId"))).limit(1).prepare("reconcile_any_mark"),
);

/** Rebuilds every day marked for `userId`. Safe to call concurrently (one runs, the other waits). */
export async function reconcilePending(db: Db, userId: string): Promise<ReconcileResult> {
  // Every dashboard read starts here: one indexed probe, not a locking transaction, when nothing
  // is marked (the common case). A mark committed before this read is seen; one being rebuilt
  // right now is still there until that rebuild commits, so the read waits on its lock below.
  const [anyMark] = await anyMarkQuery(db).execute({ userId });
  if (!anyMark) return { days: 0 };
  let days = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('reconcile:' || ${userId}, 0))`);
      const marks = await tx
        // As text: a JS Date would drop the microseconds and never match the row again.
        .select({ date: reconcileDirty.date, markedAt: sql<string>`${reconcileDirty.markedAt}::text` })
        .from(reconcileDirty)
        .where(eq(reconcileDirty.userId, userId))
        .orderBy(reconcileDirty.date)
        .limit(DAYS_PER_CHUNK);
      if (!marks.length) return 0;
      await rebuildDays(tx, userId, marks.map((m) => m.date));
      // A mark set again while we rebuilt keeps its newer time and stays for the next round.
      const cleared = await tx.execute(sql`
        DELETE FROM reconcile_dirty r USING unnest(${toPgArray(marks.map((m) => m.date))}::date[], ${toPgArray(marks.map((m) => m.markedAt))}::timestamptz[]) AS m(date, marked_at)
        WHERE r.user_id = ${userId}::uuid AND r.date = m.date AND r.marked_at = m.marked_at
        RETURNING r.date`);
      // Nothing cleared means every mark was set again meanwhile: leave them to the next call
      // rather than loop here while a writer keeps marking.
      return rowsOf(cleared).length ? marks.length : 0;
    });
    if (!done) return { days };
    days += done;
  }
}

/**
 * Proof, for one request, that `reconcilePending` already ran for `reconciledFor` (the page's first
 * read folds the probe into its preferences lookup): the reads that follow skip their own probe.
 * Never kept past the request that made it.
 */
export type Reconciled = { readonly reconciledFor: string };

/** `reconcilePending` unless this request already did it for `userId`. */
export async function reconcileUnless(db: Db, userId: string, done: Reconciled | undefined): Promise<void> {
  if (done?.reconciledFor !== userId) await reconcilePending(db, userId);
}

/**
 * After a write has committed: rebuild now, so the next read is current. A failure here loses
 * nothing (the marks stay and the poller retries), so it is logged, never thrown at the writer.
 */
export async function reconcileQuietly(db: Db, userId: string): Promise<void> {
  try {
    await reconcilePending(db, userId);
  } catch (err) {
    console.error("reconcile failed (will retry):", errorSummary(err));
  }
}

/** Rebuilds what is pending for every user (the poller's safety net after crashes). */
export async function reconcileAllPending(db: Db, maxUsers = 50): Promise<ReconcileResult> {
  const users = await db.selectDistinct({ userId: reconcileDirty.userId }).from(reconcileDirty).limit(maxUsers);
  let days = 0;
  for (const { userId } of users) days += (await reconcilePending(db, userId)).days;
  return { days };
}

/** Marks every day that holds any of the user's data and rebuilds it (`npm run reconcile`). */
export async function recomputeUser(db: Db, userId: string): Promise<ReconcileResult> {
  await db.execute(sql`
    INSERT INTO reconcile_dirty (user_id, date)
    SELECT ${userId}::uuid, d FROM (
      SELECT local_date AS d FROM activity WHERE user_id = ${userId}::uuid
      UNION SELECT local_date FROM sleep_session WHERE user_id = ${userId}::uuid
      UNION SELECT date FROM daily_summary WHERE user_id = ${userId}::uuid
      UNION SELECT local_date FROM measurement WHERE user_id = ${userId}::uuid AND local_date IS NOT NULL
      UNION SELECT date FROM daily_value WHERE user_id = ${userId}::uuid
    ) days
    ON CONFLICT (user_id, date) DO UPDATE SET marked_at = clock_timestamp()`);
  return reconcilePending(db, userId);
}

export async function userRankings(db: DbOrTx, userId: string): Promise<(metric: MetricId | "activity") => Ranking> {
  const rows = await db.select().from(sourcePriority).where(eq(sourcePriority.userId, userId));
  const own = new Map(rows.map((r) => [r.metric, r.providers]));
  return (metric) => ranking(metric === "activity" ? "activity" : familyOf(metric), own.get(metric) ?? []);
}


async function rebuildDays(tx: DbOrTx, userId: string, dates: string[]): Promise<void> {
  // Copies of one workout or night can carry local days a day apart (their sources disagree on the
  // offset), so an episode touching a marked day may be dated the day before or after: episodes are
  // rebuilt for the marked days ±1, from the copies of the marked days ±2.
  const around = (list: string[], n: number) => [...new Set(list.flatMap((d) => Array.from({ length: 2 * n + 1 }, (_, i) => addDays(d, i - n))))];
  const episodeDays = new Set(around(dates, 1));
  const neighbours = around(dates, 2);
  const rank = await userRankings(tx, userId);
  const dayList = toPgArray(dates);
  const sumTypes = METRIC_IDS.filter((m) => METRICS[m].kind === "sum").flatMap((m) => [...(METRICS[m] as MetricSpec).types]);
  const pointTypes = METRIC_IDS.filter((m) => ["mean", "last"].includes(METRICS[m].kind)).flatMap((m) => [...(METRICS[m] as MetricSpec).types]);

  // One query at a time: a transaction is one connection (postgres.js does not pipeline them).
  const samples = await tx.execute(sql`
      SELECT local_date::text AS day, type, provider, source,
             (extract(epoch FROM measured_at) * 1000)::float8 AS start, (extract(epoch FROM end_at) * 1000)::float8 AS "end", value
      FROM measurement
      WHERE user_id = ${userId}::uuid AND local_date = ANY(${dayList}::date[]) AND type = ANY(${toPgArray(sumTypes)}::text[])`);
  const points = await tx.execute(sql`
      SELECT local_date::text AS day, type, provider, source, avg(value) AS mean,
             (array_agg(value ORDER BY measured_at DESC))[1] AS last
      FROM measurement
      WHERE user_id = ${userId}::uuid AND local_date = ANY(${dayList}::date[]) AND type = ANY(${toPgArray(pointTypes)}::text[])
      GROUP BY 1, 2, 3, 4`);
  const summaries = await tx.select().from(dailySummaries).where(and(eq(dailySummaries.userId, userId), inArray(dailySummaries.date, dates)));
  const workouts = await tx
    .select()
    .from(activities)
    .where(and(eq(activities.userId, userId), inArray(activities.localDate, neighbours), sql`${activities.deletedAt} IS NULL`));
  const nights = await tx
    .select()
    .from(sleepSessions)
    .where(and(eq(sleepSessions.userId, userId), inArray(sleepSessions.localDate, neighbours), sql`${sleepSessions.deletedAt} IS NULL`));

  // ── per day and metric: the inputs of day.ts ──
  type DayInputs = { sampled: Map<string, SampleSource>; values: DayValue[]; totals: DayValue[] };
  const inputs = new Map<string, DayInputs>();
  const at = (day: string, metric: MetricId) => {
    const key = `${day}|${metric}`;
    let v = inputs.get(key);
    if (!v) inputs.set(key, (v = { sampled: new Map(), values: [], totals: [] }));
    return v;
  };
  for (const r of rowsOf<{ day: string; type: string; provider: ProviderId; source: string | null; start: number; end: number | null; value: number }>(samples)) {
    const metric = METRIC_OF_TYPE.get(r.type)!;
    const sampled = at(r.day, metric).sampled;
    const key = `${r.provider}|${r.source ?? ""}`;
    let s = sampled.get(key);
    if (!s) sampled.set(key, (s = { provider: r.provider, source: r.source, samples: [] }));
    s.samples.push({ start: Number(r.start), end: r.end === null ? null : Number(r.end), value: Number(r.value) });
  }
  for (const s of summaries) {
    for (const metric of METRIC_IDS) {
      const column = (METRICS[metric] as MetricSpec).daily;
      const v = column ? (s[column] as number | null) : null;
      if (v === null || v === undefined) continue;
      const target = at(s.date, metric);
      (METRICS[metric].kind === "sum" ? target.totals : target.values).push({ provider: s.provider, source: null, value: v });
    }
  }
  // A provider's own value of the day (Garmin's last-night HRV) beats our mean of its raw readings,
  // whose instants may fall on another calendar day; readings count where it gives no day value.
  for (const r of rowsOf<{ day: string; type: string; provider: ProviderId; source: string | null; mean: number; last: number }>(points)) {
    const metric = METRIC_OF_TYPE.get(r.type)!;
    const target = at(r.day, metric);
    if (target.values.some((x) => x.provider === r.provider && x.source === null)) continue;
    target.values.push({ provider: r.provider, source: r.source, value: Number(METRICS[metric].kind === "last" ? r.last : r.mean) });
  }

  const sleep = sleepEpisodes(nights, rank("sleep")).filter((e) => episodeDays.has(e.localDate));
  const workoutEpisodes = activityEpisodes(workouts, rank("activity")).filter((e) => episodeDays.has(e.localDate));

  const values: Array<typeof dailyValues.$inferInsert> = [];
  for (const [key, input] of inputs) {
    const [day, metric] = key.split("|") as [string, MetricId];
    const spec = METRICS[metric];
    const r =
      spec.kind === "sum"
        ? reconcileSum(metric, [...input.sampled.values()], input.totals, rank(metric))
        : reconcileBest(metric, input.values, rank(metric));
    if (r) values.push({ userId, date: day, metric, ...r });
  }
  for (const main of sleep.filter((e) => !e.isNap && e.asleepS !== null)) values.push({ userId, date: main.localDate, metric: "sleep", ...sleepValue(main, nights) });

  const episodeList = [...episodeDays];
  await tx.delete(dailyValues).where(and(eq(dailyValues.userId, userId), inArray(dailyValues.date, dates), sql`${dailyValues.metric} <> 'sleep'`));
  await tx.delete(dailyValues).where(and(eq(dailyValues.userId, userId), inArray(dailyValues.date, episodeList), eq(dailyValues.metric, "sleep")));
  await tx.delete(reconciledActivities).where(and(eq(reconciledActivities.userId, userId), inArray(reconciledActivities.localDate, episodeList)));
  await tx.delete(reconciledSleep).where(and(eq(reconciledSleep.userId, userId), inArray(reconciledSleep.localDate, episodeList)));
  for (const chunk of chunks(values, 1000)) await tx.insert(dailyValues).values(chunk);
  for (const chunk of chunks(workoutEpisodes, 500))
    await tx
      .insert(reconciledActivities)
      .values(chunk.map((e) => ({ userId, ...e })))
      // A copy whose day lies outside this rebuild may still head an older episode: replace it.
      .onConflictDoUpdate({ target: [reconciledActivities.userId, reconciledActivities.primaryId], set: excludedAll(reconciledActivities) });
  for (const chunk of chunks(sleep, 500))
    await tx
      .insert(reconciledSleep)
      .values(chunk.map((e) => ({ userId, ...e })))
      .onConflictDoUpdate({ target: [reconciledSleep.userId, reconciledSleep.primaryId], set: excludedAll(reconciledSleep) });
}

/** The `sleep` metric: the main night's time asleep, with the copies and that day's naps as provenance. */
function sleepValue(main: SleepEpisode, nights: Array<typeof sleepSessions.$inferSelect>): { value: number; unit: string; sources: SourceVerdict[] } {
  const byId = new Map(nights.map((n) => [n.id, n]));
  const sources: SourceVerdict[] = main.copies.map((c) => {
    const row = byId.get(c.id);
    const used = c.fields.includes("asleepS");
    return {
      provider: c.provider,
      source: c.source,
      value: row?.asleepS ?? 0,
      counted: used ? (row?.asleepS ?? 0) : null,
      status: used ? "used" : "left_out",
      reason: used
        ? "The best-ranked tracker that measured this night's sleep."
        : `The same night, recorded by ${sourceLabel(main.copies.find((x) => x.fields.includes("asleepS")) ?? main.copies[0])} ranked higher.`,
    };
  });
  return { value: main.asleepS!, unit: "s", sources };
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `SET col = excluded.col` for every column but the key. */
function excludedAll(table: typeof reconciledActivities | typeof reconciledSleep) {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([key]) => !["id", "userId", "primaryId"].includes(key))
      .map(([key, col]) => [key, sql.raw(`excluded."${col.name}"`)]),
  );
}
