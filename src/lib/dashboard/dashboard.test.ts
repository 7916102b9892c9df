import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measurements, providerConnections, reconcileDirty, sourcePriority, users } from "@/lib/db/schema";
import { post, userWithKey } from "@/lib/ingest/testing";
import { upsertBatch } from "@/lib/normalize/upsert";
import { testDb, type TestDb } from "@/test/db";
import { activityDetail, activityFacets, activityHeartRate, activityPage, activityFilters, activityRoute, activityTotals, MAX_ROUTE_POINTS } from "./activities";
import { formatTime } from "./format";
import { bucketLabel, bucketSize, heartRateBuckets, MAX_BUCKETS } from "./heart";
import { chartPoints, metricDays, resolveRange } from "./metric";
import { overview, pagePreferences, sourceProblems } from "./overview";
import { moveSource, PreferenceError, setHomeTimeZone, setWeekStart, sourceOrders } from "./preferences";
import { sleepDetail, sleepRange } from "./sleep";

/** The dashboard's data functions over data landed through the real ingest path (and the sync writer). */

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
}, 60_000);
afterAll(async () => t?.close());

const hae = (metrics: unknown[] = [], workouts: unknown[] = []) => JSON.stringify({ data: { metrics, workouts } });
async function ingest(key: string, body: string, query = "") {
  const res = await post(t.db, body, { key, query });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}
const pad = (n: number) => String(n).padStart(2, "0");

describe("overview", () => {
  it("today and this week (from its first day), against the week before; readings show their latest day", async () => {
    const u = await userWithKey(t.db, "overview");
    const steps = [
      // Previous week, 1–7 May: 1000 a day. This week, 8–13 May: 2000 a day; today (14 May) 1000 + 500.
      ...Array.from({ length: 7 }, (_, i) => ({ date: `2024-05-${pad(1 + i)} 09:00:00 +0000`, qty: 1000 })),
      ...Array.from({ length: 6 }, (_, i) => ({ date: `2024-05-${pad(8 + i)} 09:00:00 +0000`, qty: 2000 })),
      { date: "2024-05-14 08:00:00 +0000", qty: 1000 },
      { date: "2024-05-14 10:00:00 +0000", qty: 500 },
    ];
    const weight = [
      { date: "2024-05-03 07:00:00 +0000", qty: 80 },
      { date: "2024-05-12 07:00:00 +0000", qty: 79.5 },
    ];
    await ingest(u.key, hae([{ name: "step_count", units: "count", data: steps }, { name: "weight_body_mass", units: "kg", data: weight }]));
    await upsertBatch(t.db, u.userId, {
      dailySummaries: [
        { provider: "oura", date: "2024-05-06", readinessScore: 70, raw: {} },
        { provider: "oura", date: "2024-05-13", readinessScore: 82, raw: {} },
      ],
    });

    // Tuesday 14 May 2024. Weeks start on Monday by default: this week is 13–14 May, the one before 6–12 May.
    const now = new Date("2024-05-14T12:00:00Z");
    const o = await overview(t.db, u.userId, now);
    expect(o).toMatchObject({ today: "2024-05-14", weekStart: "monday", week: { from: "2024-05-13", to: "2024-05-14" }, previous: { from: "2024-05-06", to: "2024-05-12" } });
    const tile = (m: string) => o.tiles.find((x) => x.metric === m)!;
    expect(tile("steps")).toMatchObject({ today: 1500, todayDate: "2024-05-14", week: 1750, weekTotal: 3500, weekDays: 2 });
    expect(tile("steps").previousWeek).toBeCloseTo(12_000 / 7);
    expect(tile("steps").series).toHaveLength(9);
    expect([tile("steps").series[0], tile("steps").series[8]]).toEqual([
      { date: "2024-05-06", value: 1000 },
      { date: "2024-05-14", value: 1500 },
    ]);
    expect(o.from).toBe("2024-05-06");
    expect(tile("steps").trend!.pct).toBeCloseTo((1750 / (12_000 / 7) - 1) * 100);
    // No weighing yet this week: the latest reading is last Sunday's; there is nothing to compare.
    expect(tile("weight")).toMatchObject({ today: 79.5, todayDate: "2024-05-12", week: null, previousWeek: 79.5, weekTotal: null, trend: null });
    expect(tile("sleep")).toMatchObject({ today: null, week: null, trend: null });
    expect(tile("readiness")).toMatchObject({ provider: "oura", today: 82, week: 82, previousWeek: 70, label: "Readiness (Oura)" });

    // Weeks from Sunday: this week is 12–14 May, the one before 5–11 May.
    await setWeekStart(t.db, u.userId, "sunday");
    const s = await overview(t.db, u.userId, now);
    expect(s).toMatchObject({ weekStart: "sunday", week: { from: "2024-05-12", to: "2024-05-14" }, previous: { from: "2024-05-05", to: "2024-05-11" }, from: "2024-05-05" });
    const sTile = (m: string) => s.tiles.find((x) => x.metric === m)!;
    expect(sTile("steps")).toMatchObject({ weekTotal: 5500, weekDays: 3 });
    expect(sTile("steps").previousWeek).toBeCloseTo(11_000 / 7);
    expect(sTile("weight")).toMatchObject({ today: 79.5, week: 79.5, previousWeek: null });
    await expect(setWeekStart(t.db, u.userId, "friday")).rejects.toBeInstanceOf(PreferenceError);
  });

  it("flags a connection that needs reconnecting, and none that is fine", async () => {
    const u = await userWithKey(t.db, "problems");
    await t.db.insert(providerConnections).values([
      { userId: u.userId, provider: "oura", authKind: "oauth2", providerUserId: `oura-${u.userId}`, status: "needs_reauth" },
      { userId: u.userId, provider: "withings", authKind: "oauth2", providerUserId: `withings-${u.userId}` },
    ]);
    const problems = await sourceProblems(t.db, u.userId, new Date("2024-05-14T12:00:00Z"));
    expect(problems.map((p) => [p.provider, p.providerName])).toEqual([["oura", "Oura"]]);
    expect(problems[0].problem).toMatch(/reconnected/);
  });

  it("today follows the home zone: 23:30 UTC is already tomorrow in Berlin", async () => {
    const u = await userWithKey(t.db, "overview-zone");
    await t.db.update(users).set({ timeZone: "Europe/Berlin" }).where(eq(users.id, u.userId));
    const o = await overview(t.db, u.userId, new Date("2024-05-14T23:30:00Z"));
    expect(o).toMatchObject({ today: "2024-05-15", zone: "Europe/Berlin" });
  });
});

describe("metric page", () => {
  it("ranges, provenance per day, and weekly buckets past 400 days", async () => {
    const u = await userWithKey(t.db, "metric");
    await ingest(
      u.key,
      hae([
        {
          name: "step_count",
          units: "count",
          data: [
            { date: "2023-01-02 10:00:00 +0000", qty: 100, source: "iPhone" },
            { date: "2024-05-10 10:00:00 +0000", qty: 600, source: "Apple Watch" },
          ],
        },
      ]),
    );
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-10", steps: 9000, raw: {} }] });
    const { recomputeUser } = await import("@/lib/reconcile/store");
    await recomputeUser(t.db, u.userId);

    expect(await resolveRange(t.db, u.userId, "steps", { range: "7d" }, "2024-05-14")).toEqual({ from: "2024-05-08", to: "2024-05-14", range: "7d", days: 7 });
    // "all" starts at the metric's first day; a picked range is put in order.
    expect(await resolveRange(t.db, u.userId, "steps", { range: "all" }, "2024-05-14")).toMatchObject({ from: "2023-01-02", range: "all" });
    expect(await resolveRange(t.db, u.userId, "steps", { from: "2024-05-12", to: "2024-05-01" }, "2024-05-14")).toEqual({ from: "2024-05-01", to: "2024-05-12", range: "custom", days: 12 });

    const days = await metricDays(t.db, u.userId, "steps", { from: "2024-05-01", to: "2024-05-14" });
    expect(days).toHaveLength(1);
    // Garmin's whole-day total ranks above the phone bridge; Apple Health's 600 is left out, with a reason.
    expect(days[0].value).toBe(9000);
    expect(days[0].used.map((s) => s.provider)).toEqual(["garmin"]);
    expect(days[0].leftOut.map((s) => [s.provider, s.value])).toEqual([["apple_health", 600]]);
    expect(days[0].leftOut[0].reason.length).toBeGreaterThan(10);

    const all = await metricDays(t.db, u.userId, "steps", { from: "2023-01-02", to: "2024-05-14" });
    const chart = chartPoints(all, 499, "monday");
    expect(chart.bucket).toBe("week");
    // 2023-01-02 is a Monday; 2024-05-10 (a Friday) falls in the week of Monday 2024-05-06.
    expect(chart.points.map((p) => [p.date, p.value])).toEqual([
      ["2023-01-02", 100],
      ["2024-05-06", 9000],
    ]);
    // Weeks starting on Sunday: 2023-01-02 falls in the week of Sunday 2023-01-01, 2024-05-10 in that of 2024-05-05.
    expect(chartPoints(all, 499, "sunday").points.map((p) => [p.date, p.value])).toEqual([
      ["2023-01-01", 100],
      ["2024-05-05", 9000],
    ]);
    expect(chartPoints(all, 30, "monday").bucket).toBe("day");
  });
});

describe("a page's first read", () => {
  it("rebuilds the days waiting to be reconciled, so the reads that follow on its word see them", async () => {
    const u = await userWithKey(t.db, "page-prefs");
    const pending = async () => (await t.db.select().from(reconcileDirty).where(eq(reconcileDirty.userId, u.userId))).map((r) => r.date);
    await setHomeTimeZone(t.db, u.userId, "Europe/Berlin");
    // A write marks its day and leaves the rebuild to whoever reads next.
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-10", steps: 5000, raw: {} }] });
    expect(await pending()).toEqual(["2024-05-10"]);

    const prefs = await pagePreferences(t.db, u.userId);
    expect(prefs).toMatchObject({ zone: "Europe/Berlin", weekStart: "monday", done: { reconciledFor: u.userId } });
    expect(await pending()).toEqual([]);
    const range = { from: "2024-05-01", to: "2024-05-14" };
    expect((await metricDays(t.db, u.userId, "steps", range, prefs.done)).map((d) => d.value)).toEqual([5000]);

    // Another user's word is not this user's: the read probes and rebuilds for itself.
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-10", steps: 7000, raw: {} }] });
    expect((await metricDays(t.db, u.userId, "steps", range, { reconciledFor: crypto.randomUUID() })).map((d) => d.value)).toEqual([7000]);
    expect(await pending()).toEqual([]);
  });
});

describe("source order and home zone", () => {
  it("moving a source up reorders that metric, and the reconciled value follows at once", async () => {
    const u = await userWithKey(t.db, "order");
    await ingest(u.key, hae([{ name: "step_count", units: "count", data: [{ date: "2024-05-10 10:00:00 +0000", qty: 600, source: "Apple Watch" }] }]));
    await upsertBatch(t.db, u.userId, { dailySummaries: [{ provider: "garmin", date: "2024-05-10", steps: 9000, raw: {} }] });
    const { reconcilePending } = await import("@/lib/reconcile/store");
    await reconcilePending(t.db, u.userId);
    const value = async () => (await metricDays(t.db, u.userId, "steps", { from: "2024-05-10", to: "2024-05-10" }))[0].value;
    expect(await value()).toBe(9000);

    const before = (await sourceOrders(t.db, u.userId)).find((o) => o.key === "steps")!;
    expect(before.custom).toBe(false);
    const ids = before.providers.map((p) => p.id);
    // Apple Health sits near the end; move it up until it leads.
    for (let i = ids.indexOf("apple_health"); i > 0; i--) await moveSource(t.db, u.userId, "steps", "apple_health", "up");
    const after = (await sourceOrders(t.db, u.userId)).find((o) => o.key === "steps")!;
    expect(after.custom).toBe(true);
    expect(after.providers[0].id).toBe("apple_health");
    expect(after.providers.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(await value()).toBe(600);
    // Only steps changed; moving the first one further up is a no-op.
    expect((await sourceOrders(t.db, u.userId)).find((o) => o.key === "distance")!.custom).toBe(false);
    await moveSource(t.db, u.userId, "steps", "apple_health", "up");
    const [row] = await t.db.select().from(sourcePriority).where(and(eq(sourcePriority.userId, u.userId), eq(sourcePriority.metric, "steps")));
    expect(row.providers[0]).toBe("apple_health");
    await expect(moveSource(t.db, u.userId, "weight", "strava", "up")).rejects.toBeInstanceOf(PreferenceError);
  });

  it("a new home zone moves the days of readings that had no offset, and only those", async () => {
    const u = await userWithKey(t.db, "zone");
    // A provider reading without an offset (placed in the home zone, UTC) and a bridge reading with one.
    await upsertBatch(t.db, u.userId, {
      measurements: [{ provider: "withings", type: "weight", measuredAt: new Date("2024-05-10T23:30:00Z"), value: 70, unit: "kg", source: null, raw: null }],
    });
    await ingest(u.key, hae([{ name: "weight_body_mass", units: "kg", data: [{ date: "2024-05-09 23:30:00 +0000", qty: 71 }] }]));
    const weights = async () => (await metricDays(t.db, u.userId, "weight", { from: "2024-05-01", to: "2024-05-31" })).map((d) => [d.date, d.value]);
    expect(await weights()).toEqual([
      ["2024-05-09", 71],
      ["2024-05-10", 70],
    ]);
    await setHomeTimeZone(t.db, u.userId, "Europe/Berlin");
    // 23:30 UTC is 01:30 the next day in Berlin (CEST); the bridge reading keeps its own +00:00 day.
    expect(await weights()).toEqual([
      ["2024-05-09", 71],
      ["2024-05-11", 70],
    ]);
    const rows = await t.db.select().from(measurements).where(eq(measurements.userId, u.userId)).orderBy(measurements.measuredAt);
    expect(rows.map((r) => r.localDate)).toEqual(["2024-05-09", "2024-05-11"]);
    await expect(setHomeTimeZone(t.db, u.userId, "Mars/Olympus")).rejects.toBeInstanceOf(PreferenceError);
  });
});

describe("activities and sleep", () => {
  it("keyset pages, filters and a detail with every copy", async () => {
    const u = await userWithKey(t.db, "activities");
    const workouts = Array.from({ length: 7 }, (_, i) => ({
      id: `w-${i}`,
      name: i % 2 ? "Outdoor Walk" : "Outdoor Run",
      start: `2024-05-${pad(1 + i)} 07:00:00 +0200`,
      end: `2024-05-${pad(1 + i)} 07:40:00 +0200`,
      distance: { qty: 5 + i, units: "km" },
    }));
    await ingest(u.key, hae([], workouts));
    // The same run of 7 May from Health Connect: one workout, two copies.
    await ingest(
      u.key,
      JSON.stringify({ timestamp: "2024-05-07T12:00:00Z", exercise: [{ type: "56", start_time: "2024-05-07T05:00:30Z", end_time: "2024-05-07T05:41:00Z", distance_meters: 11_100, metadata: { data_origin: "com.samsung.health" } }] }),
      "?tz=Europe/Berlin",
    );

    const first = await activityPage(t.db, u.userId, {}, 3);
    expect(first.rows.map((r) => r.localDate)).toEqual(["2024-05-07", "2024-05-06", "2024-05-05"]);
    const second = await activityPage(t.db, u.userId, activityFilters.parse({ before: first.next! }), 3);
    expect(second.rows.map((r) => r.localDate)).toEqual(["2024-05-04", "2024-05-03", "2024-05-02"]);
    const third = await activityPage(t.db, u.userId, activityFilters.parse({ before: second.next! }), 3);
    expect(third).toMatchObject({ next: null });
    expect(third.rows.map((r) => r.localDate)).toEqual(["2024-05-01"]);

    const runs = await activityPage(t.db, u.userId, { type: "running" });
    expect(runs.rows.map((r) => r.localDate)).toEqual(["2024-05-07", "2024-05-05", "2024-05-03", "2024-05-01"]);
    const fromHc = await activityPage(t.db, u.userId, { source: "health_connect" });
    expect(fromHc.rows.map((r) => r.localDate)).toEqual(["2024-05-07"]);
    const ranged = await activityPage(t.db, u.userId, { from: "2024-05-02", to: "2024-05-03" });
    expect(ranged.rows).toHaveLength(2);
    // 1–7 May 2024: Wed 1 – Sun 5 in the week of Monday 29 April, Mon 6 – Tue 7 in the next.
    // Distances 5…11 km; the 7 May run counts once (11 km from its best copy).
    expect((await activityTotals(t.db, u.userId, "week")).map((w) => [w.period, w.count, w.distanceM])).toEqual([
      ["2024-05-06", 2, 21_000],
      ["2024-04-29", 5, 35_000],
    ]);
    expect((await activityTotals(t.db, u.userId, "month", 12, { type: "running" })).map((m) => [m.period, m.count, m.distanceM])).toEqual([["2024-05-01", 4, 32_000]]);
    // The newest periods only, however far back the history goes.
    expect((await activityTotals(t.db, u.userId, "week", 1)).map((w) => [w.period, w.count])).toEqual([["2024-05-06", 2]]);
    expect((await activityTotals(t.db, u.userId, "week", 1, { type: "walking" })).map((w) => [w.period, w.count])).toEqual([["2024-05-06", 1]]);
    // Weeks from Sunday: Wed 1 – Sat 4 May in the week of Sunday 28 April, Sun 5 – Tue 7 in the next.
    await setWeekStart(t.db, u.userId, "sunday");
    expect((await activityTotals(t.db, u.userId, "week")).map((w) => [w.period, w.count, w.distanceM])).toEqual([
      ["2024-05-05", 3, 30_000],
      ["2024-04-28", 4, 26_000],
    ]);
    expect(await activityFacets(t.db, u.userId)).toEqual({ types: ["running", "walking"], sources: ["apple_health", "health_connect"] });

    const detail = await activityDetail(t.db, u.userId, fromHc.rows[0].id);
    expect(detail!.activity.distanceM).toBe(11_000);
    expect(detail!.copies.map((c) => [c.provider, c.primary, c.row?.distanceM])).toEqual([
      ["apple_health", true, 11_000],
      ["health_connect", false, 11_100],
    ]);
    expect(formatTime(detail!.activity.startAt, detail!.activity.utcOffsetMinutes, "UTC")).toBe("2024-05-07 07:00 UTC+02:00");
    // Another user's workout is not found, nor is a malformed id.
    const other = await userWithKey(t.db, "activities-other");
    expect(await activityDetail(t.db, other.userId, fromHc.rows[0].id)).toBeNull();
    expect(await activityDetail(t.db, u.userId, "not-a-uuid")).toBeNull();
  });

  it("nights and naps apart", async () => {
    const u = await userWithKey(t.db, "sleep");
    await ingest(
      u.key,
      JSON.stringify({
        timestamp: "2024-05-08T18:00:00Z",
        sleep: [
          {
            session_end_time: "2024-05-08T06:00:00Z",
            stages: [
              { stage: "4", start_time: "2024-05-07T22:00:00Z", end_time: "2024-05-08T02:00:00Z" },
              { stage: "5", start_time: "2024-05-08T02:00:00Z", end_time: "2024-05-08T05:00:00Z" },
              { stage: "6", start_time: "2024-05-08T05:00:00Z", end_time: "2024-05-08T06:00:00Z" },
            ],
            metadata: { data_origin: "com.sec.android.app.shealth" },
          },
          {
            session_end_time: "2024-05-08T14:25:00Z",
            stages: [{ stage: "4", start_time: "2024-05-08T14:00:00Z", end_time: "2024-05-08T14:25:00Z" }],
            metadata: { data_origin: "com.sec.android.app.shealth" },
          },
        ],
      }),
      "?tz=UTC",
    );
    const s = await sleepRange(t.db, u.userId, { from: "2024-05-01", to: "2024-05-31" });
    expect(s.nights.map((n) => [n.localDate, n.lightS, n.deepS, n.remS])).toEqual([["2024-05-08", 4 * 3600, 3 * 3600, 3600]]);
    expect(s.naps.map((n) => [n.localDate, n.asleepS])).toEqual([["2024-05-08", 25 * 60]]);
    const detail = await sleepDetail(t.db, u.userId, s.nights[0].id);
    expect(detail!.copies.map((c) => [c.provider, c.primary, c.row?.deepS])).toEqual([["health_connect", true, 3 * 3600]]);
    expect(await sleepDetail(t.db, (await userWithKey(t.db, "sleep-other")).userId, s.nights[0].id)).toBeNull();
  });
});

describe("heart rate", () => {
  it("min/avg/max buckets computed in SQL; a mirrored copy in the same bucket never adds to it", async () => {
    const u = await userWithKey(t.db, "heart");
    // Apple Health: 10:00 60, 10:20 90, 10:40 75 and 12:10 100 (UTC). Withings, ranked above the phone bridge
    // for heart data, also has 12:10 (mirrored, 101) and 12:30 (111): the 12:00 hour is Withings' alone.
    const hr = (date: string, qty: number) => ({ date, Avg: qty, units: "count/min", source: "iPhone" });
    await ingest(
      u.key,
      hae([
        {
          name: "heart_rate",
          units: "count/min",
          data: [hr("2024-05-10 10:00:00 +0000", 60), hr("2024-05-10 10:20:00 +0000", 90), hr("2024-05-10 10:40:00 +0000", 75), hr("2024-05-10 12:10:00 +0000", 100)],
        },
      ]),
    );
    await upsertBatch(t.db, u.userId, {
      measurements: [
        { provider: "withings", type: "heart_rate", measuredAt: new Date("2024-05-10T12:10:00Z"), value: 101, unit: "bpm", source: null, raw: null },
        { provider: "withings", type: "heart_rate", measuredAt: new Date("2024-05-10T12:30:00Z"), value: 111, unit: "bpm", source: null, raw: null },
      ],
    });
    const fromMs = Date.parse("2024-05-04T00:00:00Z");
    const toMs = Date.parse("2024-05-11T00:00:00Z");
    // 7 days in at most 300 buckets: 33.6 min each at least, so hours.
    expect(bucketSize(fromMs, toMs)).toBe(3_600_000);
    expect((toMs - fromMs) / bucketSize(fromMs, toMs)).toBeLessThanOrEqual(MAX_BUCKETS);
    const { buckets } = await heartRateBuckets(t.db, u.userId, { fromMs, toMs });
    expect(buckets.map((b) => [new Date(b.t).toISOString(), b.min, b.avg, b.max, b.n, b.provider])).toEqual([
      ["2024-05-10T10:00:00.000Z", 60, 75, 90, 3, "apple_health"],
      ["2024-05-10T12:00:00.000Z", 101, 106, 111, 2, "withings"],
    ]);
    // A range that ends before the readings holds none.
    expect((await heartRateBuckets(t.db, u.userId, { fromMs, toMs: Date.parse("2024-05-10T00:00:00Z") })).buckets).toEqual([]);
  });
});

describe("a workout's heart rate and route", () => {
  // "2024-05-10 05:00:05 +0000", the bridge's own date format.
  const bridgeDate = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} +0000`;
  const start = Date.parse("2024-05-10T05:00:00Z");

  it("its own recording in buckets of 10 s, the route thinned to at most 1000 points, first and last kept", async () => {
    const u = await userWithKey(t.db, "workout-hr");
    // 45 minutes, a sample every 5 s at 100 + its index: bucket k holds samples 2k and 2k + 1.
    const heartRateData = Array.from({ length: 540 }, (_, i) => ({ date: bridgeDate(start + i * 5000), Avg: 100 + i, units: "count/min" }));
    const route = Array.from({ length: 2500 }, (_, i) => ({ latitude: 52.5 + i * 1e-5, longitude: 13.4 + i * 2e-5, timestamp: bridgeDate(start + i * 1000) }));
    await ingest(u.key, hae([], [{ id: "hr-run", name: "Outdoor Run", start: bridgeDate(start), end: bridgeDate(start + 45 * 60_000), heartRateData, route }]));
    const [row] = (await activityPage(t.db, u.userId, {})).rows;
    const detail = (await activityDetail(t.db, u.userId, row.id))!;

    const hr = (await activityHeartRate(t.db, u.userId, detail))!;
    expect([hr.from, hr.size, bucketLabel(hr.size), hr.buckets.length]).toEqual(["recording", 10_000, "10 s", 270]);
    expect(hr.buckets[3]).toMatchObject({ t: start + 30_000, min: 106, avg: 106.5, max: 107, n: 2, provider: "apple_health" });

    const r = activityRoute(detail)!;
    expect(r.recorded).toBe(2500);
    expect(r.points.length).toBeLessThanOrEqual(MAX_ROUTE_POINTS);
    expect(r.points[0]).toEqual([52.5, 13.4]);
    expect(r.points[r.points.length - 1][0]).toBeCloseTo(52.5 + 2499e-5, 9);
  });

  it("else the heart-rate readings within its start and end, and no route", async () => {
    const u = await userWithKey(t.db, "workout-readings");
    const hr = (ms: number, qty: number) => ({ date: bridgeDate(ms), Avg: qty, units: "count/min", source: "Apple Watch" });
    // Readings a minute apart from 10 minutes before to 10 minutes after a 30-minute walk.
    const readings = Array.from({ length: 51 }, (_, i) => hr(start + (i - 10) * 60_000, 90 + i));
    await ingest(u.key, hae([{ name: "heart_rate", units: "count/min", data: readings }], [{ id: "walk", name: "Outdoor Walk", start: bridgeDate(start), end: bridgeDate(start + 30 * 60_000) }]));
    const [row] = (await activityPage(t.db, u.userId, {})).rows;
    const detail = (await activityDetail(t.db, u.userId, row.id))!;
    const got = (await activityHeartRate(t.db, u.userId, detail))!;
    expect(got.from).toBe("readings");
    // 30 min / 300 buckets = 6 s → 10 s buckets, one reading each: the 30 within the walk, 100…129 bpm.
    expect(got.buckets.map((b) => b.avg)).toEqual(Array.from({ length: 30 }, (_, i) => 100 + i));
    expect(got.buckets[0]).toMatchObject({ t: start, provider: "apple_health", source: "Apple Watch" });
    expect(activityRoute(detail)).toBeNull();
  });
});
