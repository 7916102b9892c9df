import { desc, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { disconnect } from "@/lib/connections/disconnect";
import { activities, reconciledActivities, reconciledSleep, sleepSessions } from "@/lib/db/schema";
import { post, userWithKey } from "@/lib/ingest/testing";
import { runSync } from "@/lib/sync/execute";
import { applySimulatorEnv, connectAs } from "@/lib/sync/test-support";
import { testDb, type TestDb } from "@/test/db";
import { dailySeries } from "./read";
import { reconcilePending } from "./store";

/**
 * The reconciled record fed by the sync path (the simulator over HTTP) and the phone ingest at once:
 * a run recorded by Strava and both phone bridges, a night from Oura and Apple Health, and a
 * disconnect that deletes a provider's data.
 */

let sim: RunningSimulator;
let t: TestDb;
const savedEnv = { ...process.env };
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 30, timeoutMs: 30_000 };
const ACCOUNT = `reconcile-${Date.now().toString(36)}`;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  applySimulatorEnv(sim);
  t = await testDb();
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await sim?.close();
  await t?.close();
});

async function admin(path: string, body: unknown) {
  const res = await fetch(`${sim.url}/__admin${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as { mutation: { record: Record<string, unknown> } };
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json.mutation.record;
}

const hae = (metrics: unknown[], workouts: unknown[] = []) => JSON.stringify({ data: { metrics, workouts } });
/** "2024-05-05 07:00:00 +0000" */
const haeDate = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} +0000`;

it("one run from Strava (synced), Apple Health and Health Connect is one workout; disconnecting Strava with its data leaves the other two", async () => {
  const u = await userWithKey(t.db, "sync-run");
  const strava = await connectAs(t.db, sim, u.userId, "strava", ACCOUNT);
  const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000 + 3 * 3_600_000; // 03:00 UTC three days ago, before any generated workout
  const record = await admin("/data/mutations", {
    op: "add",
    provider: "strava",
    account: ACCOUNT,
    resource: "activities",
    at: new Date(start).toISOString(),
    patch: { type: "Run", sport_type: "Run", elapsed_time: 3000, moving_time: 2950, distance: 10_000, name: "Tempo Tuesday" },
  });
  const run = await runSync(t.db, { connectionId: strava.id, trigger: "manual", from: new Date(start - 86_400_000), to: new Date(start + 86_400_000) }, fast);
  expect(run.status, JSON.stringify(run)).toBe("succeeded");

  await post(t.db, hae([], [{ id: "hae-run", name: "Outdoor Run", start: haeDate(start + 20_000), end: haeDate(start + 3_010_000), distance: { qty: 10.2, units: "km" }, avgHeartRate: { qty: 149, units: "bpm" } }]), { key: u.key });
  await post(
    t.db,
    JSON.stringify({
      timestamp: new Date(start + 4_000_000).toISOString(),
      exercise: [{ type: "56", start_time: new Date(start + 40_000).toISOString(), end_time: new Date(start + 2_990_000).toISOString(), metadata: { id: "hc-run", data_origin: "com.samsung.health" } }],
    }),
    { key: u.key, query: "?tz=UTC" },
  );

  // The episode holding this run's Strava copy (the generated history holds other workouts).
  const [stravaRow] = await t.db.select().from(activities).where(sql`${activities.userId} = ${u.userId} AND ${activities.provider} = 'strava' AND ${activities.externalId} = ${String(record.id)}`);
  expect(stravaRow, "the Strava run was synced").toBeDefined();
  const episodeWith = async (activityId: string) =>
    (await t.db.select().from(reconciledActivities).where(sql`${reconciledActivities.userId} = ${u.userId}`)).find((e) => e.copies.some((c) => c.id === activityId));
  let episode = (await episodeWith(stravaRow.id))!;
  expect(episode, "the Strava run is in an episode").toBeDefined();
  // Strava (a platform) ranks above the phone bridges by default: its name, distance and start.
  expect(episode.copies.map((c) => c.provider)).toEqual(["strava", "apple_health", "health_connect"]);
  // Heart rate from Strava when its record has one, else the best copy that does (Apple Health's).
  expect(episode).toMatchObject({ type: "running", name: "Tempo Tuesday", distanceM: 10_000, avgHr: (record.average_heartrate as number | undefined) ?? 149 });
  expect(episode.startAt.getTime()).toBe(start);

  await disconnect(t.db, u.userId, "strava", { deleteData: true });
  await reconcilePending(t.db, u.userId); // what the next read (or the runner's sweep) does
  const [haeRow] = await t.db.select().from(activities).where(sql`${activities.userId} = ${u.userId} AND ${activities.externalId} = 'hae-run'`);
  episode = (await episodeWith(haeRow.id))!;
  expect(episode.copies.map((c) => c.provider)).toEqual(["apple_health", "health_connect"]);
  expect(episode.distanceM).toBe(10_200);
}, 180_000);

it("one night from Oura (synced) and Apple Health is one night; Oura's time asleep is the day's sleep", async () => {
  const u = await userWithKey(t.db, "sync-night");
  const oura = await connectAs(t.db, sim, u.userId, "oura", ACCOUNT);
  const now = Date.now();
  const run = await runSync(t.db, { connectionId: oura.id, trigger: "manual", resources: ["sleep"], from: new Date(now - 7 * 86_400_000), to: new Date(now) }, fast);
  expect(run.status, JSON.stringify(run)).toBe("succeeded");
  // The latest night the simulated ring recorded.
  const [ring] = await t.db
    .select()
    .from(sleepSessions)
    .where(sql`${sleepSessions.userId} = ${u.userId} AND ${sleepSessions.provider} = 'oura' AND NOT ${sleepSessions.isNap} AND ${sleepSessions.asleepS} IS NOT NULL`)
    .orderBy(desc(sleepSessions.endAt))
    .limit(1);
  expect(ring, "Oura synced a night").toBeDefined();
  const bedStart = ring.startAt.getTime();
  const bedEnd = ring.endAt.getTime();
  // The Watch saw the same night, 10 minutes later to bed and up 5 minutes earlier, 6 h asleep.
  const watch = await post(
    t.db,
    hae([{ name: "sleep_analysis", units: "hr", data: [{ date: haeDate(bedEnd), asleep: 6, sleepStart: haeDate(bedStart + 600_000), sleepEnd: haeDate(bedEnd - 300_000), sleepSource: "Apple Watch" }] }]),
    { key: u.key },
  );
  expect(watch.status, JSON.stringify(watch.json)).toBe(200);
  const nights = await t.db.select().from(reconciledSleep).where(sql`${reconciledSleep.userId} = ${u.userId} AND NOT ${reconciledSleep.isNap} AND ${reconciledSleep.copies} @> ${JSON.stringify([{ provider: "apple_health" }])}::jsonb`);
  expect(nights).toHaveLength(1);
  expect(nights[0].copies.map((c) => c.provider)).toEqual(["oura", "apple_health"]);
  expect(nights[0].asleepS).toBe(ring.asleepS);
  const [d] = await dailySeries(t.db, u.userId, { from: nights[0].localDate, to: nights[0].localDate, metric: ["sleep"] });
  expect(d.metrics.sleep).toMatchObject({ value: ring.asleepS, unit: "s" });
  expect(d.metrics.sleep!.sources.map((s) => [s.provider, s.status])).toEqual([
    ["oura", "used"],
    ["apple_health", "left_out"],
  ]);
}, 180_000);
