import { and, eq, min } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { dailyValues, type WeekStart } from "@/lib/db/schema";
import { addDays } from "@/lib/normalize/dates";
import { METRICS, type MetricId } from "@/lib/reconcile/metrics";
import { dailyValueRows, MAX_RANGE_DAYS, withProviderName, type DailySource } from "@/lib/reconcile/read";
import type { Reconciled } from "@/lib/reconcile/store";
import { weekStartOf } from "./overview";

/** The per-metric page: a range (preset or picked), its series, and each day's provenance. */

export const RANGES = { "7d": 7, "30d": 30, "90d": 90, "1y": 365, all: null } as const;
export type RangeId = keyof typeof RANGES;
export const RANGE_LABELS: Record<RangeId, string> = { "7d": "7 days", "30d": "30 days", "90d": "90 days", "1y": "1 year", all: "All" };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

/** Search params of the page; anything malformed falls back to 30 days rather than failing the page. */
export const rangeParams = z.object({
  range: z.enum(Object.keys(RANGES) as [RangeId, ...RangeId[]]).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
});
export type RangeParams = z.infer<typeof rangeParams>;

export type ResolvedRange = { from: string; to: string; range: RangeId | "custom"; days: number };

const span = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

/** Preset ranges end today; a picked range is taken as given (swapped if reversed, capped in length). */
export async function resolveRange(db: Db, userId: string, metric: MetricId, p: RangeParams, today: string): Promise<ResolvedRange> {
  if (p.from && p.to && !p.range) {
    const to = p.from <= p.to ? p.to : p.from;
    let from = p.from <= p.to ? p.from : p.to;
    if (span(from, to) > MAX_RANGE_DAYS) from = addDays(to, -(MAX_RANGE_DAYS - 1));
    return { from, to, range: "custom", days: span(from, to) };
  }
  const range = p.range ?? "30d";
  const length = RANGES[range];
  let from: string;
  if (length === null) {
    const [row] = await db.select({ first: min(dailyValues.date) }).from(dailyValues).where(and(eq(dailyValues.userId, userId), eq(dailyValues.metric, metric)));
    from = row?.first && row.first < today ? row.first : addDays(today, -29);
    if (span(from, today) > MAX_RANGE_DAYS) from = addDays(today, -(MAX_RANGE_DAYS - 1));
  } else from = addDays(today, -(length - 1));
  return { from, to: today, range, days: span(from, today) };
}

export type MetricDay = { date: string; value: number; used: DailySource[]; leftOut: DailySource[] };
export type ChartPoint = { date: string; value: number; min: number; max: number; n: number; w?: number };

/** Past this many days the chart shows weekly buckets (mean, min, max), so the page stays small. */
export const DAILY_POINTS_MAX = 400;

/** `done`: this request already rebuilt the user's pending days. One pass over the rows: "all" is ten years of them. */
export async function metricDays(db: Db, userId: string, metric: MetricId, range: { from: string; to: string }, done?: Reconciled): Promise<MetricDay[]> {
  const rows = await dailyValueRows(db, userId, { from: range.from, to: range.to, metric: [metric] }, done);
  const out: MetricDay[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const used: DailySource[] = [];
    const leftOut: DailySource[] = [];
    for (const s of r.sources) (s.status === "left_out" ? leftOut : used).push(withProviderName(s));
    out[i] = { date: r.date, value: r.value, used, leftOut };
  }
  return out;
}

/** Daily points, or week buckets (keyed by the week's first day, as the user's weeks start) for long ranges. */
export function chartPoints(days: Array<{ date: string; value: number }>, rangeDays: number, weekStart: WeekStart): { points: ChartPoint[]; bucket: "day" | "week" } {
  if (rangeDays <= DAILY_POINTS_MAX) return { points: days.map((d) => ({ date: d.date, value: d.value, min: d.value, max: d.value, n: 1 })), bucket: "day" };
  const weeks = new Map<string, ChartPoint>();
  for (const d of days) {
    const key = weekStartOf(d.date, weekStart);
    const w = weeks.get(key);
    if (!w) weeks.set(key, { date: key, value: d.value, min: d.value, max: d.value, n: 1, w: 7 * 86_400_000 });
    else {
      w.value = (w.value * w.n + d.value) / (w.n + 1);
      w.n += 1;
      w.min = Math.min(w.min, d.value);
      w.max = Math.max(w.max, d.value);
    }
  }
  return { points: [...weeks.values()], bucket: "week" };
}

/** Sum, mean, min and max of the range (sum only for metrics that add up over days). */
export function rangeStats(metric: MetricId, days: Array<{ value: number }>) {
  if (!days.length) return null;
  const values = days.map((d) => d.value);
  const sum = values.reduce((a, b) => a + b, 0);
  return { days: values.length, mean: sum / values.length, min: Math.min(...values), max: Math.max(...values), total: METRICS[metric].kind === "sum" ? sum : null };
}
