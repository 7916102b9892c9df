import { sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import type { ProviderId } from "@/lib/providers/ids";
import { userRankings } from "@/lib/reconcile/store";
import { rowsOf } from "@/lib/db/rows";

/**
 * Heart rate over a range, aggregated in SQL into at most ~MAX_BUCKETS min/avg/max buckets, so
 * the browser never receives millions of samples. Per bucket only the best-ranked source with
 * readings there counts (user's order for resting HR, else the heart default): a watch mirrored
 * into Apple Health is one reading, never averaged with its own copy.
 */

export const MAX_BUCKETS = 300;
const STEPS_MS = [5, 15, 30, 60, 180, 360, 720, 1440].map((m) => m * 60_000);
/** A workout is minutes to hours long: its buckets start at 5 seconds. */
export const WORKOUT_STEPS_MS = [5, 10, 15, 30, 60, 120, 300, 600, 900].map((s) => s * 1000);

export function bucketSize(fromMs: number, toMs: number, steps: readonly number[] = STEPS_MS): number {
  const want = (toMs - fromMs) / MAX_BUCKETS;
  return steps.find((s) => s >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

export type HeartBucket = { t: number; w: number; min: number; avg: number; max: number; n: number; provider: ProviderId; source: string | null };

export async function heartRateBuckets(db: Db, userId: string, range: { fromMs: number; toMs: number }, steps?: readonly number[]): Promise<{ size: number; buckets: HeartBucket[] }> {
  const size = bucketSize(range.fromMs, range.toMs, steps);
  const result = await db.execute(sql`
    SELECT floor(extract(epoch FROM measured_at) * 1000 / ${size})::float8 AS b, provider, source,
           min(value)::float8 AS min, avg(value)::float8 AS avg, max(value)::float8 AS max, count(*)::int AS n
    FROM measurement
    WHERE user_id = ${userId}::uuid AND type = 'heart_rate'
      AND measured_at >= ${new Date(range.fromMs).toISOString()}::timestamptz AND measured_at < ${new Date(range.toMs).toISOString()}::timestamptz
    GROUP BY 1, 2, 3`);
  const rows = rowsOf<{ b: number; provider: ProviderId; source: string | null; min: number; avg: number; max: number; n: number }>(result);
  const rank = (await userRankings(db, userId))("resting_hr");
  const best = new Map<number, (typeof rows)[number]>();
  for (const r of rows) {
    const b = Number(r.b);
    const cur = best.get(b);
    if (!cur || rank(r) < rank(cur) || (rank(r) === rank(cur) && r.n > cur.n)) best.set(b, r);
  }
  const buckets = [...best.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, r]) => ({ t: b * size, w: size, min: Number(r.min), avg: Number(r.avg), max: Number(r.max), n: Number(r.n), provider: r.provider, source: r.source }));
  return { size, buckets };
}

/**
 * A workout's own heart-rate series (activity.samples.heart_rate, as Health Auto Export and
 * FIT/GPX/TCX imports store it) in the same min/avg/max buckets: a 1 s recording of a long ride
 * is tens of thousands of samples.
 */
export function bucketSamples(samples: Array<{ t: string; bpm: number; min?: number; max?: number }>, range: { fromMs: number; toMs: number }, who: { provider: ProviderId; source: string | null }): { size: number; buckets: HeartBucket[] } {
  const size = bucketSize(range.fromMs, range.toMs, WORKOUT_STEPS_MS);
  const acc = new Map<number, HeartBucket>();
  for (const s of samples) {
    const at = Date.parse(s.t);
    if (!Number.isFinite(at) || !Number.isFinite(s.bpm) || at < range.fromMs || at >= range.toMs) continue;
    const t = Math.floor(at / size) * size;
    const b = acc.get(t);
    // A sample may itself be a minute's min/avg/max (Health Auto Export's aggregated series).
    const [lo, hi] = [Math.min(s.min ?? s.bpm, s.bpm), Math.max(s.max ?? s.bpm, s.bpm)];
    if (!b) acc.set(t, { t, w: size, min: lo, avg: s.bpm, max: hi, n: 1, ...who });
    else {
      b.avg += (s.bpm - b.avg) / (b.n + 1);
      b.n += 1;
      b.min = Math.min(b.min, lo);
      b.max = Math.max(b.max, hi);
    }
  }
  return { size, buckets: [...acc.values()].sort((a, b) => a.t - b.t) };
}

/** "5 s", "15 min", "3 h": a bucket's width, worded. */
export function bucketLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
