import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { webhookEvents } from "@/lib/db/schema";
import { processSingleton, startPoller } from "@/lib/jobs/poller";
import { processWebhookEvent, STALE_PROCESSING_MS, type ProcessDeps, type ProcessOutcome } from "./process";

/**
 * The in-process webhook runner, used when TRIGGER_SECRET_KEY is unset: a poller picks up pending
 * `webhook_event` rows (new ones are announced through `wake()` by the receiving route; failed ones
 * come back with backoff) and rows left `processing` by a process that died. Because the rows are
 * the queue, a restart loses nothing: the next runner finds them. Several processes may run it
 * against one database: the claim in process.ts is atomic.
 */

export type WebhookRunnerOptions = ProcessDeps & {
  /** Poll interval (default 2 s). */
  pollMs?: number;
  /** How long a new notice waits for others of its burst (default WEBHOOK_COALESCE_MS). */
  coalesceMs?: number;
  onOutcome?: (outcome: ProcessOutcome) => void;
};

export type WebhookRunner = {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  /** Stops polling and waits for the notice being processed. */
  stop(): Promise<void>;
  /** Resolves when nothing is due (tests, scripts). */
  idle(): Promise<void>;
};

/** Retry backoff after a failed attempt: 5 s, 10 s, 20 s … at most 10 min. */
const retryDue = (now: Date) =>
  sql`${webhookEvents.processedAt} <= ${now.toISOString()}::timestamptz - make_interval(secs => least(600, 5 * power(2, ${webhookEvents.attempts} - 1)))`;

/**
 * A new notice waits this long before it is processed, so the notices of one burst (an upload of
 * many activities, or a flood of forged ones) are processed together (process.ts coalesces them).
 */
export const WEBHOOK_COALESCE_MS = 3_000;

/** Ids of notices a worker could process now, oldest first. */
export async function dueWebhookEvents(db: Db, now = new Date(), limit = 50, coalesceMs = WEBHOOK_COALESCE_MS): Promise<string[]> {
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS);
  const settledBefore = new Date(now.getTime() - coalesceMs);
  const rows = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      or(
        and(
          eq(webhookEvents.status, "pending"),
          or(and(isNull(webhookEvents.processedAt), lte(webhookEvents.receivedAt, settledBefore)), retryDue(now)),
        ),
        and(eq(webhookEvents.status, "processing"), lte(webhookEvents.processedAt, staleBefore)),
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** When the earliest fresh notice that is still settling becomes due, if any. */
export async function nextSettledAt(db: Db, coalesceMs = WEBHOOK_COALESCE_MS): Promise<Date | null> {
  const [row] = await db
    .select({ receivedAt: webhookEvents.receivedAt })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, "pending"), isNull(webhookEvents.processedAt)))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(1);
  return row ? new Date(row.receivedAt.getTime() + coalesceMs) : null;
}

/** Finished notices are kept this long for the operator, then deleted (pending ones never are). */
export const WEBHOOK_EVENT_RETENTION_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;

/** Deletes processed / ignored / rejected / failed notices older than the retention. Returns how many. */
export async function pruneWebhookEvents(db: Db, now = new Date(), days = WEBHOOK_EVENT_RETENTION_DAYS): Promise<number> {
  const rows = await db
    .delete(webhookEvents)
    .where(
      and(
        inArray(webhookEvents.status, ["processed", "ignored", "rejected", "failed"]),
        lt(webhookEvents.receivedAt, new Date(now.getTime() - days * 86_400_000)),
      ),
    )
    .returning({ id: webhookEvents.id });
  return rows.length;
}

export function startWebhookRunner(getDb: () => Promise<Db>, opts: WebhookRunnerOptions = {}): WebhookRunner {
  // Reset at the start of every tick: a tick that fails before doing anything (database down) waits
  // a poll instead of spinning; one that fails after real progress retries at once.
  let foundWork = false;
  let prunedAt = 0;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;

  const poller = startPoller({
    label: "webhooks",
    pollMs: opts.pollMs ?? 2000,
    tick,
    runAgain: () => foundWork,
    releaseIdleOnStop: true,
  });

  async function tick(): Promise<void> {
    foundWork = false;
    const db = await getDb();
    if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
      prunedAt = Date.now();
      await pruneWebhookEvents(db);
    }
    const now = opts.now?.() ?? new Date();
    const due = await dueWebhookEvents(db, now, 50, opts.coalesceMs);
    if (due.length === 0) {
      // A burst is settling: look again when its first notice is due rather than at the next poll.
      const at = await nextSettledAt(db, opts.coalesceMs);
      if (at && at > now) {
        clearTimeout(settleTimer);
        settleTimer = setTimeout(() => poller.wake(), Math.min(at.getTime() - now.getTime() + 50, 60_000));
        settleTimer.unref?.();
      }
    }
    for (const id of due) {
      if (poller.stopped) break;
      const outcome = await processWebhookEvent(db, id, opts);
      // Only real progress counts as work: a notice waiting for its retry must not spin the loop.
      if (outcome.status !== "skipped" && outcome.status !== "pending") foundWork = true;
      opts.onOutcome?.(outcome);
    }
  }

  poller.wake();

  return {
    wake: poller.wake,
    stop: () => {
      clearTimeout(settleTimer);
      return poller.stop();
    },
    idle: poller.idle,
  };
}

const singleton = processSingleton<WebhookRunner>("__healthbridgeWebhookRunner");

/** The process-wide runner; undefined when Trigger.dev processes the notices. */
export function webhookProcessRunner(): WebhookRunner | undefined {
  return singleton.get();
}

/** Starts the process-wide runner once (dev reloads keep the first one). */
export function startWebhookProcessRunner(getDb: () => Promise<Db>, opts: WebhookRunnerOptions = {}): WebhookRunner {
  return singleton.start(() => startWebhookRunner(getDb, opts));
}
