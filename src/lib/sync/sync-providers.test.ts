import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simData } from "../../../e2e/simulator/data/generator";
import { startSimulator, type RunningSimulator } from "../../../e2e/simulator/server";
import type { Db } from "@/lib/db";
import { activities, dailySummaries, measurements, providerConnections, rawRecords, sleepSessions, syncState } from "@/lib/db/schema";
import { transformFor } from "@/lib/normalize/providers";
import type { NormalizedBatch } from "@/lib/normalize/types";
import { engines, type TestDb } from "@/test/db";
import { runSync } from "./execute";
import { fetchers } from "./fetchers";
import { connectAs, newUser, useSimulatorEnv } from "./test-support";

/**
 * Every pull provider against the simulator over loopback HTTP, on PGlite and (with DATABASE_URL)
 * PostgreSQL: a first sync backfills the simulator's three years and lands exactly its records —
 * every raw record, and every normalized row with the values the provider's transform gives for
 * them — and a second sync changes nothing. The simulator's own rate limits are off here (their
 * handling has its own tests); ours too, so the file stays fast.
 */

let sim: RunningSimulator;
const saved = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  useSimulatorEnv(sim);
  simData(sim.state).enforceRateLimits = false;
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await sim?.close();
});

const PROVIDERS = ["strava", "oura", "whoop", "fitbit", "polar", "coros", "withings", "hevy", "eightsleep"] as const;
const accountOf = (provider: string) => (provider === "hevy" ? "lifter-1" : provider === "eightsleep" ? "sync-sleeper@example.test" : `sync-${provider}`);
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5 };

type Row = Record<string, unknown>;
const norm = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);

/** The columns an expected row sets, compared with the stored row. */
function sameColumns(stored: Row | undefined, expected: Row, what: string) {
  expect(stored, `${what} is missing`).toBeDefined();
  for (const [k, v] of Object.entries(expected)) {
    if (k === "userId") continue;
    expect(norm(stored![k]), `${what}.${k}`).toEqual(norm(v));
  }
}

/** The zone the engine used for a resource (its page zone for Withings measures, else the connection's). */
function zoneFor(provider: string, resource: string, account: string, metaZone: string | undefined): string | undefined {
  if (provider === "withings" && resource === "measures") return simData(sim.state).timezone(provider, account);
  if (provider === "eightsleep") return metaZone?.includes("/") ? metaZone : "UTC";
  return metaZone;
}

/** What the transforms make of every record the simulator serves: the union of all resources' batches. */
function expectedRows(provider: string, account: string, metaZone: string | undefined, fetchedAt: Date) {
  const out = emptyRows();
  for (const r of fetchers[provider].resources) {
    const records = simData(sim.state).expectedRecords(provider, account, r.resource);
    const transform = transformFor(provider, r.resource)!;
    const { batch, skipped } = transform(records, { timezone: zoneFor(provider, r.resource, account, metaZone), fetchedAt });
    expect(skipped, `${provider}/${r.resource} records the transform skipped`).toEqual([]);
    collect(out, batch);
  }
  return out;
}

function collect(out: ReturnType<typeof emptyRows>, batch: NormalizedBatch) {
  for (const a of batch.activities) out.activity.set(a.externalId, a as Row);
  for (const s of batch.sleepSessions) out.sleep.set(s.externalId, s as Row);
  for (const m of batch.measurements) out.measurement.set(`${m.type}|${m.measuredAt.toISOString()}`, m as Row);
  for (const r of batch.raw) out.raw.set(`${r.resource}|${r.externalId}`, r as Row);
  for (const d of batch.dailySummaries) {
    // Each resource fills its own columns of the day; the stored row is their union.
    const prev = out.daily.get(d.date) ?? {};
    const merged: Row = { ...prev };
    for (const [k, v] of Object.entries(d)) if (v !== null && v !== undefined && k !== "raw") merged[k] = v;
    merged.raw = { ...((prev.raw as Row) ?? {}), ...((d.raw as Row) ?? {}) };
    out.daily.set(d.date, merged);
  }
}
function emptyRows() {
  return { activity: new Map<string, Row>(), sleep: new Map<string, Row>(), measurement: new Map<string, Row>(), daily: new Map<string, Row>(), raw: new Map<string, Row>() };
}

async function storedRows(db: Db, userId: string, provider: string) {
  const mine = <T extends { userId: unknown; provider: unknown }>(t: T) => and(eq(t.userId as never, userId), eq(t.provider as never, provider));
  return {
    activity: new Map((await db.select().from(activities).where(mine(activities))).map((r) => [r.externalId, r as Row])),
    sleep: new Map((await db.select().from(sleepSessions).where(mine(sleepSessions))).map((r) => [r.externalId, r as Row])),
    measurement: new Map((await db.select().from(measurements).where(mine(measurements))).map((r) => [`${r.type}|${r.measuredAt.toISOString()}`, r as Row])),
    daily: new Map((await db.select().from(dailySummaries).where(mine(dailySummaries))).map((r) => [r.date, r as Row])),
    raw: new Map((await db.select().from(rawRecords).where(mine(rawRecords))).map((r) => [`${r.resource}|${r.externalId}`, r as Row])),
  };
}

describe.each(engines)("provider sync against the simulator ($name)", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  it.each(PROVIDERS)("%s: a three-year backfill lands exactly the served records, and a re-run changes nothing", async (provider) => {
    const account = accountOf(provider);
    const userId = await newUser(t.db, provider);
    const connection = await connectAs(t.db, sim, userId, provider, account);

    const first = await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast);
    expect(first.status, "error" in first ? String(first.error) : "").toBe("succeeded");
    if (first.status !== "succeeded") return;

    const [after] = await t.db.select().from(providerConnections).where(eq(providerConnections.id, connection.id));
    const metaZone = (after.meta as Row).timezone as string | undefined;
    const want = expectedRows(provider, account, metaZone, new Date());
    const got = await storedRows(t.db, userId, provider);

    expect(want.raw.size, "the simulator serves records").toBeGreaterThan(0);
    for (const table of ["raw", "activity", "sleep", "measurement", "daily"] as const) {
      expect([...got[table].keys()].sort(), `${provider} ${table} keys`).toEqual([...want[table].keys()].sort());
    }
    for (const [key, row] of want.raw) expect(got.raw.get(key)!.payload, `raw ${key}`).toEqual(row.payload);
    for (const table of ["activity", "sleep", "measurement", "daily"] as const) {
      for (const [key, row] of want[table]) sameColumns(got[table].get(key), row, `${provider} ${table} ${key}`);
    }
    const normalized = want.activity.size + want.sleep.size + want.measurement.size + want.daily.size;
    expect(first.counts.inserted).toBe(normalized);
    expect(first.counts.fetched).toBeGreaterThanOrEqual(want.raw.size);

    // Every resource finished its backfill.
    const states = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    expect(states.map((s) => s.resource).sort()).toEqual(fetchers[provider].resources.map((r) => r.resource).sort());
    for (const s of states) expect(s.backfillDone, `${s.resource} backfill done`).toBe(true);

    // Again: deltas with overlap re-read recent data, and nothing changes.
    const second = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(second.status).toBe("succeeded");
    if (second.status !== "succeeded") return;
    expect({ inserted: second.counts.inserted, updated: second.counts.updated }).toEqual({ inserted: 0, updated: 0 });
    const again = await storedRows(t.db, userId, provider);
    for (const table of ["raw", "activity", "sleep", "measurement", "daily"] as const) expect(again[table].size).toBe(got[table].size);
  });
});
