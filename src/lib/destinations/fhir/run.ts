import type { Db } from "@/lib/db";
import { throttledPass } from "@/lib/jobs/throttled";
import { configuredFhirServer } from "./api";
import { exportDueFhir } from "./push";

/**
 * The in-process hook, beside the Beeminder one: the sync runner's tick calls this after
 * reconciling, so new Observations reach the FHIR server soon after they land. At most one pass at
 * a time and one start every 15 s; nothing when no server is configured.
 */
const pass = throttledPass("fhir-export", 15_000, (db) => exportDueFhir(db));

export const exportFhirAfterLanding = (db: Db, now?: number, everyMs?: number) => (configuredFhirServer() ? pass(db, now, everyMs) : null);
