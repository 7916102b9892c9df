import type { Db } from "@/lib/db";
import { executeRun, type ExecuteOptions, type RunOutcome } from "./execute";
import type { SyncConnectionPayload } from "./payload";
import { createRun, STALE_AFTER_MS } from "./runs";

/**
 * The bodies of the Trigger.dev tasks (trigger/sync.ts is a thin wrapper around these), written
 * against a `waitUntil` so the task can use Trigger.dev's checkpointed `wait.until` and tests can
 * pass a plain timer.
 */

export type TaskHooks = { waitUntil: (date: Date) => Promise<void> };

/** How long a task keeps waiting for another run of the same connection (e.g. a stale one) to clear. */
const BUSY_WAIT_MS = 30_000;
const MAX_BUSY_WAITS = Math.ceil((STALE_AFTER_MS * 2) / BUSY_WAIT_MS);

/** `sync-connection`: executes the queued run (or queues one), waiting out reschedules in place. */
export async function runSyncConnectionTask(
  db: Db,
  payload: SyncConnectionPayload,
  hooks: TaskHooks,
  opts: ExecuteOptions = {},
): Promise<RunOutcome> {
  const runId =
    payload.runId ??
    (
      await createRun(db, {
        connectionId: payload.connectionId,
        trigger: payload.trigger ?? "manual",
        resources: payload.resources,
        from: payload.from ? new Date(payload.from) : null,
        to: payload.to ? new Date(payload.to) : null,
      })
    ).id;
  let busy = 0;
  for (;;) {
    const outcome = await executeRun(db, runId, opts);
    if (outcome.status === "rescheduled") {
      await hooks.waitUntil(outcome.runAfter);
      continue;
    }
    if (outcome.status === "busy" && outcome.retryAt) {
      await hooks.waitUntil(outcome.retryAt); // simply not due yet
      continue;
    }
    if (outcome.status === "busy" && ++busy <= MAX_BUSY_WAITS) {
      await hooks.waitUntil(new Date(Date.now() + BUSY_WAIT_MS));
      continue;
    }
    return outcome;
  }
}
