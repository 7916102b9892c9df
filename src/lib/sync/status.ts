import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import { providerConnections, syncRuns, syncState, webhookEvents } from "@/lib/db/schema";
import { isProviderId, providerName, providers, pullProvider } from "@/lib/providers";
import type { ResourceProgress, RunProgress, SyncRun } from "./runs";
import { rowsOf } from "@/lib/db/rows";

/**
 * What the settings page shows per connection: the active run's live progress per resource, the
 * last successful sync, and the last error in plain words.
 */

export type ConnectionSyncStatus = {
  connectionId: string;
  provider: string;
  providerName: string;
  connectionStatus: string;
  /** False for push-only providers (Garmin) and bridges. */
  pullable: boolean;
  /** The run in progress, or the next one waiting. */
  active: {
    runId: string;
    status: "queued" | "running" | "rescheduled";
    trigger: string;
    /** When a queued/rescheduled run will start. */
    runAfter: string;
    startedAt: string | null;
    /** Why it was rescheduled (plain words). */
    note: string | null;
    resources: Array<ResourceProgress & { resource: string }>;
    counts: { fetched: number; inserted: number; updated: number; unchanged: number };
  } | null;
  lastSuccessAt: string | null;
  lastRun: {
    runId: string;
    status: string;
    finishedAt: string | null;
    fetched: number;
    inserted: number;
    updated: number;
    unchanged: number;
    durationMs: number | null;
  } | null;
  /** The latest failure (run error or connection problem), when it is newer than the last success. */
  lastError: string | null;
  /** Backfill done per resource, 0–100. */
  backfill: Array<{ resource: string; label: string; percent: number | null; done: boolean }>;
  /** Records from this provider are stored for the user (whatever brought them: runs, pushes, imports). */
  hasRecords: boolean;
  /** The newest provider push for this connection that was accepted (pending, processed). */
  lastDeliveryAt: string | null;
  /** Push-only: connected over FIRST_DELIVERY_HOURS ago and nothing has arrived since. */
  firstDeliveryOverdue: boolean;
};

/** How long a push-only provider (Garmin) may take to deliver anything after a connect. */
export const FIRST_DELIVERY_HOURS = 6;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function pctOf(row: typeof syncState.$inferSelect): number | null {
  if (row.backfillDone) return 100;
  const top = row.watermark?.getTime();
  const bottom = row.backfillFrom?.getTime();
  const reached = row.backfillReachedAt?.getTime();
  if (top === undefined || bottom === undefined || reached === undefined || top <= bottom) return null;
  return Math.round(((top - reached) / (top - bottom)) * 1000) / 10;
}

/**
 * Whether the user holds any record from `provider`: one probe of each table's (user, provider, …)
 * unique index. Scalar subqueries ordered like that index, not EXISTS: PostgreSQL drops an EXISTS
 * subquery's ORDER BY and may then scan the table from the start (3 ms on the 10-year bench user,
 * growing with every other user's rows) where the index answers in 0.1 ms.
 */
export const hasRecordsSql = (userId: string, provider: string) => sql`
    SELECT coalesce((SELECT true FROM activity WHERE user_id = ${userId}::uuid AND provider = ${provider} ORDER BY external_id LIMIT 1),
                    (SELECT true FROM sleep_session WHERE user_id = ${userId}::uuid AND provider = ${provider} ORDER BY external_id LIMIT 1),
                    (SELECT true FROM daily_summary WHERE user_id = ${userId}::uuid AND provider = ${provider} ORDER BY date LIMIT 1),
                    (SELECT true FROM measurement WHERE user_id = ${userId}::uuid AND provider = ${provider} ORDER BY type, measured_at LIMIT 1),
                    false) AS any`;

async function hasRecordsFrom(db: Db, userId: string, provider: string): Promise<boolean> {
  const result = await db.execute(hasRecordsSql(userId, provider));
  const rows = rowsOf<{ any: boolean }>(result);
  return Boolean(rows[0]?.any);
}

// Per-connection lookups, issued for every connection on every overview and settings page: built once per handle.
const recentRuns = preparedPerHandle((db) =>
  // The newest runs are all this needs; the last success is looked up on its own.
  db.select().from(syncRuns).where(eq(syncRuns.connectionId, sql.placeholder("id"))).orderBy(desc(syncRuns.queuedAt)).limit(20).prepare("sync_recent_runs"),
);
const lastSuccess = preparedPerHandle((db) =>
  db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.connectionId, sql.placeholder("id")), eq(syncRuns.status, "succeeded")))
    .orderBy(desc(syncRuns.finishedAt))
    .limit(1)
    .prepare("sync_last_success"),
);
const lastDelivery = preparedPerHandle((db) =>
  db
    .select({ at: webhookEvents.receivedAt })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.connectionId, sql.placeholder("id")), inArray(webhookEvents.status, ["pending", "processing", "processed"])))
    .orderBy(desc(webhookEvents.receivedAt))
    .limit(1)
    .prepare("sync_last_delivery"),
);

export async function syncStatus(db: Db, userId: string, now = new Date()): Promise<ConnectionSyncStatus[]> {
  const connections = await db.select().from(providerConnections).where(eq(providerConnections.userId, userId));
  if (connections.length === 0) return [];
  const ids = connections.map((c) => c.id);
  // Independent lookups, one per connection and table: sent together rather than one after another.
  const [states, perConnection, records] = await Promise.all([
    db
      .select()
      .from(syncState)
      .where(and(eq(syncState.userId, userId), inArray(syncState.connectionId, ids))),
    Promise.all(
      ids.map(async (id) => {
        const [runs, [ok], [d]] = await Promise.all([
          recentRuns(db).execute({ id }),
          lastSuccess(db).execute({ id }),
          lastDelivery(db).execute({ id }),
        ]);
        return { id, runs, ok, delivery: d?.at };
      }),
    ),
    Promise.all(connections.map(async (c) => [c.id, await hasRecordsFrom(db, userId, c.provider)] as const)),
  ]);
  const runsByConnection = new Map<string, SyncRun[]>(perConnection.map((p) => [p.id, p.runs]));
  const lastOkByConnection = new Map<string, SyncRun>(perConnection.flatMap((p) => (p.ok ? [[p.id, p.ok] as const] : [])));
  const deliveries = new Map<string, Date>(perConnection.flatMap((p) => (p.delivery ? [[p.id, p.delivery] as const] : [])));
  const recordsByConnection = new Map(records);

  return connections.map((c): ConnectionSyncStatus => {
    const fetcher = pullProvider(c.provider)?.fetcher;
    const mine = runsByConnection.get(c.id) ?? [];
    const active =
      mine.find((r) => r.status === "running") ??
      mine
        .filter((r) => r.status === "queued" || r.status === "rescheduled")
        .sort((a, b) => a.runAfter.getTime() - b.runAfter.getTime())[0];
    const finished = mine.filter((r) => r.status === "succeeded" || r.status === "failed");
    const lastRun = finished.sort((a, b) => (b.finishedAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? 0))[0] as SyncRun | undefined;
    const lastOk = lastOkByConnection.get(c.id);
    const myStates = states.filter((s) => s.connectionId === c.id);
    const stateSuccess = myStates.reduce<Date | null>((max, s) => (s.lastSuccessAt && (!max || s.lastSuccessAt > max) ? s.lastSuccessAt : max), null);
    const lastSuccess = [lastOk?.finishedAt ?? null, stateSuccess].reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);

    let lastError: string | null = null;
    if (c.status !== "active") lastError = c.lastError ?? `the connection is ${c.status.replace("_", " ")}`;
    else if (lastRun?.status === "failed" && (!lastSuccess || (lastRun.finishedAt && lastRun.finishedAt > lastSuccess))) lastError = lastRun.error;
    else if (active?.status === "rescheduled") lastError = null;

    const labelOf = (resource: string) => fetcher?.resources.find((r) => r.resource === resource)?.label ?? resource;
    const progress = (active?.progress ?? {}) as Partial<RunProgress>;
    const hasRecords = recordsByConnection.get(c.id) ?? false;
    const lastDelivery = deliveries.get(c.id) ?? null;
    return {
      connectionId: c.id,
      provider: c.provider,
      providerName: providerName(c.provider),
      connectionStatus: c.status,
      pullable: Boolean(fetcher),
      active: active
        ? {
            runId: active.id,
            status: active.status as "queued" | "running" | "rescheduled",
            trigger: active.trigger,
            runAfter: active.runAfter.toISOString(),
            startedAt: iso(active.startedAt),
            note: active.status === "rescheduled" ? active.error : null,
            resources: Object.entries(progress.resources ?? {}).map(([resource, p]) => ({ resource, ...p })),
            counts: { fetched: active.fetched, inserted: active.inserted, updated: active.updated, unchanged: active.unchanged },
          }
        : null,
      lastSuccessAt: iso(lastSuccess),
      lastRun: lastRun
        ? {
            runId: lastRun.id,
            status: lastRun.status,
            finishedAt: iso(lastRun.finishedAt),
            fetched: lastRun.fetched,
            inserted: lastRun.inserted,
            updated: lastRun.updated,
            unchanged: lastRun.unchanged,
            durationMs: lastRun.durationMs,
          }
        : null,
      lastError,
      backfill: (fetcher?.resources ?? []).map((r) => {
        const s = myStates.find((x) => x.resource === r.resource);
        return { resource: r.resource, label: labelOf(r.resource), percent: s ? pctOf(s) : null, done: s?.backfillDone ?? false };
      }),
      hasRecords,
      lastDeliveryAt: iso(lastDelivery),
      firstDeliveryOverdue:
        !fetcher && isProviderId(c.provider) && !!providers[c.provider].webhook && c.status === "active" && !lastDelivery && !hasRecords &&
        now.getTime() - c.connectedAt.getTime() > FIRST_DELIVERY_HOURS * 3_600_000,
    };
  });
}

