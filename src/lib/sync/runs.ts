import { and, asc, eq, inArray, lte, ne, notExists, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/lib/db";
import { providerConnections, syncRuns } from "@/lib/db/schema";
import { LostClaimError } from "./errors";

/**
 * sync_run rows: one per run, from queued to a final status. A run is claimed by a conditional
 * UPDATE inside a transaction that first locks the connection row (SELECT … FOR UPDATE): claims for
 * one connection are serialized across processes, and a claim succeeds only when no other run of
 * that connection is `running` with a fresh heartbeat. A run whose heartbeat went stale (its
 * process died) is claimable again and resumes from the committed sync_state.
 */

export type SyncRun = typeof syncRuns.$inferSelect;
export type SyncTrigger = SyncRun["trigger"];

/** A running run whose heartbeat is older than this is considered dead. */
export const STALE_AFTER_MS = 2 * 60_000;

export type NewRun = {
  connectionId: string;
  trigger: SyncTrigger;
  resources?: string[] | null;
  from?: Date | null;
  to?: Date | null;
  runAfter?: Date;
};

/** Live progress of one resource, shown on the settings page while the run goes. */
export type ResourceProgress = {
  label: string;
  phase: "pending" | "delta" | "backfill" | "window" | "done" | "failed";
  /** The window being fetched (ISO instants). */
  window: { from: string; to: string } | null;
  /** Share of the backfill done, 0–100; null when there is no backfill going on. */
  backfillPct: number | null;
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records the normalizer could not use (reported, not fatal), and the last reason. */
  skipped?: number;
  lastSkip?: string;
  /** Rows refused as implausible (src/lib/ingest/plausibility.ts), and the last reason. */
  refused?: number;
  lastRefusal?: string;
  error?: string;
};

/**
 * `mode`: "full" = deltas since the watermark plus any unfinished backfill; "window" = only the
 * requested window (webhook notices, manual ranges), leaving watermarks alone.
 */
export type RunProgress = { mode: "full" | "window"; resources: Record<string, ResourceProgress> };

export function runMode(run: Pick<SyncRun, "progress">): "full" | "window" {
  const p = run.progress as Partial<RunProgress> | null;
  return p?.mode === "window" ? "window" : "full";
}

/** What a run asks for, as one string: equal keys are the same work (sync_run_one_live_per_request_uq). */
export function requestKey(mode: "full" | "window", resources: string[] | null, from: Date | null, to: Date | null): string {
  const list = (resources ?? []).slice().sort().join(",");
  return mode === "full" ? `full|${list}` : `window|${list}|${from?.toISOString() ?? ""}|${to?.toISOString() ?? ""}`;
}

const LIVE: SyncRun["status"][] = ["queued", "running", "rescheduled"];

/**
 * Queues a run. When the same work is already waiting or running for this connection (same
 * resources and window), that run is returned instead of queueing a duplicate (a double click on
 * "Sync now", a schedule firing while a webhook run waits); a manual request moves a waiting one
 * forward. The database enforces it (a partial unique index on connection + request key), so
 * concurrent requests cannot race past the lookup: the loser of the insert returns the winner's run.
 */
export async function createRun(db: Db, input: NewRun, now = new Date()): Promise<SyncRun> {
  const [connection] = await db
    .select({ id: providerConnections.id, userId: providerConnections.userId })
    .from(providerConnections)
    .where(eq(providerConnections.id, input.connectionId));
  if (!connection) throw new Error("connection not found");
  const resources = input.resources?.length ? input.resources : null;
  const from = input.from ?? null;
  const to = input.to ?? null;
  const mode = from || to ? "window" : "full";
  const key = requestKey(mode, resources, from, to);

  const findTwin = async () => {
    const [twin] = await db
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.connectionId, connection.id), eq(syncRuns.requestKey, key), inArray(syncRuns.status, LIVE)));
    return twin;
  };
  const reuse = async (twin: SyncRun) => {
    // A rescheduled run waits for a provider's Retry-After, a running one is already going: leave them.
    if (twin.status !== "queued") return twin;
    const runAfter = input.runAfter ?? now;
    if (runAfter < twin.runAfter) {
      const [moved] = await db
        .update(syncRuns)
        .set({ runAfter })
        .where(and(eq(syncRuns.id, twin.id), eq(syncRuns.status, "queued")))
        .returning();
      return moved ?? twin;
    }
    return twin;
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    const twin = await findTwin();
    if (twin) return reuse(twin);
    const [run] = await db
      .insert(syncRuns)
      .values({
        userId: connection.userId,
        connectionId: connection.id,
        trigger: input.trigger,
        status: "queued",
        resources,
        windowFrom: from,
        windowTo: to,
        requestKey: key,
        progress: { mode, resources: {} } satisfies RunProgress,
        runAfter: input.runAfter ?? now,
        queuedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (run) return run;
    // Lost the race to a concurrent request; its run may also have finished already: look again.
  }
  throw new Error("could not queue the run: the same request kept finishing concurrently");
}

/**
 * Webhook coalescing: widens a queued (not yet started) webhook run of this connection over the same
 * resources so it also covers [from, to), while the union stays within `maxSpanMs`. Returns the
 * widened run, or null when there is none to widen (the caller queues a new one). Conditional on
 * the run still being queued, so a run a worker has claimed is never changed under it.
 */
export async function widenQueuedWindowRun(
  db: Db,
  input: { connectionId: string; resources: string[]; from: Date; to: Date; maxSpanMs: number },
): Promise<SyncRun | null> {
  const resources = input.resources.length ? input.resources : null;
  const prefix = `${requestKey("window", resources, null, null).split("|").slice(0, 2).join("|")}|`;
  const queued = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.connectionId, input.connectionId), eq(syncRuns.status, "queued"), eq(syncRuns.trigger, "webhook")));
  for (const run of queued) {
    if (!run.requestKey?.startsWith(prefix) || !run.windowFrom || !run.windowTo) continue;
    const from = new Date(Math.min(run.windowFrom.getTime(), input.from.getTime()));
    const to = new Date(Math.max(run.windowTo.getTime(), input.to.getTime()));
    if (to.getTime() - from.getTime() > input.maxSpanMs) continue;
    if (from.getTime() === run.windowFrom.getTime() && to.getTime() === run.windowTo.getTime()) return run;
    try {
      const [widened] = await db
        .update(syncRuns)
        .set({ windowFrom: from, windowTo: to, requestKey: requestKey("window", run.resources, from, to) })
        .where(and(eq(syncRuns.id, run.id), eq(syncRuns.status, "queued")))
        .returning();
      if (widened) return widened;
    } catch {
      // The widened request equals another live run's (unique index): leave both as they are.
    }
  }
  return null;
}

/**
 * Runs that a worker could claim now: due queued/rescheduled runs, and running runs gone stale —
 * leaving out connections that have a live run (their next run waits its turn).
 */
export async function claimableRuns(db: Db, opts: { now?: Date; staleMs?: number; limit?: number } = {}): Promise<SyncRun[]> {
  const now = opts.now ?? new Date();
  const staleBefore = new Date(now.getTime() - (opts.staleMs ?? STALE_AFTER_MS));
  const other = alias(syncRuns, "other");
  const live = db
    .select({ one: sql`1` })
    .from(other)
    .where(
      and(
        eq(other.connectionId, syncRuns.connectionId),
        eq(other.status, "running"),
        ne(other.id, syncRuns.id),
        sql`${other.heartbeatAt} > ${staleBefore.toISOString()}::timestamptz`,
      ),
    );
  return db
    .select()
    .from(syncRuns)
    .where(
      and(
        or(
          and(inArray(syncRuns.status, ["queued", "rescheduled"]), lte(syncRuns.runAfter, now)),
          and(eq(syncRuns.status, "running"), or(sql`${syncRuns.heartbeatAt} IS NULL`, lte(syncRuns.heartbeatAt, staleBefore))),
        ),
        notExists(live),
      ),
    )
    .orderBy(asc(syncRuns.runAfter), asc(syncRuns.queuedAt))
    .limit(opts.limit ?? 20);
}

/**
 * Claims one run for this worker, or returns null (not due, already taken, finished, or another
 * run of the connection is active). `attempts` is bumped: it is this claim's fencing token.
 */
export async function claimRun(db: Db, runId: string, opts: { now?: Date; staleMs?: number } = {}): Promise<SyncRun | null> {
  const now = opts.now ?? new Date();
  const staleBefore = new Date(now.getTime() - (opts.staleMs ?? STALE_AFTER_MS));
  return db.transaction(async (tx) => {
    const [target] = await tx.select().from(syncRuns).where(eq(syncRuns.id, runId));
    if (!target) return null;
    // Serializes every claim for this connection, in every process, until we commit.
    await tx.select({ id: providerConnections.id }).from(providerConnections).where(eq(providerConnections.id, target.connectionId)).for("update");

    const isStale = (r: { heartbeatAt: Date | null }) => r.heartbeatAt === null || r.heartbeatAt <= staleBefore;
    const [fresh] = await tx.select().from(syncRuns).where(eq(syncRuns.id, runId));
    const claimable =
      (["queued", "rescheduled"].includes(fresh.status) && fresh.runAfter <= now) || (fresh.status === "running" && isStale(fresh));
    if (!claimable) return null;

    const others = await tx
      .select({ id: syncRuns.id, heartbeatAt: syncRuns.heartbeatAt })
      .from(syncRuns)
      .where(and(eq(syncRuns.connectionId, fresh.connectionId), eq(syncRuns.status, "running"), ne(syncRuns.id, runId)));
    if (others.some((o) => !isStale(o))) return null;

    const [claimed] = await tx
      .update(syncRuns)
      .set({
        status: "running",
        startedAt: fresh.startedAt ?? now,
        heartbeatAt: now,
        attempts: fresh.attempts + 1,
        finishedAt: null,
      })
      .where(and(eq(syncRuns.id, runId), eq(syncRuns.attempts, fresh.attempts)))
      .returning();
    return claimed ?? null;
  });
}

export type RunCounts = { fetched: number; inserted: number; updated: number; unchanged: number };

/** Records liveness and progress; throws LostClaimError when another worker has taken the run over. */
export async function heartbeat(
  db: Db,
  run: Pick<SyncRun, "id" | "attempts">,
  patch: { progress?: unknown; counts?: RunCounts; windowFrom?: Date | null; windowTo?: Date | null },
  now = new Date(),
): Promise<void> {
  const updated = await db
    .update(syncRuns)
    .set({
      heartbeatAt: now,
      ...(patch.progress !== undefined ? { progress: patch.progress } : {}),
      ...(patch.counts ?? {}),
      ...(patch.windowFrom !== undefined ? { windowFrom: patch.windowFrom } : {}),
      ...(patch.windowTo !== undefined ? { windowTo: patch.windowTo } : {}),
    })
    .where(and(eq(syncRuns.id, run.id), eq(syncRuns.status, "running"), eq(syncRuns.attempts, run.attempts)))
    .returning({ id: syncRuns.id });
  if (updated.length === 0) throw new LostClaimError(run.id);
}

export type RunEnd =
  | { status: "succeeded" | "failed"; error?: string | null }
  | { status: "queued" }
  | { status: "rescheduled"; runAfter: Date; error: string };

/** Ends this claim of the run (unless another worker took it over meanwhile). */
export async function finishRun(
  db: Db,
  run: Pick<SyncRun, "id" | "attempts" | "durationMs">,
  end: RunEnd,
  patch: { progress: unknown; counts: RunCounts; windowFrom?: Date | null; windowTo?: Date | null; claimedAt: Date },
  now = new Date(),
): Promise<boolean> {
  const activeMs = (run.durationMs ?? 0) + Math.max(0, now.getTime() - patch.claimedAt.getTime());
  const updated = await db
    .update(syncRuns)
    .set({
      status: end.status,
      error: "error" in end ? (end.error ?? null) : undefined,
      runAfter: end.status === "rescheduled" ? end.runAfter : end.status === "queued" ? now : undefined,
      finishedAt: end.status === "rescheduled" || end.status === "queued" ? null : now,
      heartbeatAt: now,
      durationMs: activeMs,
      progress: patch.progress,
      ...patch.counts,
      ...(patch.windowFrom !== undefined ? { windowFrom: patch.windowFrom } : {}),
      ...(patch.windowTo !== undefined ? { windowTo: patch.windowTo } : {}),
    })
    .where(and(eq(syncRuns.id, run.id), eq(syncRuns.status, "running"), eq(syncRuns.attempts, run.attempts)))
    .returning({ id: syncRuns.id });
  return updated.length > 0;
}
