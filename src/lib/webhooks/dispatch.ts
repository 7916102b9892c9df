import type { Db } from "@/lib/db";
import { env } from "@/lib/env";
import { dueWebhookEvents, pruneWebhookEvents, webhookProcessRunner } from "./runner";

/** The payload of the `process-webhook-event` task (trigger/webhooks.ts), named here so no import cycle forms. */
export type ProcessWebhookPayload = { eventId: string };

/**
 * Hands stored notices to whoever processes them, after the acknowledgement: Trigger.dev (task
 * `process-webhook-event`, one run per notice, idempotent by event id) when TRIGGER_SECRET_KEY is
 * set, otherwise the in-process runner. If this step is lost (crash, Trigger.dev unreachable), the
 * rows stay pending and are picked up by the runner's poll or the `sweep-webhook-events` schedule.
 */
export async function dispatchWebhookEvents(eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  if (env().TRIGGER_SECRET_KEY) {
    const { tasks } = await import("@trigger.dev/sdk");
    await tasks.batchTrigger(
      "process-webhook-event",
      eventIds.map((eventId) => ({ payload: { eventId } satisfies ProcessWebhookPayload, options: { idempotencyKey: `webhook-event-${eventId}` } })),
    );
    return;
  }
  webhookProcessRunner()?.wake();
}

/** `sweep-webhook-events` (Trigger.dev only): re-dispatches notices whose dispatch was lost; prunes old ones. */
export async function sweepWebhookEvents(db: Db): Promise<string[]> {
  await pruneWebhookEvents(db);
  const due = await dueWebhookEvents(db, new Date(), 500);
  if (!env().TRIGGER_SECRET_KEY || due.length === 0) return due;
  const { tasks } = await import("@trigger.dev/sdk");
  // Without idempotency keys: the first dispatch of these ids is known not to have finished them.
  await tasks.batchTrigger(
    "process-webhook-event",
    due.map((eventId) => ({ payload: { eventId } satisfies ProcessWebhookPayload })),
  );
  return due;
}
