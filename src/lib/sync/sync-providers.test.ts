import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simData } from "@sim/data/generator";
import { syncState } from "@/lib/db/schema";
import { engines, type TestDb } from "@/test/db";
import { runSync } from "./execute";
import { pullProvider } from "@/lib/providers";
import { connectAs, newUser } from "./test-support";
import { simulatorForFile } from "./test-simulator";
import { landedDifferences, storedTables, TABLES } from "./test-landed";
import { oracleDifferences } from "./test-oracle";

/**
 * Every pull provider against the simulator over loopback HTTP, on PGlite and (with DATABASE_URL)
 * PostgreSQL: a first sync backfills the simulator's three years and lands exactly its records —
 * every raw record, and every normalized row with the values the provider's transform gives for
 * them — and a second sync changes nothing. The simulator's own rate limits are off here (their
 * handling has its own tests); ours too, so the file stays fast.
 */

const simulator = simulatorForFile();

const PROVIDERS = ["strava", "oura", "whoop", "google_health", "polar", "coros", "withings", "hevy", "eightsleep"] as const;
/**
 * One record from a day ago, added before the first sync: the generated history has rest days
 * (Strava: no activity in three days on ~8% of dates), and a re-run's overlap must have something to
 * re-read whatever the date. 26 h back is still "today or earlier" in every zone (UTC+14 included).
 */
const RECENT: Partial<Record<(typeof PROVIDERS)[number], string>> = {
  strava: "activities",
  oura: "workout",
  whoop: "workout",
  google_health: "exercise",
  polar: "exercises",
  coros: "sport_list",
  withings: "workouts",
  hevy: "workouts",
};
const accountOf = (provider: string) => (provider === "hevy" ? "lifter-1" : provider === "eightsleep" ? "sync-sleeper@example.test" : `sync-${provider}`);
/** The simulator serves three years (its default): reaching back a little further finds nothing more. */
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 1100 };
/** Two three-year syncs: Oura's (heart rate in 500-sample pages) takes ~30 s idle, over 75 s on a loaded box. */
const SYNC_TIMEOUT_MS = 360_000;

describe.each(engines)("provider sync against the simulator ($name)", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  it.each(PROVIDERS)("%s: a three-year backfill lands exactly the served records, and a re-run changes nothing", async (provider) => {
    const account = accountOf(provider);
    const userId = await newUser(t.db, provider);
    const connection = await connectAs(t.db, simulator.sim, userId, provider, account);
    const recent = RECENT[provider];
    if (recent) simData(simulator.sim.state).mutate({ op: "add", provider, account, resource: recent, at: Date.now() - 26 * 3_600_000 });

    const first = await runSync(t.db, { connectionId: connection.id, trigger: "connect" }, fast);
    expect(first.status, "error" in first ? String(first.error) : "").toBe("succeeded");
    if (first.status !== "succeeded") return;

    const landed = await landedDifferences(t.db, simulator.sim, { userId, provider, account, connectionId: connection.id });
    expect(landed.skipped, "records the transforms could not use").toEqual([]);
    expect(landed.counts.raw, "the simulator serves records").toBeGreaterThan(0);
    expect(landed.differences).toEqual(Object.fromEntries(TABLES.map((t) => [t, []])));
    expect(await oracleDifferences(t.db, simulator.sim, { userId, provider, account }), "stored vs the vendor's own semantics").toEqual([]);
    const normalized = landed.counts.activity + landed.counts.sleep + landed.counts.measurement + landed.counts.daily;
    expect(first.counts.inserted).toBe(normalized);
    expect(first.counts.fetched).toBeGreaterThanOrEqual(landed.counts.raw);

    // Every resource finished its backfill.
    const states = await t.db.select().from(syncState).where(eq(syncState.connectionId, connection.id));
    expect(states.map((s) => s.resource).sort()).toEqual(pullProvider(provider)!.fetcher.resources.map((r) => r.resource).sort());
    for (const s of states) expect(s.backfillDone, `${s.resource} backfill done`).toBe(true);

    // Again: deltas with overlap re-read recent data, and nothing changes.
    const before = await storedTables(t.db, userId, provider);
    const second = await runSync(t.db, { connectionId: connection.id, trigger: "manual" }, fast);
    expect(second.status).toBe("succeeded");
    if (second.status !== "succeeded") return;
    expect(second.counts.fetched).toBeGreaterThan(0);
    expect({ inserted: second.counts.inserted, updated: second.counts.updated }).toEqual({ inserted: 0, updated: 0 });
    const after = await storedTables(t.db, userId, provider);
    for (const table of TABLES) expect(after[table].size, table).toBe(before[table].size);
  }, SYNC_TIMEOUT_MS);
});
