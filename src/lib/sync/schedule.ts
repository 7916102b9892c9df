import { eq } from "drizzle-orm";
import { pullProvider } from "@/lib/providers";
import type { Db } from "@/lib/db";
import { providerConnections } from "@/lib/db/schema";
import { createRun, type SyncRun, type SyncTrigger } from "./runs";

/** Every active connection that has something to pull (push-only and bridge providers have not). */
export async function syncableConnections(db: Db): Promise<Array<{ id: string; provider: string; userId: string }>> {
  const rows = await db
    .select({ id: providerConnections.id, provider: providerConnections.provider, userId: providerConnections.userId })
    .from(providerConnections)
    .where(eq(providerConnections.status, "active"));
  return rows.filter((r) => pullProvider(r.provider)?.fetcher);
}

/**
 * `sync-all`: one queued full run per syncable connection (a connection that already has one
 * waiting keeps it). Returns the runs, for the Trigger.dev fan-out.
 */
export async function queueSyncAll(db: Db, trigger: SyncTrigger = "schedule", now = new Date()): Promise<SyncRun[]> {
  const runs: SyncRun[] = [];
  for (const c of await syncableConnections(db)) runs.push(await createRun(db, { connectionId: c.id, trigger }, now));
  return runs;
}
