import { eq, sql } from "drizzle-orm";
import { sha256Hex } from "@/lib/crypto";
import type { Db } from "@/lib/db";
import { fhirExports, users } from "@/lib/db/schema";
import { errorSummary } from "@/lib/db/schema-state";
import { exponentialBackoff, nextAttemptAt } from "@/lib/jobs/backoff";
import { ALL_KINDS } from "@/lib/fhir/codes";
import { reconcilePending } from "@/lib/reconcile/store";
import { deviceResource, patientResource, type Resource } from "@/lib/fhir/resources";
import { countObservations, type Cursor, type ObservationQuery, searchObservations, userSources } from "@/lib/fhir/search";
import { configuredFhirServer, type FhirServer, FhirExportError, postTransaction } from "./api";
import { rowsOf } from "@/lib/db/rows";

/**
 * Export to a FHIR server, for the users who turned it on (Settings: "Send my data to <host>"; off by
 * default, `fhir_export.consented_at`): each user's Observations updated since the last pass go out as
 * transaction Bundles, each Observation a conditional create on a Healthbridge identifier
 * (`ifNoneExist: identifier=system|value`), so a replay (a crash after the server accepted a Bundle
 * but before we stored it, or a pass that re-reads an overlap) never makes a duplicate.
 *
 * A pass covers updates in [exportedThrough, passUntil) and walks them in the search's keyset order;
 * after every accepted Bundle the position is stored, so a crash resumes at the next Bundle. A failure
 * stops the pass and schedules the next attempt with exponential backoff (or the server's
 * Retry-After); nothing sleeps in-process. Values that change after they were exported stay as first
 * sent (a create never overwrites). Turning the export off stops it before the next Bundle; what the
 * server already holds stays there.
 */

/** The identifier every exported Observation carries first: unique per user on a shared server. */
export const HB_EXPORT_ID = "urn:healthbridge:fhir:observation";

const BATCH = 200;
const BUNDLES_PER_PASS = 20;
/** Updates this recent wait for the next pass: a write still committing may carry an earlier updated_at. */
const SETTLE_MS = 30_000;

export type ExportOptions = {
  now?: Date;
  server?: FhirServer | null;
  batchSize?: number;
  maxBundles?: number;
  settleMs?: number;
};
/** `off`: no server configured (or no such user); `not_opted_in`: the user has not turned the export on. */
export type ExportResult = { status: "off" | "not_opted_in" | "waiting" | "exported" | "failed"; sent: number; created: number; error: string | null };

/**
 * The user's switch. On: due at once, and everything not yet on the server goes (past Observations
 * included). Off: no further Bundle; the cursor stays, so turning it on again resumes where it stopped.
 */
export async function setFhirExportConsent(db: Db, userId: string, on: boolean, now = new Date()): Promise<void> {
  const values = on ? { consentedAt: now } : { consentedAt: null, lastError: null, failures: 0, retryAt: null };
  await db
    .insert(fhirExports)
    .values({ userId, ...values })
    .onConflictDoUpdate({ target: fhirExports.userId, set: on ? { consentedAt: sql`coalesce(${fhirExports.consentedAt}, ${now.toISOString()}::timestamptz)` } : values });
}

const consented = async (db: Db, userId: string) =>
  (await db.select({ at: fhirExports.consentedAt }).from(fhirExports).where(eq(fhirExports.userId, userId)))[0]?.at != null;

/** The next attempt's delay after `failures` failures in a row: 30 s, 1 min, 2 min, … at most 1 h. */
export const backoffMs = exponentialBackoff(30_000, 3_600_000);

/** A Device id on the shared server: ours are per provider, so two users' "oura" would collide. */
export const exportDeviceId = (userId: string, ourId: string) => `hb-${sha256Hex(`${userId}|${ourId}`).slice(0, 40)}`;

/** The ifNoneExist query for an identifier (each part encoded, the `|` literal as FHIR token syntax). */
export const identifierQuery = (i: { system: string; value: string }) => `identifier=${encodeURIComponent(i.system)}|${encodeURIComponent(i.value)}`;

/** The server's copy of one of our Observations: no id (it assigns its own), our Devices renamed. */
export function exportedObservation(userId: string, o: Resource): Resource {
  const { id, meta, ...rest } = o;
  // The server keeps its own lastUpdated (and versionId).
  const keptMeta = { ...meta };
  delete keptMeta.lastUpdated;
  const device = rest.device?.reference?.replace(/^Device\//, "");
  return {
    ...rest,
    ...(Object.keys(keptMeta).length ? { meta: keptMeta } : {}),
    identifier: [{ system: HB_EXPORT_ID, value: `${userId}/${id}` }, ...(rest.identifier ?? [])],
    ...(device ? { device: { reference: `Device/${exportDeviceId(userId, device)}` } } : {}),
  };
}

/** One transaction: the Patient and the Devices it references as updates (idempotent), then the creates. */
export function transactionBundle(patient: Resource, devices: Resource[], observations: Resource[]): Resource {
  const userId = patient.id as string;
  const put = (r: Resource) => ({ fullUrl: `${r.resourceType}/${r.id}`, resource: r, request: { method: "PUT", url: `${r.resourceType}/${r.id}` } });
  const wanted = new Set(observations.map((o) => o.device?.reference?.replace(/^Device\//, "")).filter(Boolean));
  const deviceCopies = devices
    .map((d) => ({ ...d, id: exportDeviceId(userId, d.id) }))
    .filter((d) => wanted.has(d.id));
  return {
    resourceType: "Bundle",
    type: "transaction",
    entry: [
      put(patient),
      ...deviceCopies.map(put),
      ...observations.map((o) => ({
        fullUrl: `urn:uuid:${uuidFrom(o.identifier[0].value)}`,
        resource: o,
        request: { method: "POST", url: "Observation", ifNoneExist: identifierQuery(o.identifier[0]) },
      })),
    ],
  };
}

/** A stable uuid-shaped name for a Bundle entry (fullUrl must be unique within the Bundle). */
function uuidFrom(s: string): string {
  const h = sha256Hex(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const allSince = (lo: Date | null, hi: Date | null, count: number): ObservationQuery => ({
  kinds: ALL_KINDS,
  date: { lo: null, hi: null },
  lastUpdated: { lo: lo?.getTime() ?? null, hi: hi?.getTime() ?? null },
  device: null,
  subjectMatches: true,
  descending: false,
  count,
  after: null,
});

/** One user's pass (or the rest of it): up to `maxBundles` Bundles. */
export async function exportFhir(db: Db, userId: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const server = opts.server === undefined ? configuredFhirServer() : opts.server;
  if (!server) return { status: "off", sent: 0, created: 0, error: null };
  const now = opts.now ?? new Date();
  const [user] = await db.select({ id: users.id, name: users.name, email: users.email, tz: users.timeZone }).from(users).where(eq(users.id, userId));
  if (!user) return { status: "off", sent: 0, created: 0, error: null };
  let [state] = await db.select().from(fhirExports).where(eq(fhirExports.userId, userId));
  if (!state?.consentedAt) return { status: "not_opted_in", sent: 0, created: 0, error: null };
  if (state.retryAt && state.retryAt > now) return { status: "waiting", sent: 0, created: 0, error: state.lastError };
  if (!state.passUntil) {
    // Days waiting to be reconciled get their daily values now, so they fall inside this pass.
    await reconcilePending(db, userId);
    // The database's clock, like the updated_at it is compared with; whole milliseconds, as the search bounds are.
    [state] = await db
      .update(fhirExports)
      .set({ passUntil: sql`date_trunc('milliseconds', now() - ${`${(opts.settleMs ?? SETTLE_MS) / 1000} seconds`}::interval)`, passAfter: null })
      .where(eq(fhirExports.userId, userId))
      .returning();
  }
  const passUntil = state.passUntil!;
  const patient = patientResource(user);
  const devices = (await userSources(db, userId)).map((s) => deviceResource(userId, s));
  const q = allSince(state.exportedThrough, passUntil, opts.batchSize ?? BATCH);
  let after: Cursor | null = state.passAfter ?? null;
  let sent = 0;
  let created = 0;
  for (let i = 0; i < (opts.maxBundles ?? BUNDLES_PER_PASS); i++) {
    // Turned off meanwhile (the pass may be long): not one Bundle more.
    if (i > 0 && !(await consented(db, userId))) return { status: "not_opted_in", sent, created, error: null };
    const page = await searchObservations(db, userId, user.tz, q, { descending: false, after });
    if (page.items.length) {
      const observations = page.items.map((it) => exportedObservation(userId, it.resource));
      try {
        const response = await postTransaction(server, transactionBundle(patient, devices, observations), now.getTime());
        const obsEntries = response.entry.slice(response.entry.length - observations.length);
        const made = obsEntries.filter((e: Resource) => /^201\b/.test(String(e.response?.status ?? ""))).length;
        sent += observations.length;
        created += made;
        after = page.items[page.items.length - 1].pos;
        await db
          .update(fhirExports)
          .set({ passAfter: after, created: sql`${fhirExports.created} + ${made}`, lastExportAt: now, lastError: null, failures: 0, retryAt: null })
          .where(eq(fhirExports.userId, userId));
      } catch (error) {
        const message = error instanceof FhirExportError ? error.message : `The export failed: ${errorSummary(error)}`;
        const failures = state.failures + 1;
        const retryAt = nextAttemptAt(now, backoffMs, failures, error instanceof FhirExportError ? error.retryAfterMs : 0);
        await db
          .update(fhirExports)
          .set({ lastError: message, failures, retryAt })
          .where(eq(fhirExports.userId, userId));
        return { status: "failed", sent, created, error: message };
      }
    }
    if (!page.more) {
      await db.update(fhirExports).set({ exportedThrough: passUntil, passUntil: null, passAfter: null }).where(eq(fhirExports.userId, userId));
      break;
    }
  }
  return { status: "exported", sent, created, error: null };
}

/**
 * Users who turned the export on, with something to send and no pending backoff: a pass in
 * progress, never exported, or data updated since their cursor. Each EXISTS is one probe of a
 * (user_id, updated_at) index: the cursor is a plain bound (-infinity when never exported), not an
 * OR the planner could only apply as a filter over every row of the user.
 */
export async function exportDueFhir(db: Db, opts: ExportOptions & { limit?: number } = {}): Promise<number> {
  const server = opts.server === undefined ? configuredFhirServer() : opts.server;
  if (!server) return 0;
  const now = opts.now ?? new Date();
  const changed = (table: string) =>
    sql`EXISTS (SELECT 1 FROM ${sql.raw(table)} t WHERE t.user_id = e.user_id AND t.updated_at >= coalesce(e.exported_through, '-infinity'::timestamptz))`;
  const rows = await db.execute(sql`
    SELECT e.user_id::text AS id FROM fhir_export e
    WHERE e.consented_at IS NOT NULL
      AND (e.retry_at IS NULL OR e.retry_at <= ${now.toISOString()}::timestamptz)
      AND (e.pass_until IS NOT NULL OR ${changed("measurement")} OR ${changed("daily_value")} OR ${changed("reconciled_activity")})
    ORDER BY e.last_export_at NULLS FIRST LIMIT ${opts.limit ?? 20}`);
  const due = rowsOf<{ id: string }>(rows);
  for (const { id } of due) await exportFhir(db, id, { ...opts, server }).catch((error: unknown) => console.error("[fhir-export]", errorSummary(error)));
  return due.length;
}

export type ExportStatus = {
  /** The user turned the export on ("Send my data to <host>"). */
  enabled: boolean;
  lastExportAt: Date | null;
  /** Observations updated since the last finished pass (a pass in progress counts what it has sent too). */
  pending: number;
  created: number;
  lastError: string | null;
  retryAt: Date | null;
};

/** What Settings shows; null when no FHIR server is configured. */
export async function fhirExportStatus(db: Db, userId: string, server: FhirServer | null = configuredFhirServer()): Promise<ExportStatus | null> {
  if (!server) return null;
  const [user] = await db.select({ tz: users.timeZone }).from(users).where(eq(users.id, userId));
  if (!user) return null;
  const [state] = await db.select().from(fhirExports).where(eq(fhirExports.userId, userId));
  const pending = await countObservations(db, userId, user.tz, allSince(state?.exportedThrough ?? null, null, 1));
  return { enabled: state?.consentedAt != null, lastExportAt: state?.lastExportAt ?? null, pending, created: state?.created ?? 0, lastError: state?.lastError ?? null, retryAt: state?.retryAt ?? null };
}
