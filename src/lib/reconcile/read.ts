import { and, asc, between, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import { dailyValues, reconciledActivities, reconciledSleep } from "@/lib/db/schema";
import { providerName } from "@/lib/providers";
import { toPgArray } from "@/lib/normalize/upsert";
import { isMetricId, METRIC_IDS, METRICS, type MetricId } from "./metrics";
import { reconcileUnless, type Reconciled } from "./store";

/**
 * Reading the reconciled record: what the dashboard, `/api/daily`, FHIR and Beeminder share. Each
 * read first rebuilds the user's pending days, so it sees every write that has committed.
 */

/** Longest range one request may ask for (ten years and a bit). */
export const MAX_RANGE_DAYS = 3700;

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "is not a calendar date");

export const dailyQuery = z
  .object({
    from: isoDay,
    to: isoDay,
    metric: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (!v) return [...METRIC_IDS];
        const names = [...new Set(v.split(",").map((s) => s.trim()).filter(Boolean))];
        const unknown = names.filter((n) => !isMetricId(n));
        if (unknown.length) {
          ctx.addIssue({ code: "custom", message: `unknown metric ${unknown.map((u) => JSON.stringify(u)).join(", ")}; known: ${METRIC_IDS.join(", ")}` });
          return z.NEVER;
        }
        return names as MetricId[];
      }),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
    if (days > MAX_RANGE_DAYS) ctx.addIssue({ code: "custom", path: ["to"], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
  });
export type DailyQuery = z.infer<typeof dailyQuery>;

export type DailySource = {
  provider: string;
  providerName: string;
  source: string | null;
  value: number;
  counted: number | null;
  status: "used" | "partly_used" | "left_out";
  reason: string;
};
export type DailyMetricValue = { value: number; unit: string; sources: DailySource[] };
export const withProviderName = (s: Omit<DailySource, "providerName">): DailySource => ({ ...s, providerName: providerName(s.provider) });
export type DailyDay = { date: string; metrics: Partial<Record<MetricId, DailyMetricValue>> };

/** Every chart and tile reads these rows: the statement is built once per handle. */
const dailyRows = preparedPerHandle((db) =>
  db
    .select({ date: dailyValues.date, metric: dailyValues.metric, value: dailyValues.value, unit: dailyValues.unit, sources: dailyValues.sources })
    .from(dailyValues)
    .where(
      and(
        eq(dailyValues.userId, sql.placeholder("userId")),
        between(dailyValues.date, sql.placeholder("from"), sql.placeholder("to")),
        sql`${dailyValues.metric} = ANY(${sql.placeholder("metrics")}::text[])`,
      ),
    )
    .orderBy(asc(dailyValues.date), asc(dailyValues.metric))
    .prepare("daily_values"),
);

/** The reconciled rows of a range, by date then metric, after the user's pending days are rebuilt. */
export async function dailyValueRows(db: Db, userId: string, q: DailyQuery, done?: Reconciled) {
  await reconcileUnless(db, userId, done);
  return dailyRows(db).execute({ userId, from: q.from, to: q.to, metrics: toPgArray(q.metric) });
}

/**
 * Days (ascending) that hold a reconciled value of any of `metrics`; days without data are left
 * out. `done`: this request already rebuilt the user's pending days.
 */
export async function dailySeries(db: Db, userId: string, q: DailyQuery, done?: Reconciled): Promise<DailyDay[]> {
  const rows = await dailyValueRows(db, userId, q, done);
  const days: DailyDay[] = [];
  for (const r of rows) {
    let day = days[days.length - 1];
    if (!day || day.date !== r.date) days.push((day = { date: r.date, metrics: {} }));
    day.metrics[r.metric as MetricId] = {
      value: r.value,
      unit: r.unit,
      sources: r.sources.map(withProviderName),
    };
  }
  return days;
}

/** `GET /api/daily` for a signed-in user: 400 with the exact problem for a bad query. */
export async function dailyResponse(db: Db, userId: string, url: URL): Promise<Response> {
  const parsed = dailyQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`);
    return Response.json({ error: `Bad query: ${problems.join("; ")}.`, problems }, { status: 400, headers: { "cache-control": "no-store" } });
  }
  const q = parsed.data;
  const days = await dailySeries(db, userId, q);
  return Response.json(
    {
      from: q.from,
      to: q.to,
      metrics: Object.fromEntries(q.metric.map((m) => [m, { label: METRICS[m].label, unit: METRICS[m].unit }])),
      days,
    },
    { headers: { "cache-control": "no-store" } },
  );
}

export async function latestActivities(db: Db, userId: string, limit: number, done?: Reconciled) {
  await reconcileUnless(db, userId, done);
  return db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, userId)).orderBy(desc(reconciledActivities.startAt)).limit(limit);
}

export async function latestNights(db: Db, userId: string, limit: number, done?: Reconciled) {
  await reconcileUnless(db, userId, done);
  return db.select().from(reconciledSleep).where(eq(reconciledSleep.userId, userId)).orderBy(desc(reconciledSleep.endAt)).limit(limit);
}
