import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { createApiKey } from "@/lib/api-keys";
import type { Db } from "@/lib/db";
import { activities, dailySummaries, measurements, rawRecords, sleepSessions, users } from "@/lib/db/schema";
import { handleIngest, type IngestOptions } from "./ingest";

/** Test helpers for the ingest suites (not a test file itself). */

export const FIXTURES = path.join(process.cwd(), "src/lib/ingest/fixtures");

export const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), "utf8");

let n = 0;

/** A fresh user with one API key. */
export async function userWithKey(db: Db, label = "user") {
  const [u] = await db
    .insert(users)
    .values({ email: `${label}-${Date.now()}-${n++}@example.test` })
    .returning({ id: users.id });
  const key = await createApiKey(db, u.id, "iPhone");
  return { userId: u.id, key: key.key, keyId: key.id };
}

export type PostOptions = {
  key?: string | null;
  headers?: Record<string, string>;
  query?: string;
  body?: BodyInit | null;
  opts?: Partial<IngestOptions>;
};

export const ingestUrl = (query = "") => `http://localhost:3000/api/webhooks/ingest${query}`;

/** POSTs `body` through handleIngest as a phone would, with the key in X-API-Key unless told otherwise. */
export async function post(db: Db, body: BodyInit | null, o: Omit<PostOptions, "body"> = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", ...o.headers };
  if (o.key) headers["x-api-key"] = o.key;
  const request = new Request(ingestUrl(o.query), { method: "POST", headers, body, duplex: "half" } as RequestInit);
  const res = await handleIngest(db, request, { maxBodyBytes: 10 * 1024 * 1024, limiter: null, ...o.opts });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert response bodies by value
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

const strip = <T extends Record<string, unknown>>(row: T) => {
  const out: Record<string, unknown> = { ...row };
  for (const k of ["id", "userId", "createdAt", "updatedAt", "fetchedAt"]) delete out[k];
  return out;
};

/** Every normalized row of a user, without ids and timestamps, in a stable order. */
export async function rowsOf(db: Db, userId: string) {
  const by = <T>(key: (r: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    activity: (await db.select().from(activities).where(eq(activities.userId, userId)))
      .map(strip)
      .sort(by((r) => String(r.externalId))),
    sleep_session: (await db.select().from(sleepSessions).where(eq(sleepSessions.userId, userId)))
      .map(strip)
      .sort(by((r) => String(r.externalId))),
    daily_summary: (await db.select().from(dailySummaries).where(eq(dailySummaries.userId, userId)))
      .map(strip)
      .sort(by((r) => `${r.provider}|${r.date}`)),
    // Local day, offset and interval end are asserted by the reconcile suites (src/lib/reconcile).
    measurement: (await db.select().from(measurements).where(eq(measurements.userId, userId)))
      .map(({ localDate: _d, utcOffsetMinutes: _o, endAt: _e, ...row }) => strip(row))
      .sort(by((r) => `${r.type}|${(r.measuredAt as Date).toISOString()}`)),
    raw_record: (await db.select().from(rawRecords).where(eq(rawRecords.userId, userId)))
      .map(strip)
      .sort(by((r) => `${r.resource}|${r.externalId}`)),
  };
}

/** Number of rows of every normalized table, all users. */
export async function totalRows(db: Db): Promise<number> {
  let total = 0;
  for (const t of [activities, sleepSessions, dailySummaries, measurements, rawRecords])
    total += (await db.select({ id: t.id }).from(t)).length;
  return total;
}

/** A daily_summary row with every metric column null unless given. */
export function daily(provider: string, date: string, values: Record<string, unknown> = {}) {
  return {
    provider,
    date,
    steps: null,
    distanceM: null,
    activeEnergyKcal: null,
    totalEnergyKcal: null,
    restingHr: null,
    avgHr: null,
    hrvRmssdMs: null,
    hrvSdnnMs: null,
    readinessScore: null,
    recoveryScore: null,
    strain: null,
    sleepScore: null,
    sleepS: null,
    spo2Pct: null,
    weightKg: null,
    raw: {},
    ...values,
  };
}

/** A measurement row; `at` is an ISO instant. */
export function m(type: string, at: string, value: unknown, unit: string, extra: Record<string, unknown> = {}) {
  return { provider: "apple_health", type, measuredAt: new Date(at), value, unit, source: null, raw: null, ...extra };
}
