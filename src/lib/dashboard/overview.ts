import { and, between, eq, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import { dailySummaries, reconcileDirty, users, type WeekStart } from "@/lib/db/schema";
import { addDays, isTimeZone, localDateAt, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { providerName } from "@/lib/providers";
import { METRICS, type MetricId } from "@/lib/reconcile/metrics";
import { dailySeries } from "@/lib/reconcile/read";
import { reconcilePending, type Reconciled } from "@/lib/reconcile/store";
import { FIRST_DELIVERY_HOURS, syncStatus } from "@/lib/sync/status";
import { DELIVERY_ISSUE_DAYS, webhookDeliveryIssues } from "@/lib/webhooks/status";
import { trendOf } from "./format";

/** The metrics on the overview, in the order shown. */
export const OVERVIEW_METRICS = ["steps", "sleep", "resting_hr", "hrv_rmssd", "hrv_sdnn", "weight", "active_energy"] as const satisfies readonly MetricId[];

export type Period = { from: string; to: string };

/**
 * Every page reads these first, so the same round trip asks whether the user has days waiting to
 * be reconciled (the probe every read otherwise makes on its own). Built once per handle.
 */
const preferencesQuery = preparedPerHandle((db) =>
  db
    .select({
      timeZone: users.timeZone,
      weekStart: users.weekStartsOn,
      pending: sql<boolean>`exists (select 1 from ${reconcileDirty} where ${reconcileDirty.userId} = ${users.id})`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder("userId")))
    .prepare("display_preferences"),
);

export type DisplayPreferences = { zone: string; weekStart: WeekStart };

const preferencesOf = (u: { timeZone: string; weekStart: string } | undefined): DisplayPreferences => ({
  zone: u && isTimeZone(u.timeZone) ? u.timeZone : "UTC",
  weekStart: u?.weekStart === "sunday" ? "sunday" : "monday",
});

/** The user's home zone (UTC when unset or unknown to this runtime) and first day of the week. */
export async function displayPreferences(db: Db, userId: string): Promise<DisplayPreferences> {
  const [u] = await preferencesQuery(db).execute({ userId });
  return preferencesOf(u);
}

/**
 * A dashboard page's first read: its preferences, with the user's pending days rebuilt (only when
 * the same round trip saw any), and the proof of that for the page's reads that follow.
 */
export async function pagePreferences(db: Db, userId: string): Promise<DisplayPreferences & { done: Reconciled }> {
  const [u] = await preferencesQuery(db).execute({ userId });
  if (!u || u.pending) await reconcilePending(db, userId);
  return { ...preferencesOf(u), done: { reconciledFor: userId } };
}

export async function homeZone(db: Db, userId: string): Promise<string> {
  return (await displayPreferences(db, userId)).zone;
}

/** Today's date in `zone` at `now`. */
export const todayIn = (zone: string, now: Date): string => localDateAt(now, zoneOffsetMinutes(zone, now));

/** The first day of the week `date` is in. */
export function weekStartOf(date: string, weekStart: WeekStart): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -(weekStart === "sunday" ? dow : (dow + 6) % 7));
}

/** This week = from its first day up to today; the previous period = the whole week before. */
export function weekPeriods(today: string, weekStart: WeekStart): { week: Period; previous: Period } {
  const from = weekStartOf(today, weekStart);
  return { week: { from, to: today }, previous: { from: addDays(from, -7), to: addDays(from, -1) } };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export type OverviewTile = {
  metric: MetricId | "readiness" | "recovery";
  label: string;
  /** Today's value; for readings (weight, HRV…) the latest one of the two weeks, with its date. */
  today: number | null;
  todayDate: string | null;
  /** Per-day average over the days of the period that have a value. */
  week: number | null;
  previousWeek: number | null;
  /** Sum metrics: the week's total. */
  weekTotal: number | null;
  trend: { delta: number; pct: number | null } | null;
  /** Days of this week with a value (so "avg of 3 days" is honest). */
  weekDays: number;
  /** The two weeks' values (days with data), for the tile's sparkline. */
  series: Array<{ date: string; value: number }>;
  /** Where a per-provider score came from (readiness/recovery). */
  provider?: string;
};

/** Readiness and recovery scores of a date range, per provider. */
const scoresQuery = preparedPerHandle((db) =>
  db
    .select({ provider: dailySummaries.provider, date: dailySummaries.date, readiness: dailySummaries.readinessScore, recovery: dailySummaries.recoveryScore })
    .from(dailySummaries)
    .where(
      and(
        eq(dailySummaries.userId, sql.placeholder("userId")),
        between(dailySummaries.date, sql.placeholder("from"), sql.placeholder("to")),
        or(isNotNull(dailySummaries.readinessScore), isNotNull(dailySummaries.recoveryScore)),
      ),
    )
    .orderBy(dailySummaries.provider, dailySummaries.date)
    .prepare("overview_scores"),
);

/**
 * Today and this week against the previous week, from the reconciled record. Readiness and
 * recovery are scores only their own provider computes, so they come from that provider's daily
 * summary (one tile per provider that sends one), never mixed across providers.
 */
export async function overview(
  db: Db,
  userId: string,
  now: Date,
  prefs?: DisplayPreferences & { done: Reconciled },
): Promise<{ today: string; from: string; zone: string; weekStart: WeekStart; week: Period; previous: Period; tiles: OverviewTile[] }> {
  const { zone, weekStart, done } = prefs ?? (await pagePreferences(db, userId));
  const today = todayIn(zone, now);
  const { week, previous } = weekPeriods(today, weekStart);
  // Both read the reconciled state `done` vouches for, so they go out together.
  const [days, scores] = await Promise.all([
    dailySeries(db, userId, { from: previous.from, to: today, metric: [...OVERVIEW_METRICS] }, done),
    scoresQuery(db).execute({ userId, from: previous.from, to: today }),
  ]);
  const inPeriod = (p: Period) => (d: { date: string }) => d.date >= p.from && d.date <= p.to;

  const tiles: OverviewTile[] = OVERVIEW_METRICS.map((metric) => {
    const valuesIn = (p: Period) => days.filter(inPeriod(p)).flatMap((d) => (d.metrics[metric] ? [{ date: d.date, value: d.metrics[metric]!.value }] : []));
    const thisWeek = valuesIn(week);
    const prior = valuesIn(previous);
    const kind = METRICS[metric].kind;
    // A reading (weight) is not taken daily: on the first day of a week the latest is last week's.
    const latest = kind === "sum" || kind === "sleep" ? thisWeek.find((v) => v.date === today) : [...prior, ...thisWeek].pop();
    const w = mean(thisWeek.map((v) => v.value));
    const pw = mean(prior.map((v) => v.value));
    return {
      metric,
      label: METRICS[metric].label,
      today: latest?.value ?? null,
      todayDate: latest?.date ?? null,
      week: w,
      previousWeek: pw,
      weekTotal: kind === "sum" && thisWeek.length ? thisWeek.reduce((a, v) => a + v.value, 0) : null,
      trend: trendOf(w, pw),
      weekDays: thisWeek.length,
      series: [...prior, ...thisWeek],
    };
  });

  for (const field of ["readiness", "recovery"] as const) {
    for (const provider of [...new Set(scores.filter((s) => s[field] != null).map((s) => s.provider))]) {
      const rows = scores.filter((s) => s.provider === provider && s[field] != null).map((s) => ({ date: s.date, value: s[field]! }));
      const thisWeek = rows.filter(inPeriod(week));
      const w = mean(thisWeek.map((r) => r.value));
      const pw = mean(rows.filter(inPeriod(previous)).map((r) => r.value));
      const latest = rows[rows.length - 1];
      tiles.push({
        metric: field,
        label: `${field === "readiness" ? "Readiness" : "Recovery"} (${providerName(provider)})`,
        today: latest?.value ?? null,
        todayDate: latest?.date ?? null,
        week: w,
        previousWeek: pw,
        weekTotal: null,
        trend: trendOf(w, pw),
        weekDays: thisWeek.length,
        series: rows,
        provider,
      });
    }
  }
  return { today, from: previous.from, zone, weekStart, week, previous, tiles };
}

export type SourceProblem = { provider: string; providerName: string; problem: string };

/** Connections the overview flags: not active, a failure newer than the last success, or rejected pushes. */
export async function sourceProblems(db: Db, userId: string, now: Date): Promise<SourceProblem[]> {
  const [statuses, deliveries] = await Promise.all([syncStatus(db, userId, now), webhookDeliveryIssues(db, userId, now)]);
  const out: SourceProblem[] = [];
  for (const s of statuses) {
    const pushes = deliveries.get(s.connectionId);
    const problems = [
      s.connectionStatus === "needs_reauth" ? "needs to be reconnected" : s.connectionStatus !== "active" ? `is ${s.connectionStatus.replace("_", " ")}` : null,
      s.lastError ? `last sync failed: ${s.lastError}` : null,
      pushes ? `${pushes.count} push${pushes.count === 1 ? " was" : "es were"} rejected in the last ${DELIVERY_ISSUE_DAYS} days (${pushes.latestReason})` : null,
      s.firstDeliveryOverdue ? `has delivered nothing since it was connected over ${FIRST_DELIVERY_HOURS} hours ago` : null,
    ].filter((p): p is string => !!p);
    if (problems.length) out.push({ provider: s.provider, providerName: s.providerName, problem: problems.join("; ") });
  }
  return out;
}
