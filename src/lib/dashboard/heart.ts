import { sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import type { ProviderId } from "@/lib/providers/ids";
import { userRankings } from "@/lib/reconcile/store";

/**
 * Heart rate over a range, aggregated in SQL into at most ~MAX_BUCKETS min/avg/max buckets, so
 * the browser never receives millions of samples. Per bucket only the best-ranked source with
 * readings there counts (user's order for resting HR, else the heart default): a watch mirrored
 * into Apple Health is one reading, never averaged with its own copy.
 */

export const MAX_BUCKETS = 300;
const STEPS_MS = [5, 15, 30, 60, 180, 360, 720, 1440].map((m) => m * 60_000);

export function bucketSize(fromMs: number, toMs: number): number {
  const want = (toMs - fromMs) / MAX_BUCKETS;
  return STEPS_MS.find((s) => s >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

export type HeartBucket = { t: number; w: number; min: number; avg: number; max: number; n: number; provider: ProviderId; source: string | null };

export async function heartRateBuckets(db: Db, userId: string, range: { fromMs: number; toMs: number }): Promise<{ size: number; buckets: HeartBucket[] }> {
  const size = bucketSize(range.fromMs, range.toMs);
  const result = await db.execute(sql`
    SELECT floor(extract(epoch FROM measured_at) * 1000 / ${size})::float8 AS b, provider, source,
           min(value)::float8 AS min, avg(value)::float8 AS avg, max(value)::float8 AS max, count(*)::int AS n
    FROM measurement
    WHERE user_id = ${userId}::uuid AND type = 'heart_rate'
      AND measured_at >= ${new Date(range.fromMs).toISOString()}::timestamptz AND measured_at < ${new Date(range.toMs).toISOString()}::timestamptz
    GROUP BY 1, 2, 3`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ b: number; provider: ProviderId; source: string | null; min: number; avg: number; max: number; n: number }>;
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
