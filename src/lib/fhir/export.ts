import { eq } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { ALL_KINDS } from "./codes";
import { deviceResource, patientResource, type Resource } from "./resources";
import { type Cursor, MAX_COUNT, type ObservationQuery, searchObservations, userSources } from "./search";

/**
 * The user's record as one FHIR R4 `collection` Bundle (Patient, Devices, every Observation), for
 * the account export: the same resources the API serves, walked page by page through the keyset.
 */
export async function fhirExportBundle(db: Db, userId: string, base: string, now = new Date()): Promise<Resource | null> {
  const [user] = await db.select({ id: users.id, name: users.name, email: users.email, tz: users.timeZone }).from(users).where(eq(users.id, userId));
  if (!user) return null;
  const resources: Resource[] = [patientResource(user), ...(await userSources(db, userId)).map((s) => deviceResource(userId, s))];
  const q: ObservationQuery = {
    kinds: ALL_KINDS,
    date: { lo: null, hi: null },
    lastUpdated: { lo: null, hi: null },
    device: null,
    subjectMatches: true,
    descending: false,
    count: MAX_COUNT,
    after: null,
  };
  let after: Cursor | null = null;
  for (;;) {
    const page = await searchObservations(db, userId, user.tz, q, { descending: false, after });
    resources.push(...page.items.map((i) => i.resource));
    if (!page.more || !page.items.length) break;
    after = page.items[page.items.length - 1].pos;
  }
  return {
    resourceType: "Bundle",
    type: "collection",
    timestamp: now.toISOString(),
    entry: resources.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r })),
  };
}
