import type { Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";
import { pushDueBeeminder } from "./push";

/**
 * The in-process hook: the sync runner's tick calls this after reconciling, so datapoints go out
 * right after data lands (a notice → narrow sync → reconcile → here) and the hourly catch-up
 * happens without a scheduler. At most one pass every `everyMs`; failures are logged, never thrown.
 */

const EVERY_MS = 10_000;
let lastStart = 0;

export async function pushBeeminderAfterLanding(db: Db, now = Date.now(), everyMs = EVERY_MS): Promise<void> {
  if (now - lastStart < everyMs) return;
  lastStart = now;
  await pushDueBeeminder(db).catch((error: unknown) => console.error("[beeminder]", errorSummary(error)));
}
