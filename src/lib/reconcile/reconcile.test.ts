import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activities, dailySummaries, dailyValues, reconcileDirty, reconciledActivities, reconciledSleep, sourcePriority, users } from "@/lib/db/schema";
import { post, userWithKey } from "@/lib/ingest/testing";
import { upsertBatch } from "@/lib/normalize/upsert";
import { markDeleted } from "@/lib/sync/deletions";
import { testDb, type TestDb } from "@/test/db";
import { dailyResponse, dailySeries } from "./read";
import { recomputeUser } from "./store";

/**
 * Golden cases of the reconciled record through the real ingest path (the sync path is covered in
 * sync-paths.test.ts). Every expected number is worked out by hand in the test from the payload.
 */

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
});
afterAll(async () => t?.close());

const hae = (metrics: unknown[] = [], workouts: unknown[] = []) => JSON.stringify({ data: { metrics, workouts } });
const stepsMetric = (points: Array<{ date: string; qty: number; source?: string }>) => ({ name: "step_count", units: "count", data: points });
const pad = (n: number) => String(n).padStart(2, "0");

async function day(userId: string, date: string, metric = "steps") {
  const [d] = await dailySeries(t.db, userId, { from: date, to: date, metric: [metric as "steps"] });
  return d?.metrics[metric as "steps"];
}

async function ingest(key: string, body: string, query = "") {
  const res = await post(t.db, body, { key, query });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

describe("overlapping devices count once", () => {
  it("iPhone and Apple Watch minutes (Health Auto Export): the phone adds only the minutes the watch did not cover", async () => {
    const u = await userWithKey(t.db, "overlap");
    // Watch 10:00–10:09, 60 steps a minute (600); iPhone 10:05–10:14, 30 a minute (300).
    const watch = Array.from({ length: 10 }, (_, i) => ({ date: `2024-05-02 10:${pad(i)}:00 +0200`, qty: 60, source: "Apple Watch" }));
    const phone = Array.from({ length: 10 }, (_, i) => ({ date: `2024-05-02 10:${pad(5 + i)}:00 +0200`, qty: 30, source: "iPhone" }));
    await ingest(u.key, hae([stepsMetric([...watch, ...phone])]));
    const steps = await day(u.userId, "2024-05-02");
    // 600 from the watch + the phone's 10:10–10:14 (5 × 30) = 750.
    expect(steps?.value).toBe(750);
    expect(steps?.sources.map((s) => [s.source, s.value, s.counted, s.status])).toEqual([
      ["Apple Watch", 600, 600, "used"],
      ["iPhone", 300, 150, "partly_used"],
    ]);
    expect(steps?.sources[1].reason).toMatch(/150 of 300.*Apple Watch/);
  });

  it("Health Connect intervals: a watch hour and an overlapping phone hour", async () => {
    const u = await userWithKey(t.db, "hc-overlap");
    const body = JSON.stringify({
      timestamp: "2024-05-03T12:00:00Z",
      steps: [
        { count: 1200, start_time: "2024-05-03T08:00:00Z", end_time: "2024-05-03T09:00:00Z", metadata: { data_origin: "com.garmin.android.apps.connectmobile" } },
        { count: 600, start_time: "2024-05-03T08:30:00Z", end_time: "2024-05-03T09:30:00Z", metadata: { data_origin: "com.google.android.apps.fitness" } },
      ],
    });
    await ingest(u.key, body, "?tz=UTC");
    const steps = await day(u.userId, "2024-05-03");
    // The phone's hour overlaps the watch's by half: 1200 + 600 × 1/2 = 1500.
    expect(steps?.value).toBe(1500);
    expect(steps?.sources.map((s) => [s.provider, s.source, s.counted])).toEqual([
      ["health_connect", "com.garmin.android.apps.connectmobile", 1200],
      ["health_connect", "com.google.android.apps.fitness", 300],
    ]);
  });

  it("a provider's whole-day total is never added to another source's; the ranking picks one", async () => {
    const u = await userWithKey(t.db, "totals");
    await ingest(u.key, hae([stepsMetric([{ date: "2024-05-04 09:00:00 +0000", qty: 4000, source: "iPhone" }])]));
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-04", steps: 9000, raw: {} }] });
    await recomputeUser(t.db, u.userId);
    let steps = await day(u.userId, "2024-05-04");
    expect(steps?.value).toBe(9000);
    expect(steps?.sources.map((s) => [s.provider, s.status])).toEqual([
      ["garmin", "used"],
      ["apple_health", "left_out"],
    ]);
    // The user prefers the phone for steps: the order flips, still one source.
    await t.db.insert(sourcePriority).values({ userId: u.userId, metric: "steps", providers: ["apple_health"] });
    await recomputeUser(t.db, u.userId);
    steps = await day(u.userId, "2024-05-04");
    expect(steps?.value).toBe(4000);
    expect(steps?.sources.map((s) => [s.provider, s.status])).toEqual([
      ["apple_health", "used"],
      ["garmin", "left_out"],
    ]);
  });
});

describe("local days", () => {
  it("spring forward in US Pacific (2024-03-10 has 23 hours): each hour counts on its own day only", async () => {
    const u = await userWithKey(t.db, "dst-spring");
    const points: Array<{ date: string; qty: number }> = [];
    // 9 March: 24 hours at −08:00, 1000 each; 10 March: 00:00–01:00 at −08:00, then 03:00–23:00 at
    // −07:00 (02:00 does not exist), 5 each; 11 March: 24 hours at −07:00, 100 each.
    for (let h = 0; h < 24; h++) points.push({ date: `2024-03-09 ${pad(h)}:00:00 -0800`, qty: 1000 });
    for (let h = 0; h < 24; h++) if (h !== 2) points.push({ date: `2024-03-10 ${pad(h)}:00:00 ${h < 2 ? "-0800" : "-0700"}`, qty: 5 });
    for (let h = 0; h < 24; h++) points.push({ date: `2024-03-11 ${pad(h)}:00:00 -0700`, qty: 100 });
    await ingest(u.key, hae([stepsMetric(points)]));
    expect((await day(u.userId, "2024-03-09"))?.value).toBe(24 * 1000);
    expect((await day(u.userId, "2024-03-10"))?.value).toBe(23 * 5);
    expect((await day(u.userId, "2024-03-11"))?.value).toBe(24 * 100);
    // The per-source daily summary agrees.
    const [summary] = await t.db
      .select()
      .from(dailySummaries)
      .where(and(eq(dailySummaries.userId, u.userId), eq(dailySummaries.date, "2024-03-10")));
    expect(summary.steps).toBe(115);
  });

  it("fall back in US Eastern (2024-11-03 has 25 hours, 01:00 twice)", async () => {
    const u = await userWithKey(t.db, "dst-fall");
    const points: Array<{ date: string; qty: number }> = [];
    for (let h = 0; h < 24; h++) {
      points.push({ date: `2024-11-03 ${pad(h)}:00:00 ${h < 2 ? "-0400" : "-0500"}`, qty: 4 });
      if (h === 1) points.push({ date: `2024-11-03 01:00:00 -0500`, qty: 4 }); // the repeated hour
    }
    points.push({ date: "2024-11-02 23:00:00 -0400", qty: 1000 }, { date: "2024-11-04 00:00:00 -0500", qty: 1000 });
    await ingest(u.key, hae([stepsMetric(points)]));
    expect((await day(u.userId, "2024-11-03"))?.value).toBe(25 * 4);
  });

  it("travel: 23:50 in Berlin and 00:15 in India are two days, though India's instant is earlier", async () => {
    const u = await userWithKey(t.db, "travel");
    await ingest(
      u.key,
      hae([
        stepsMetric([
          { date: "2024-03-10 23:50:00 +0100", qty: 7 }, // 22:50 UTC
          { date: "2024-03-11 00:15:00 +0530", qty: 11 }, // 18:45 UTC on the 10th
        ]),
      ]),
    );
    expect((await day(u.userId, "2024-03-10"))?.value).toBe(7);
    expect((await day(u.userId, "2024-03-11"))?.value).toBe(11);
  });

  it("a reading without an offset takes the user's home time zone", async () => {
    const u = await userWithKey(t.db, "home-zone");
    await t.db.update(users).set({ timeZone: "Asia/Tokyo" }).where(eq(users.id, u.userId));
    // 2024-06-01 20:00 UTC is 05:00 on 2 June in Tokyo.
    await upsertBatch(t.db, u.userId, {
      measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2024-06-01T20:00:00Z"), value: 70.2, unit: "kg", source: null }],
    });
    await recomputeUser(t.db, u.userId);
    expect(await day(u.userId, "2024-06-01", "weight")).toBeUndefined();
    expect((await day(u.userId, "2024-06-02", "weight"))?.value).toBe(70.2);
  });
});

describe("workouts and nights", () => {
  const run = (start: string, end: string, extra: Record<string, unknown> = {}) => ({
    name: "Outdoor Run",
    start,
    end,
    distance: { qty: 10, units: "km" },
    activeEnergy: { qty: 2510, units: "kJ" },
    ...extra,
  });

  it("one run from two phone bridges is one workout; a later walk stays apart", async () => {
    const u = await userWithKey(t.db, "one-run");
    await ingest(u.key, hae([], [run("2024-05-05 07:00:00 +0200", "2024-05-05 07:50:00 +0200", { id: "run-1", avgHeartRate: { qty: 150, units: "bpm" } })]));
    await ingest(
      u.key,
      JSON.stringify({
        timestamp: "2024-05-05T12:00:00Z",
        exercise: [{ type: "56", start_time: "2024-05-05T05:00:30Z", end_time: "2024-05-05T05:51:00Z", distance_meters: 10040, metadata: { data_origin: "com.samsung.health" } }],
      }),
      "?tz=Europe/Berlin",
    );
    await ingest(u.key, hae([], [{ id: "walk-1", name: "Outdoor Walk", start: "2024-05-05 18:00:00 +0200", end: "2024-05-05 18:30:00 +0200" }]));
    const episodes = await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, u.userId)).orderBy(reconciledActivities.startAt);
    expect(episodes.map((e) => [e.type, e.copies.length])).toEqual([
      ["running", 2],
      ["walking", 1],
    ]);
    const [runEpisode] = episodes;
    // Apple Health ranks first among the bridges: its distance (10 km), HR and start; nothing is summed.
    expect(runEpisode.distanceM).toBe(10_000);
    expect(runEpisode.avgHr).toBe(150);
    expect(runEpisode.startAt.toISOString()).toBe("2024-05-05T05:00:00.000Z");
    expect(runEpisode.copies.map((c) => c.provider)).toEqual(["apple_health", "health_connect"]);
    expect(runEpisode.copies[1].reason).toMatch(/same workout/i);
  });

  it("re-sending an edited workout (end moved by a second) keeps one workout and the same totals", async () => {
    const u = await userWithKey(t.db, "edited");
    const v1 = (end: string) => hae([stepsMetric([{ date: "2024-05-06 08:00:00 +0000", qty: 321 }])], [run("2024-05-06 07:00:00 +0000", end)]);
    await ingest(u.key, v1("2024-05-06 07:45:00 +0000"));
    const before = await t.db.select().from(dailyValues).where(eq(dailyValues.userId, u.userId)).orderBy(dailyValues.metric);
    await ingest(u.key, v1("2024-05-06 07:45:01 +0000"));
    await ingest(u.key, v1("2024-05-06 07:45:01 +0000"));
    const episodes = await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, u.userId));
    expect(episodes).toHaveLength(1);
    const after = await t.db.select().from(dailyValues).where(eq(dailyValues.userId, u.userId)).orderBy(dailyValues.metric);
    expect(after.map((r) => [r.metric, r.value])).toEqual(before.map((r) => [r.metric, r.value]));
  });

  it("one night from two trackers is one night; its time asleep comes from one of them", async () => {
    const u = await userWithKey(t.db, "one-night");
    // Apple Watch: 22:00–06:00 UTC, 7.5 h asleep. Samsung watch via Health Connect: 22:30–06:10, 7 h of stages.
    await ingest(
      u.key,
      hae([
        {
          name: "sleep_analysis",
          units: "hr",
          data: [
            {
              date: "2024-05-08 06:00:00 +0000",
              asleep: 7.5,
              sleepStart: "2024-05-07 22:00:00 +0000",
              sleepEnd: "2024-05-08 06:00:00 +0000",
              sleepSource: "Apple Watch",
            },
          ],
        },
      ]),
    );
    await ingest(
      u.key,
      JSON.stringify({
        timestamp: "2024-05-08T12:00:00Z",
        sleep: [
          {
            session_end_time: "2024-05-08T06:10:00Z",
            duration_seconds: 27600,
            stages: [
              { stage: "4", start_time: "2024-05-07T22:30:00Z", end_time: "2024-05-08T02:30:00Z" },
              { stage: "5", start_time: "2024-05-08T02:30:00Z", end_time: "2024-05-08T05:30:00Z" },
              { stage: "1", start_time: "2024-05-08T05:30:00Z", end_time: "2024-05-08T06:10:00Z" },
            ],
            metadata: { data_origin: "com.sec.android.app.shealth" },
          },
        ],
      }),
      "?tz=UTC",
    );
    const nights = await t.db.select().from(reconciledSleep).where(eq(reconciledSleep.userId, u.userId));
    expect(nights.map((n) => [n.localDate, n.isNap, n.copies.length])).toEqual([["2024-05-08", false, 2]]);
    const sleep = await day(u.userId, "2024-05-08", "sleep");
    expect(sleep?.value).toBe(7.5 * 3600);
    expect(sleep?.sources.map((s) => [s.provider, s.status])).toEqual([
      ["apple_health", "used"],
      ["health_connect", "left_out"],
    ]);
    // Health Connect alone first in the user's order for sleep: its 7 h (4 h light + 3 h deep).
    await t.db.insert(sourcePriority).values({ userId: u.userId, metric: "sleep", providers: ["health_connect"] });
    await recomputeUser(t.db, u.userId);
    expect((await day(u.userId, "2024-05-08", "sleep"))?.value).toBe(7 * 3600);
  });

  it("a workout deleted at its source leaves the episode; the marks are all consumed", async () => {
    const u = await userWithKey(t.db, "deleted");
    await ingest(u.key, hae([], [run("2024-05-09 07:00:00 +0000", "2024-05-09 07:40:00 +0000", { id: "gone-1" })]));
    expect(await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, u.userId))).toHaveLength(1);
    await markDeleted(t.db, u.userId, "apple_health", [{ table: "activity", externalId: "gone-1", deletedAt: new Date() }]);
    await dailySeries(t.db, u.userId, { from: "2024-05-09", to: "2024-05-09", metric: ["steps"] }); // a read rebuilds
    expect(await t.db.select().from(reconciledActivities).where(eq(reconciledActivities.userId, u.userId))).toHaveLength(0);
    expect(await t.db.select().from(activities).where(eq(activities.userId, u.userId))).toHaveLength(1); // per-source row kept
    expect(await t.db.select().from(reconcileDirty).where(eq(reconcileDirty.userId, u.userId))).toHaveLength(0);
  });
});

describe("GET /api/daily", () => {
  const call = async (userId: string, query: string) => {
    const res = await dailyResponse(t.db, userId, new URL(`http://localhost/api/daily?${query}`));
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it("answers values with units and sources, only for the asked metrics and days", async () => {
    const u = await userWithKey(t.db, "api");
    await ingest(u.key, hae([stepsMetric([{ date: "2024-05-10 09:00:00 +0000", qty: 1234, source: "iPhone" }]), { name: "weight_body_mass", units: "kg", data: [{ date: "2024-05-10 07:00:00 +0000", qty: 80.5 }] }]));
    const { status, json } = await call(u.userId, "from=2024-05-09&to=2024-05-11&metric=steps");
    expect(status).toBe(200);
    expect(json.days).toEqual([
      {
        date: "2024-05-10",
        metrics: {
          steps: {
            value: 1234,
            unit: "count",
            sources: [expect.objectContaining({ provider: "apple_health", providerName: "Apple Health", source: "iPhone", value: 1234, counted: 1234, status: "used" })],
          },
        },
      },
    ]);
    const all = await call(u.userId, "from=2024-05-10&to=2024-05-10");
    expect(Object.keys((all.json.days as Array<{ metrics: object }>)[0].metrics).sort()).toEqual(["steps", "weight"]);
  });

  it.each([
    ["from=2024-05-01", /to: /],
    ["from=2024-13-01&to=2024-05-02", /from: is not a calendar date/],
    ["from=2024-05-03&to=2024-05-02", /to: must not be before from/],
    ["from=2000-01-01&to=2024-05-02", /at most 3700 days/],
    ["from=2024-05-01&to=2024-05-02&metric=steps,stairs", /unknown metric "stairs"/],
    ["from=2024-05-01&to=2024-05-02&user=someone-else", /Unrecognized key/i],
  ])("400 for %s", async (query, message) => {
    const u = await userWithKey(t.db, "api-bad");
    const { status, json } = await call(u.userId, query);
    expect(status).toBe(400);
    expect(String(json.error)).toMatch(message);
  });

  it("never shows another user's values", async () => {
    const a = await userWithKey(t.db, "tenant-a");
    const b = await userWithKey(t.db, "tenant-b");
    await ingest(a.key, hae([stepsMetric([{ date: "2024-05-12 09:00:00 +0000", qty: 500 }])]));
    const { json } = await call(b.userId, "from=2024-05-12&to=2024-05-12");
    expect(json.days).toEqual([]);
  });
});
