import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { findConnection } from "@/lib/connections/store";
import type { Db } from "@/lib/db";
import { providerConnections, syncRuns } from "@/lib/db/schema";
import { authenticate, type FhirOptions, isRefusal } from "@/lib/fhir/api";
import { dayStart } from "@/lib/fhir/resources";
import { addDays, localDateAt, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { notPulledReason, PROVIDER_IDS, providers } from "@/lib/providers";
import { enqueueSync, SyncRequestError } from "./enqueue";
import type { SyncRun } from "./runs";

/**
 * `POST /api/sync` and `GET /api/sync/{run}` for API clients (the PHR app): "sync now" with a
 * personal access token, then poll the run. Only a bearer token is accepted here, never the
 * session cookie, so no other site can make a signed-in browser trigger syncs.
 */

const SyncBody = z
  .object({
    provider: z.enum(PROVIDER_IDS, { message: `provider must be one of ${PROVIDER_IDS.join(", ")}` }),
    date: z.iso.date({ message: "date must be a calendar date, YYYY-MM-DD" }).optional(),
  })
  .strict();

export type SyncRunView = {
  id: string;
  provider: string;
  status: SyncRun["status"];
  trigger: SyncRun["trigger"];
  /** The window asked for (a `date` sync), else null: deltas plus any unfinished backfill. */
  window: { from: string; to: string } | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  counts: { fetched: number; inserted: number; updated: number; unchanged: number };
  error: string | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function runView(run: SyncRun, provider: string): SyncRunView {
  return {
    id: run.id,
    provider,
    status: run.status,
    trigger: run.trigger,
    window: run.windowFrom && run.windowTo ? { from: run.windowFrom.toISOString(), to: run.windowTo.toISOString() } : null,
    queued_at: run.queuedAt.toISOString(),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    counts: { fetched: run.fetched, inserted: run.inserted, updated: run.updated, unchanged: run.unchanged },
    error: run.error,
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

async function bearerCaller(db: Db, request: Request, o: FhirOptions) {
  if (!request.headers.get("authorization"))
    return json(401, { error: "send a personal access token as Authorization: Bearer <token>" }, { "www-authenticate": 'Bearer realm="fhir"' });
  const caller = await authenticate(db, request, { ...o, sessionUserId: async () => null });
  return isRefusal(caller) ? json(caller.status, { error: caller.why }, caller.headers) : caller;
}

async function guarded(name: string, f: () => Promise<Response>): Promise<Response> {
  try {
    return await f();
  } catch (e) {
    console.error(`${name}: request failed`, e instanceof Error ? e.name : "unknown");
    return json(500, { error: "the server could not answer this request" });
  }
}

/** Queues a manual run of the caller's connection to `provider` (one day in their zone with `date`): 202 {run}. */
export function syncNowRequest(db: Db, request: Request, o: FhirOptions): Promise<Response> {
  return guarded("sync api", async () => {
    const caller = await bearerCaller(db, request, o);
    if (caller instanceof Response) return caller;
    let raw: unknown;
    try {
      raw = await request.json();
    } catch {
      return json(400, { error: 'the body must be JSON: {"provider": "<id>", "date": "YYYY-MM-DD"?}' });
    }
    const parsed = SyncBody.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return json(400, { error: issue.code === "unrecognized_keys" ? `${issue.message}; the body has provider and an optional date` : issue.message });
    }
    const { provider, date } = parsed.data;
    const name = providers[provider].name;
    const notPulled = notPulledReason(provider);
    if (notPulled) return json(409, { error: notPulled });
    const connection = await findConnection(db, caller.userId, provider);
    if (!connection) return json(404, { error: `${name} is not connected` });
    if (connection.status !== "active") return json(409, { error: `${name} needs to be reconnected first` });
    let window: { from: Date; to: Date } | null = null;
    if (date) {
      const now = o.now?.() ?? new Date();
      const today = localDateAt(now, zoneOffsetMinutes(caller.tz, now));
      if (date > today) return json(400, { error: `date ${date} is in the future (today is ${today} in ${caller.tz})` });
      window = { from: new Date(dayStart(date, caller.tz)), to: new Date(dayStart(addDays(date, 1), caller.tz)) };
    }
    try {
      const { runId } = await enqueueSync(db, { connectionId: connection.id, trigger: "manual", ...(window ?? {}) });
      const [run] = await db.select().from(syncRuns).where(eq(syncRuns.id, runId));
      return json(202, { run: runView(run, provider) }, { location: new URL(`/api/sync/${runId}`, request.url).toString() });
    } catch (e) {
      if (e instanceof SyncRequestError) return json(400, { error: e.message });
      throw e;
    }
  });
}

const RunId = z.uuid();

/** One of the caller's runs; another user's run is as unknown as a missing one. */
export function syncRunRequest(db: Db, request: Request, runId: string, o: FhirOptions): Promise<Response> {
  return guarded("sync api", async () => {
    const caller = await bearerCaller(db, request, o);
    if (caller instanceof Response) return caller;
    if (!RunId.safeParse(runId).success) return json(404, { error: "no such sync run" });
    const [row] = await db
      .select({ run: syncRuns, provider: providerConnections.provider })
      .from(syncRuns)
      .innerJoin(providerConnections, eq(providerConnections.id, syncRuns.connectionId))
      .where(and(eq(syncRuns.id, runId), eq(syncRuns.userId, caller.userId)));
    if (!row) return json(404, { error: "no such sync run" });
    return json(200, { run: runView(row.run, row.provider) });
  });
}
