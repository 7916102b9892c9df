import type { Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";
import { configuredFhirServer } from "./api";
import { exportDueFhir } from "./push";

/**
 * The in-process hook, beside the Beeminder one: the sync runner's tick calls this after
 * reconciling, so new Observations reach the FHIR server soon after they land. At most one pass at
 * a time and one start every `everyMs`; nothing when no server is configured.
 */

const EVERY_MS = 15_000;
let lastStart = 0;
let inFlight: Promise<void> | null = null;

export function exportFhirAfterLanding(db: Db, now = Date.now(), everyMs = EVERY_MS): Promise<void> | null {
  if (inFlight || now - lastStart < everyMs || !configuredFhirServer()) return null;
  lastStart = now;
  inFlight = exportDueFhir(db)
    .then(() => undefined)
    .catch((error: unknown) => console.error("[fhir-export]", errorSummary(error)))
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}
