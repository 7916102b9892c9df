import { schedules, schemaTask } from "@trigger.dev/sdk";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { exportDueFhir, exportFhir } from "@/lib/destinations/fhir/push";

/**
 * Thin wrappers over src/lib/destinations/fhir/push.ts (tested there). Without Trigger.dev the sync
 * runner's tick runs `exportDueFhir` in-process (run.ts).
 */

export const exportFhirTask = schemaTask({
  id: "export-fhir",
  schema: z.object({ userId: z.uuid() }),
  queue: { concurrencyLimit: 2 },
  run: async ({ userId }) => exportFhir(await getDb(), userId),
});

/** Every 5 minutes: users with Observations updated since their last pass, or a pass to finish. */
export const exportFhirDueTask = schedules.task({
  id: "export-fhir-due",
  cron: { pattern: "*/5 * * * *", timezone: "UTC" },
  run: async () => ({ users: await exportDueFhir(await getDb()) }),
});
