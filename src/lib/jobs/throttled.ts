import type { Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";

/**
 * A pass the sync runner's tick starts beside itself (destinations: Beeminder, the FHIR export): at
 * most one at a time and one start every `everyMs`, its failures logged under `label`, so a slow
 * destination never holds up syncs. The returned function answers null when it did not start.
 */
export function throttledPass(label: string, defaultEveryMs: number, pass: (db: Db) => Promise<unknown>) {
  let lastStart = 0;
  let inFlight: Promise<void> | null = null;
  return (db: Db, now = Date.now(), everyMs = defaultEveryMs): Promise<void> | null => {
    if (inFlight || now - lastStart < everyMs) return null;
    lastStart = now;
    inFlight = pass(db)
      .then(() => undefined)
      .catch((error: unknown) => console.error(`[${label}]`, errorSummary(error)))
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}
