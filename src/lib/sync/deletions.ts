import { and, eq, inArray, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { activities, sleepSessions } from "@/lib/db/schema";
import { markDirty } from "@/lib/reconcile/dirty";
import type { Deletion } from "./types";
import type { ProviderId } from "@/lib/providers/types";

/**
 * Provider-side deletions mark the record (`deleted_at`) rather than removing it, so a later
 * "updated" event or a refetch can bring it back (the upsert clears `deleted_at`). Returns how many
 * rows were newly marked. Scoped by user and provider like every natural key.
 */
export async function markDeleted(db: DbOrTx, userId: string, provider: ProviderId, deletions: Deletion[]): Promise<number> {
  let marked = 0;
  for (const table of ["activity", "sleep_session"] as const) {
    const t = table === "activity" ? activities : sleepSessions;
    const byTime = new Map<number, string[]>();
    for (const d of deletions) {
      if (d.table !== table) continue;
      const list = byTime.get(d.deletedAt.getTime()) ?? [];
      list.push(d.externalId);
      byTime.set(d.deletedAt.getTime(), list);
    }
    for (const [at, ids] of byTime) {
      const rows = await db
        .update(t)
        .set({ deletedAt: new Date(at), updatedAt: new Date() })
        .where(and(eq(t.userId, userId), eq(t.provider, provider), inArray(t.externalId, ids), isNull(t.deletedAt)))
        .returning({ id: t.id, localDate: t.localDate });
      marked += rows.length;
      await markDirty(db, userId, rows.map((r) => r.localDate));
    }
  }
  return marked;
}
