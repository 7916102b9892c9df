import { schedules, schemaTask, wait } from "@trigger.dev/sdk";
import { getDb } from "@/lib/db";
import { syncConnectionPayload } from "@/lib/sync/payload";
import { queueSyncAll } from "@/lib/sync/schedule";
import { runSyncConnectionTask } from "@/lib/sync/tasks";

/**
 * Thin wrappers: all logic is in src/lib/sync (tested there). The app triggers `sync-connection` by
 * id with `concurrencyKey: connectionId`, so runs of one connection never overlap (the sync_run claim
 * guards that across processes too).
 */

export const syncConnectionTask = schemaTask({
  id: "sync-connection",
  schema: syncConnectionPayload,
  concurrency: { perKey: 1, total: 10 },
  retry: { maxAttempts: 3, minTimeoutInMs: 5_000, maxTimeoutInMs: 60_000, factor: 2, randomize: true },
  run: async (payload) =>
    runSyncConnectionTask(await getDb(), payload, {
      // Checkpointed: a 429's Retry-After or a used-up budget costs no compute while waiting.
      waitUntil: async (date) => {
        if (date.getTime() > Date.now()) await wait.until({ date });
      },
    }),
});

/** Hourly: one full run per active connection that has data to pull, fanned out in batches. */
export const syncAllTask = schedules.task({
  id: "sync-all",
  cron: { pattern: "0 * * * *", timezone: "UTC" },
  run: async () => {
    const runs = await queueSyncAll(await getDb(), "schedule");
    // batchTrigger takes up to 1,000 items per call (SDK ≥ 4.3.1).
    for (let i = 0; i < runs.length; i += 1000) {
      await syncConnectionTask.batchTrigger(
        runs.slice(i, i + 1000).map((run) => ({
          payload: { connectionId: run.connectionId, runId: run.id, trigger: "schedule" as const },
          options: { concurrencyKey: run.connectionId, idempotencyKey: run.id },
        })),
      );
    }
    return { queued: runs.length };
  },
});
