import { schedules, schemaTask } from "@trigger.dev/sdk";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { sweepWebhookEvents } from "@/lib/webhooks/dispatch";
import { processWebhookEvent } from "@/lib/webhooks/process";

/**
 * Thin wrappers: the logic is in src/lib/webhooks (tested there). The receiving route stores every
 * notice before it answers, then triggers `process-webhook-event` by id.
 */

export const processWebhookEventTask = schemaTask({
  id: "process-webhook-event",
  schema: z.object({ eventId: z.uuid() }),
  retry: { maxAttempts: 5, minTimeoutInMs: 5_000, maxTimeoutInMs: 600_000, factor: 2, randomize: true },
  run: async ({ eventId }) => {
    const outcome = await processWebhookEvent(await getDb(), eventId);
    // A failed attempt left the row pending: throw so Trigger.dev retries it with backoff.
    if (outcome.status === "pending") throw new Error(outcome.detail);
    return outcome;
  },
});

/** Every 5 minutes: notices whose dispatch was lost (or whose retries ran out of task attempts). */
export const sweepWebhookEventsTask = schedules.task({
  id: "sweep-webhook-events",
  cron: { pattern: "*/5 * * * *", timezone: "UTC" },
  run: async () => ({ dispatched: (await sweepWebhookEvents(await getDb())).length }),
});
