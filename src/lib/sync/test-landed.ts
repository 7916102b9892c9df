import { and, eq } from "drizzle-orm";
import { simData } from "@sim/data/generator";
import type { RunningSimulator } from "@sim/server";
import type { Db } from "@/lib/db";
import { activities, dailySummaries, measurements, providerConnections, rawRecords, sleepSessions } from "@/lib/db/schema";
import type { NormalizedBatch } from "@/lib/normalize/types";
import { pullProvider } from "@/lib/providers";

/**
 * For the sync tests (not a test file): what a complete sync of (provider, account) must leave in
 * the database — every record the simulator serves now, as raw records, and the rows the provider's
 * transforms make of them — compared with what is stored. The transforms are pure and tested on
 * their own; this checks that the engine delivered every record, once, to the right user.
 */

type Row = Record<string, unknown>;
export type Tables = Record<"raw" | "activity" | "sleep" | "measurement" | "daily", Map<string, Row>>;
export const TABLES = ["raw", "activity", "sleep", "measurement", "daily"] as const;

const norm = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);
/** JSON with sorted keys (jsonb does not keep key order). */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );

const empty = (): Tables => ({ raw: new Map(), activity: new Map(), sleep: new Map(), measurement: new Map(), daily: new Map() });

function collect(out: Tables, batch: NormalizedBatch): void {
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

/** The zone the engine used for a resource: its page zone for Withings measures, else the connection's. */
function zoneFor(sim: RunningSimulator, provider: string, resource: string, account: string, metaZone: string | undefined): string | undefined {
  if (provider === "withings" && resource === "measures") return simData(sim.state).timezone(provider, account);
  if (provider === "eightsleep") return metaZone?.includes("/") ? metaZone : "UTC";
  return metaZone;
}

/** What the transforms make of every record the simulator serves now, plus the records they skipped. */
export function expectedTables(sim: RunningSimulator, provider: string, account: string, metaZone: string | undefined): { tables: Tables; skipped: string[] } {
  const out = empty();
  const skipped: string[] = [];
  const pull = pullProvider(provider)!;
  for (const r of pull.fetcher.resources) {
    // As they cross the wire (JSON has no -0, no undefined).
    const records = JSON.parse(JSON.stringify(simData(sim.state).expectedRecords(provider, account, r.resource))) as unknown[];
    const result = pull.transforms[r.resource](records, { timezone: zoneFor(sim, provider, r.resource, account, metaZone), fetchedAt: new Date() });
    for (const s of result.skipped) skipped.push(`${r.resource}: ${s.reason}`);
    collect(out, result.batch);
  }
  return { tables: out, skipped };
}

export async function storedTables(db: Db, userId: string, provider: string): Promise<Tables> {
  const mine = <T extends { userId: unknown; provider: unknown }>(t: T) => and(eq(t.userId as never, userId), eq(t.provider as never, provider));
  return {
    raw: new Map((await db.select().from(rawRecords).where(mine(rawRecords))).map((r) => [`${r.resource}|${r.externalId}`, r as Row])),
    activity: new Map((await db.select().from(activities).where(mine(activities))).map((r) => [r.externalId, r as Row])),
    sleep: new Map((await db.select().from(sleepSessions).where(mine(sleepSessions))).map((r) => [r.externalId, r as Row])),
    measurement: new Map((await db.select().from(measurements).where(mine(measurements))).map((r) => [`${r.type}|${r.measuredAt.toISOString()}`, r as Row])),
    daily: new Map((await db.select().from(dailySummaries).where(mine(dailySummaries))).map((r) => [r.date, r as Row])),
  };
}

/** Stored rows whose columns differ from what is expected (first few), and keys missing or extra. */
export function differences(stored: Map<string, Row>, expected: Map<string, Row>, limit = 5): string[] {
  const out: string[] = [];
  for (const key of expected.keys()) if (!stored.has(key) && out.length < limit) out.push(`missing ${key}`);
  for (const key of stored.keys()) if (!expected.has(key) && out.length < limit) out.push(`unexpected ${key}`);
  for (const [key, want] of expected) {
    if (out.length >= limit) break;
    const got = stored.get(key);
    if (!got) continue;
    for (const [k, v] of Object.entries(want)) {
      if (k === "userId") continue;
      const a = norm(got[k]);
      const b = norm(v);
      if (a !== b && canon(a) !== canon(b)) {
        out.push(`${key}.${k}: stored ${canon(a).slice(0, 200)}, expected ${canon(b).slice(0, 200)}`);
        break;
      }
    }
  }
  return out;
}

/**
 * Everything that differs between the database and a complete sync of (provider, account), per
 * table; all empty when the sync landed exactly the served records.
 */
export async function landedDifferences(
  db: Db,
  sim: RunningSimulator,
  args: { userId: string; provider: string; account: string; connectionId: string },
): Promise<{ counts: Record<string, number>; differences: Record<string, string[]>; skipped: string[] }> {
  const [connection] = await db.select().from(providerConnections).where(eq(providerConnections.id, args.connectionId));
  const metaZone = (connection.meta as Row).timezone as string | undefined;
  const want = expectedTables(sim, args.provider, args.account, metaZone);
  const got = await storedTables(db, args.userId, args.provider);
  return {
    counts: Object.fromEntries(TABLES.map((t) => [t, want.tables[t].size])),
    differences: Object.fromEntries(TABLES.map((t) => [t, differences(got[t], want.tables[t])])),
    skipped: want.skipped,
  };
}
