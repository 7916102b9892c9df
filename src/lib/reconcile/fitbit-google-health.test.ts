import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconciledActivities, reconciledSleep, sourcePriority } from "@/lib/db/schema";
import { upsertBatch } from "@/lib/normalize/upsert";
import type { NormalizedBatch } from "@/lib/normalize/types";
import { fixturesOf } from "@/lib/providers/shared/fixtures";
import { googleHealthTransforms as gh } from "@/lib/providers/google_health/transform";
import { newUser } from "@/lib/sync/test-support";
import { engines, type TestDb } from "@/test/db";
import { ranking } from "./priority";
import { dailySeries } from "./read";
import { recomputeUser } from "./store";

/**
 * A Fitbit user who reconnects through Google Health holds the same days twice: the rows the legacy
 * `fitbit` provider stored before its API was switched off, and the same tracker's data read again
 * through Google Health (its backfill reaches years back). Nothing may be counted twice: a day's
 * total comes from one of them (Google Health, the newer reading of the same device), the run is one
 * workout and the night one night.
 *
 * The Google Health rows come through its real transform from the provider folder's fixtures
 * (2026-03-07 local: a run 20:30–21:15 at UTC−8, a night ending 07:10 at UTC+1, 10,432 steps,
 * resting HR 58). The legacy rows are written as the Fitbit provider stored them (its logIds,
 * its own slightly different values and times), without its code.
 */

const DAY = "2026-03-07";
const fixture = fixturesOf(new URL("../providers/google_health/index.ts", import.meta.url).href);

/** One batch per resource, as the sync upserts each resource's pages. */
function googleHealthBatches(): Array<Partial<NormalizedBatch>> {
  const parts = [
    gh.exercise([fixture("exercise.json")]),
    gh.sleep([fixture("sleep.json")]),
    gh.steps(fixture<{ rollupDataPoints: unknown[] }>("steps-daily-rollup.json").rollupDataPoints),
    gh.daily_resting_heart_rate([fixture("daily-resting-heart-rate.json")]),
  ];
  for (const p of parts) expect(p.skipped).toEqual([]);
  return parts.map((p) => p.batch);
}

/** What the legacy Fitbit provider stored for that day: its activity log, its sleep log, its day series. */
const legacyFitbit: Partial<NormalizedBatch> = {
  activities: [
    {
      provider: "fitbit",
      externalId: "58213377001",
      type: "running",
      name: "Run",
      startAt: new Date("2026-03-08T04:30:12Z"),
      endAt: new Date("2026-03-08T05:14:40Z"),
      localDate: DAY,
      utcOffsetMinutes: -480,
      durationS: 2668,
      movingS: 2510,
      distanceM: 8030,
      energyKcal: 505,
      avgHr: 150,
      elevationGainM: 41,
      steps: 7390,
      source: "Pixel Watch 3",
      raw: { logId: 58213377001, activityName: "Run", startTime: "2026-03-07T20:30:12.000-08:00" },
    },
  ],
  sleepSessions: [
    {
      provider: "fitbit",
      externalId: "47110001234",
      startAt: new Date("2026-03-06T22:41:00Z"),
      endAt: new Date("2026-03-07T06:09:30Z"),
      localDate: DAY,
      utcOffsetMinutes: 60,
      inBedS: 26_910,
      asleepS: 418 * 60,
      deepS: 79 * 60,
      lightS: 231 * 60,
      remS: 108 * 60,
      awakeS: 30 * 60,
      efficiencyPct: 93,
      isNap: false,
      raw: { logId: 47110001234, dateOfSleep: DAY, isMainSleep: true },
    },
  ],
  dailySummaries: [{ provider: "fitbit", date: DAY, steps: 10_398, restingHr: 59, sleepS: 418 * 60, raw: { "activities-steps": [{ dateTime: DAY, value: "10398" }] } }],
};

describe("google_health and fitbit rank as one device family, the newer first", () => {
  it("side by side in every default order, Google Health first", () => {
    for (const family of ["movement", "sleep", "heart", "body", "activity"] as const) {
      const rank = ranking(family);
      expect(rank({ provider: "fitbit", source: null }) - rank({ provider: "google_health", source: null })).toBe(10);
    }
  });

  it("a user order that names only Fitbit places Google Health beside it, above what Fitbit was above", () => {
    const rank = ranking("movement", ["fitbit", "garmin"]);
    const order = (["garmin", "fitbit", "google_health", "oura"] as const).slice().sort((a, b) => rank({ provider: a, source: null }) - rank({ provider: b, source: null }));
    expect(order).toEqual(["google_health", "fitbit", "garmin", "oura"]);
  });

  it("a user order that names both keeps the user's choice", () => {
    const rank = ranking("movement", ["fitbit", "google_health"]);
    expect(rank({ provider: "fitbit", source: null })).toBeLessThan(rank({ provider: "google_health", source: null }));
  });
});

describe.each(engines)("legacy Fitbit rows and Google Health rows for the same days ($name)", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  }, 60_000);
  afterAll(async () => t?.close());

  async function metric(userId: string, name: "steps" | "resting_hr" | "sleep") {
    const [d] = await dailySeries(t.db, userId, { from: DAY, to: DAY, metric: [name] });
    return d?.metrics[name];
  }

  async function userWithBoth(): Promise<string> {
    const userId = await newUser(t.db, "fitbit-gh");
    await upsertBatch(t.db, userId, legacyFitbit);
    for (const batch of googleHealthBatches()) await upsertBatch(t.db, userId, batch);
    await recomputeUser(t.db, userId);
    return userId;
  }

  it("count once: the day's steps, resting HR and sleep come from Google Health, not the sum", async () => {
    const userId = await userWithBoth();
    const steps = await metric(userId, "steps");
    expect(steps?.value).toBe(10_432); // not 10,432 + 10,398
    expect(steps?.sources.map((s) => [s.provider, s.value, s.status])).toEqual([
      ["google_health", 10_432, "used"],
      ["fitbit", 10_398, "left_out"],
    ]);
    expect((await metric(userId, "resting_hr"))?.value).toBe(58);
    const sleep = await metric(userId, "sleep");
    expect(sleep?.value).toBe(420 * 60); // Google Health's 420 min asleep, not 420 + 418
    expect(sleep?.sources.find((s) => s.provider === "fitbit")?.status).not.toBe("used");
  });

  it("one workout episode and one night, each holding both copies", async () => {
    const userId = await userWithBoth();
    const runs = await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, userId));
    expect(runs).toHaveLength(1);
    expect(runs[0].copies.map((c) => c.provider)).toEqual(["google_health", "fitbit"]);
    // Fields from the best-ranked copy: Google Health's 8,046.72 m and 45 minutes.
    expect(runs[0].distanceM).toBeCloseTo(8046.72, 2);
    expect(runs[0].startAt.toISOString()).toBe("2026-03-08T04:30:00.000Z");

    const nights = await t.db.select().from(reconciledSleep).where(eq(reconciledSleep.userId, userId));
    expect(nights.map((n) => [n.localDate, n.isNap, n.copies.map((c) => c.provider)])).toEqual([[DAY, false, ["google_health", "fitbit"]]]);
  });

  it("a user who ranked Fitbit above Garmin for steps gets Google Health's total, not Garmin's", async () => {
    const userId = await userWithBoth();
    await upsertBatch(t.db, userId, { dailySummaries: [{ provider: "garmin", date: DAY, steps: 9_100, raw: {} }] });
    await t.db.insert(sourcePriority).values({ userId, metric: "steps", providers: ["fitbit", "garmin"] });
    await recomputeUser(t.db, userId);
    const steps = await metric(userId, "steps");
    expect(steps?.value).toBe(10_432);
    expect(steps?.sources.map((s) => [s.provider, s.status])).toEqual([
      ["google_health", "used"],
      ["fitbit", "left_out"],
      ["garmin", "left_out"],
    ]);
  });
});
