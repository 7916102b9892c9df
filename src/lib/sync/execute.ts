import { analyzeAfterBulkWrite, BULK_WRITE_ROWS } from "@/lib/db/analyze";
import { reconcileQuietly } from "@/lib/reconcile/store";
import { eq } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { providerConnections, syncRuns } from "@/lib/db/schema";
import { providerName, pullProvider } from "@/lib/providers";
import { ProviderError, safeReason, TransientProviderError } from "@/lib/providers/shared/errors";
import { syncConnection, type EngineOptions } from "./engine";
import { LostClaimError, NeedsReauthError, RescheduleError, SyncAbortedError } from "./errors";
import { claimRun, createRun, finishRun, heartbeat, type NewRun, type RunEnd, type RunCounts, type RunProgress, type SyncRun } from "./runs";
import { env } from "@/lib/env";
import { exponentialBackoff } from "@/lib/jobs/backoff";

/**
 * Executes one sync_run: claim → engine → final status. This is the plain function behind the
 * Trigger.dev `sync-connection` task and the in-process runner alike.
 *
 * Outcomes: succeeded; failed (error in plain words); rescheduled (429, budget used up, provider
 * down: `run_after` says when, the run resumes from the committed windows); busy (not due yet, or
 * another run of the connection is active: the run stays queued); skipped (already finished or
 * gone); aborted / lost (interrupted, or taken over by
 * another worker: the row is left for whoever owns it).
 */

export type ExecuteOptions = Partial<EngineOptions> & {
  /** Heartbeat age after which a running run counts as dead. */
  staleMs?: number;
  /** Claims after which a provider that keeps failing makes the run fail instead of rescheduling. Default 5. */
  maxAttempts?: number;
  /** On abort (shutdown), put the run back in the queue instead of leaving it to go stale. */
  releaseOnAbort?: boolean;
  /** Rows written from which the run ends by analyzing the tables (default BULK_WRITE_ROWS). */
  analyzeAfterRows?: number;
};

export type RunOutcome =
  | { runId: string; status: "succeeded" | "failed"; error: string | null; counts: RunCounts; requests: number }
  | { runId: string; status: "rescheduled"; runAfter: Date; error: string; counts: RunCounts; requests: number }
  | { runId: string; status: "busy"; retryAt?: Date }
  | { runId: string; status: "skipped" | "aborted" | "lost" };

/** Backoff for a provider that stays unavailable: 1, 2, 4, 8… minutes, at most 30. */
const unavailableDelayMs = exponentialBackoff(60_000, 30 * 60_000);

function plainError(error: unknown, name: string): string {
  if (error instanceof ProviderError || error instanceof NeedsReauthError) return safeReason(error.message);
  return `the ${name} sync stopped on an unexpected error; it will be retried`;
}

export async function executeRun(db: Db, runId: string, opts: ExecuteOptions = {}): Promise<RunOutcome> {
  const claimedAt = opts.now?.() ?? new Date();
  const run = await claimRun(db, runId, { now: claimedAt, staleMs: opts.staleMs });
  if (!run) {
    const [row] = await db.select({ status: syncRuns.status, runAfter: syncRuns.runAfter }).from(syncRuns).where(eq(syncRuns.id, runId));
    if (!row || row.status === "succeeded" || row.status === "failed") return { runId, status: "skipped" };
    // Not due yet (a timer fired a hair early), or another run of the connection is active.
    return { runId, status: "busy", retryAt: row.runAfter > claimedAt ? row.runAfter : undefined };
  }

  const counts: RunCounts = { fetched: run.fetched, inserted: run.inserted, updated: run.updated, unchanged: run.unchanged };
  const stored = (run.progress ?? {}) as Partial<RunProgress>;
  const progress: RunProgress = { mode: stored.mode === "window" ? "window" : "full", resources: stored.resources ?? {} };
  let span: { from: Date | null; to: Date | null } = { from: null, to: null };
  const windowPatch = () =>
    progress.mode === "full" && span.from ? { windowFrom: run.windowFrom && run.windowFrom < span.from ? run.windowFrom : span.from, windowTo: span.to } : {};

  const [connection] = await db.select().from(providerConnections).where(eq(providerConnections.id, run.connectionId));
  const name = connection ? providerName(connection.provider) : "provider";
  const finish = async (end: Exclude<RunEnd, { status: "queued" }>, requests: number): Promise<RunOutcome> => {
    const ok = await finishRun(db, run, end, { progress, counts, claimedAt, ...windowPatch() });
    // Whatever landed (even in a failed run) is in the reconciled record before the run reports.
    if (counts.inserted + counts.updated > 0) await reconcileQuietly(db, run.userId);
    // A backfill's worth of rows: the planner's statistics are stale until the tables are analyzed.
    if (counts.inserted + counts.updated >= (opts.analyzeAfterRows ?? BULK_WRITE_ROWS)) await analyzeAfterBulkWrite(db);
    if (!ok) return { runId, status: "lost" };
    if (end.status === "rescheduled") return { runId, status: "rescheduled", runAfter: end.runAfter, error: end.error, counts, requests };
    return { runId, status: end.status, error: end.error ?? null, counts, requests };
  };

  const pull = connection ? pullProvider(connection.provider) : undefined;
  if (!connection || !pull) {
    return finish(
      { status: "failed", error: connection ? `${name} has no data to pull (its data arrives by push)` : "the connection no longer exists" },
      0,
    );
  }
  if (connection.status !== "active") {
    return finish({ status: "failed", error: `${name} needs to be reconnected${connection.lastError ? `: ${connection.lastError}` : ""}` }, 0);
  }

  let requests = 0;
  try {
    const result = await syncConnection(
      db,
      {
        run,
        connection,
        pull,
        progress,
        counts,
        save: async (s) => {
          span = s;
          await heartbeat(db, run, { progress, counts, ...windowPatch() });
        },
      },
      { backfillMaxDays: env().SYNC_BACKFILL_MAX_DAYS, rateLimits: env().SYNC_RATE_LIMITS === "on", ...opts },
    );
    requests = result.requests;
    span = result.span;
    if (result.failed.length) {
      const error = result.failed.map((f) => `${progress.resources[f.resource]?.label ?? f.resource}: ${f.error}`).join("; ");
      return finish({ status: "failed", error }, requests);
    }
    return finish({ status: "succeeded", error: null }, requests);
  } catch (error) {
    if (error instanceof SyncAbortedError) {
      if (opts.releaseOnAbort) await finishRun(db, run, { status: "queued" }, { progress, counts, claimedAt, ...windowPatch() });
      return { runId, status: "aborted" };
    }
    if (error instanceof LostClaimError) return { runId, status: "lost" };
    if (error instanceof RescheduleError) return finish({ status: "rescheduled", runAfter: error.runAfter, error: error.message }, requests);
    if (error instanceof TransientProviderError && run.attempts < (opts.maxAttempts ?? 5)) {
      const runAfter = new Date(Date.now() + unavailableDelayMs(run.attempts));
      return finish({ status: "rescheduled", runAfter, error: `${safeReason(error.message)}; trying again later` }, requests);
    }
    if (!(error instanceof ProviderError || error instanceof NeedsReauthError)) {
      // First line only (drizzle puts the whole query with its data in the message) and the cause.
      const e = error as { message?: unknown; cause?: { message?: unknown } };
      const first = String(e?.message ?? error).split("\n")[0];
      console.error(`[sync] run ${runId} (${name}) failed: ${first}${e?.cause?.message ? ` — ${String(e.cause.message)}` : ""}`);
    }
    return finish({ status: "failed", error: plainError(error, name) }, requests);
  }
}

/** Queues a run and executes it right here (Trigger.dev task body, tests, scripts). */
export async function runSync(db: Db, input: NewRun, opts: ExecuteOptions = {}): Promise<RunOutcome & { run: SyncRun }> {
  const run = await createRun(db, input);
  const outcome = await executeRun(db, run.id, opts);
  return { ...outcome, run };
}
