import type { Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";
import { pushDueBeeminder } from "./push";

/**
 * The in-process hook: the sync runner's tick calls this after reconciling, so datapoints go out
 * right after data lands (a notice → narrow sync → reconcile → here) and the hourly catch-up
 * happens without a scheduler. At most one pass at a time and one start every `everyMs`; it runs
 * beside the tick (a slow or rate-limited Beeminder never holds up syncs) and logs its failures.
 */

const EVERY_MS = 10_000;
let lastStart = 0;
let inFlight: Promise<void> | null = null;

export function pushBeeminderAfterLanding(db: Db, now = Date.now(), everyMs = EVERY_MS): Promise<void> | null {
  if (inFlight || now - lastStart < everyMs) return null;
  lastStart = now;
  inFlight = pushDueBeeminder(db)
    .then(() => undefined)
    .catch((error: unknown) => console.error("[beeminder]", errorSummary(error)))
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}
