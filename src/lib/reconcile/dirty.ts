import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { reconcileDirty } from "@/lib/db/schema";
import type { NormalizedBatch } from "@/lib/normalize/types";
import { METRIC_OF_TYPE } from "./metrics";

/**
 * Marks local days whose reconciled values must be rebuilt (see store.ts). Called by every writer
 * inside its own transaction, so the mark commits with the data or not at all.
 */
export async function markDirty(db: DbOrTx, userId: string, dates: Iterable<string | null | undefined>): Promise<void> {
  // Sorted: concurrent writers (a sync's resources, a read's rebuild) then lock the same rows in the
  // same order, so they wait for each other instead of deadlocking.
  const unique = [...new Set([...dates].filter((d): d is string => !!d))].sort();
  for (let i = 0; i < unique.length; i += 1000)
    await db
      .insert(reconcileDirty)
      .values(unique.slice(i, i + 1000).map((date) => ({ userId, date })))
      .onConflictDoUpdate({ target: [reconcileDirty.userId, reconcileDirty.date], set: { markedAt: sql`clock_timestamp()` } });
}

/** The local days a batch touches that the reconciled record reads. */
export function datesOf(batch: Partial<NormalizedBatch>): Set<string> {
  const dates = new Set<string>();
  for (const a of batch.activities ?? []) dates.add(a.localDate);
  for (const s of batch.sleepSessions ?? []) dates.add(s.localDate);
  for (const d of batch.dailySummaries ?? []) dates.add(d.date);
  for (const m of batch.measurements ?? []) if (m.localDate && METRIC_OF_TYPE.has(m.type)) dates.add(m.localDate);
  return dates;
}

/** Marks every day holding data of `provider` (before that data is deleted). */
export async function markProviderDays(db: DbOrTx, userId: string, provider: string): Promise<void> {
  await db.execute(sql`
    INSERT INTO reconcile_dirty (user_id, date)
    SELECT ${userId}::uuid, d FROM (
      SELECT local_date AS d FROM activity WHERE user_id = ${userId}::uuid AND provider = ${provider}
      UNION SELECT local_date FROM sleep_session WHERE user_id = ${userId}::uuid AND provider = ${provider}
      UNION SELECT date FROM daily_summary WHERE user_id = ${userId}::uuid AND provider = ${provider}
      UNION SELECT local_date FROM measurement WHERE user_id = ${userId}::uuid AND provider = ${provider} AND local_date IS NOT NULL
    ) days
    ORDER BY d
    ON CONFLICT (user_id, date) DO UPDATE SET marked_at = clock_timestamp()`);
}
