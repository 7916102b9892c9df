import { schedules, schemaTask } from "@trigger.dev/sdk";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { pushBeeminder, pushDueBeeminder } from "@/lib/destinations/beeminder/push";

/**
 * Thin wrappers over src/lib/destinations/beeminder/push.ts (tested there). Without Trigger.dev the
 * sync runner's tick runs `pushDueBeeminder` in-process (run.ts).
 */

export const pushBeeminderTask = schemaTask({
  id: "push-beeminder",
  schema: z.object({ userId: z.uuid(), lookbackDays: z.number().int().min(1).max(90).optional() }),
  queue: { concurrencyLimit: 5 },
  run: async ({ userId, lookbackDays }) => pushBeeminder(await getDb(), userId, { lookbackDays }),
});

/** Every 5 minutes: users whose data changed since their last pass, and everyone hourly (missed notices). */
export const pushBeeminderDueTask = schedules.task({
  id: "push-beeminder-due",
  cron: { pattern: "*/5 * * * *", timezone: "UTC" },
  run: async () => ({ users: await pushDueBeeminder(await getDb()) }),
});
