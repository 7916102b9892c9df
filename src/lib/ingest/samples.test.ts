import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb, type TestDb } from "@/test/db";
import { daily, fixture, m, post, rowsOf, userWithKey } from "./testing";

/**
 * Every bridge payload sample (copied from shared/samples into ./fixtures, see the .source.txt
 * next to each) goes through the real handler into a real database. Expected rows are worked out
 * by hand from the sample; unit conversions are written out (1 mi = 1609.344 m, 1 lb =
 * 0.45359237 kg, 1 kcal = 4.184 kJ, °C = (°F − 32) × 5/9, glucose mmol/L = mg/dL ÷ 18.0156,
 * 1 h = 3600 s). Each sample is then sent again and must change nothing.
 */

const close = (x: number) => expect.closeTo(x, 9);
const MI = 1609.344;
const LB = 0.45359237;
const FT = 0.3048;
const KJ = 4.184;

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
});
afterAll(async () => t?.close());

type Counts = Record<string, { inserted: number; updated: number; unchanged: number }>;

/** Ingests `body` for a new user, checks the response, re-sends, and returns the stored rows. */
async function ingestTwice(body: string, query = "") {
  const user = await userWithKey(t.db);
  const first = await post(t.db, body, { key: user.key, query });
  expect(first.status, JSON.stringify(first.json)).toBe(200);
  const rows = await rowsOf(t.db, user.userId);
  const again = await post(t.db, body, { key: user.key, query });
  expect(again.status).toBe(200);
  for (const [table, c] of Object.entries(again.json.counts as Counts)) {
    expect({ table, inserted: c.inserted, updated: c.updated }).toEqual({ table, inserted: 0, updated: 0 });
    expect(c.unchanged).toBe((first.json.counts as Counts)[table].inserted);
  }
  expect(await rowsOf(t.db, user.userId)).toEqual(rows);
  return { rows, first: first.json, user };
}

const inserted = (n: Partial<Record<string, number>>) => ({
  activity: { inserted: n.activity ?? 0, updated: 0, unchanged: 0 },
  sleep_session: { inserted: n.sleep_session ?? 0, updated: 0, unchanged: 0 },
  daily_summary: { inserted: n.daily_summary ?? 0, updated: 0, unchanged: 0 },
  measurement: { inserted: n.measurement ?? 0, updated: 0, unchanged: 0 },
  raw_record: { inserted: n.raw_record ?? 0, updated: 0, unchanged: 0 },
});

describe("Health Auto Export samples", () => {
  it("hae-v1-sleep-aggregated.json: v1 aggregated sleep, attributed to the wake-up day", async () => {
    const sample = fixture("hae-v1-sleep-aggregated.json");
    const { rows, first } = await ingestTwice(sample);
    expect(first).toMatchObject({ format: "health_auto_export", counts: inserted({ sleep_session: 1, daily_summary: 1 }) });
    const asleep = 6.108333333333333 * 3600; // hours → s
    expect(rows.sleep_session).toEqual([
      {
        provider: "apple_health",
        externalId: "night-2021-12-18",
        startAt: new Date("2021-12-17T18:12:50Z"), // inBedStart 02:12:50 +0800
        endAt: new Date("2021-12-18T01:04:45Z"), // inBedEnd 09:04:45 +0800
        localDate: "2021-12-18",
        utcOffsetMinutes: 480,
        inBedS: close(6.809728874299261 * 3600),
        asleepS: close(asleep),
        deepS: null,
        lightS: null,
        remS: null,
        awakeS: null,
        efficiencyPct: null,
        avgHr: null,
        minHr: null,
        hrvRmssdMs: null,
        hrvSdnnMs: null,
        score: null,
        isNap: false,
        source: "Irvin’s Apple Watch",
        deletedAt: null,
        raw: JSON.parse(sample).data.metrics[0].data[0],
      },
    ]);
    expect(rows.daily_summary).toEqual([daily("apple_health", "2021-12-18", { sleepS: close(asleep) })]);
    expect(rows.measurement).toEqual([]);
  });

  it("hae-v2-metrics-docderived.json: qty, Min/Avg/Max, blood pressure, staged sleep", async () => {
    const sample = fixture("hae-v2-metrics-docderived.json");
    const { rows, first } = await ingestTwice(sample);
    expect(first.counts).toEqual(inserted({ measurement: 5, sleep_session: 1, daily_summary: 1 }));
    const at = "2024-02-06T22:30:00Z"; // 14:30 -0800
    expect(rows.measurement).toEqual([
      m("bp_diastolic", at, 80, "mmHg"),
      m("bp_systolic", at, 120, "mmHg"),
      m("heart_rate", at, 72, "bpm", { raw: { min: 65, max: 85 } }),
      m("resting_heart_rate", at, 58, "bpm"),
      m("steps", at, 412, "count", { source: "Apple Watch", raw: { sources: ["Apple Watch", "iPhone"] } }),
    ]);
    expect(rows.sleep_session).toEqual([
      expect.objectContaining({
        externalId: "night-2024-02-06",
        startAt: new Date("2024-02-06T06:45:00Z"), // inBedStart 22:45 -0800 (before sleepStart)
        endAt: new Date("2024-02-06T14:45:00Z"), // inBedEnd 06:45 -0800 (after sleepEnd)
        localDate: "2024-02-06",
        utcOffsetMinutes: -480,
        inBedS: 8 * 3600,
        asleepS: 7.5 * 3600, // totalSleep
        lightS: 3.5 * 3600, // core
        deepS: 1.5 * 3600,
        remS: 2 * 3600,
        awakeS: null,
        isNap: false,
        source: null,
      }),
    ]);
    expect(rows.daily_summary).toEqual([
      daily("apple_health", "2024-02-06", { steps: 412, restingHr: 58, avgHr: 72, sleepS: 7.5 * 3600 }),
    ]);
  });

  it("hae-v2-sleep-unaggregated-docderived.json: segments grouped into one night", async () => {
    const { rows, first } = await ingestTwice(fixture("hae-v2-sleep-unaggregated-docderived.json"));
    expect(first.counts).toEqual(inserted({ sleep_session: 1, daily_summary: 1 }));
    // Durations from the timestamps (qty is rounded: 0.0833 h): core 30 min, deep 45, awake 5, REM 40.
    expect(rows.sleep_session).toEqual([
      expect.objectContaining({
        externalId: "night-2024-02-06",
        startAt: new Date("2024-02-06T06:45:00Z"), // In Bed from 22:45 -0800
        endAt: new Date("2024-02-06T09:00:00Z"), // REM until 01:00 -0800
        localDate: "2024-02-06",
        utcOffsetMinutes: -480,
        inBedS: 2 * 3600 + 15 * 60,
        lightS: 30 * 60,
        deepS: 45 * 60,
        remS: 40 * 60,
        awakeS: 5 * 60,
        asleepS: (30 + 45 + 40) * 60,
        isNap: false,
        source: "Apple Watch",
        raw: { segments: 5, sources: ["iPhone", "Apple Watch"] },
      }),
    ]);
    expect(rows.daily_summary).toEqual([daily("apple_health", "2024-02-06", { sleepS: 115 * 60 })]);
  });

  it("hae-v2-workouts-docderived.json: v2 workout with id, series and route", async () => {
    const sample = fixture("hae-v2-workouts-docderived.json");
    const { rows, first } = await ingestTwice(sample);
    expect(first).toMatchObject({ versions: [2], counts: inserted({ activity: 1 }) });
    // raw keeps the workout without its arrays (series and route go to `samples`).
    const summary = Object.fromEntries(
      Object.entries(JSON.parse(sample).data.workouts[0] as Record<string, unknown>).filter(([, v]) => !Array.isArray(v)),
    );
    expect(rows.activity).toEqual([
      {
        provider: "apple_health",
        externalId: "550E8400-E29B-41D4-A716-446655440000",
        type: "running",
        name: "Outdoor Run",
        startAt: new Date("2024-02-06T15:00:00Z"),
        endAt: new Date("2024-02-06T15:30:00Z"),
        localDate: "2024-02-06",
        utcOffsetMinutes: -480,
        durationS: 1800,
        movingS: null,
        distanceM: close(3.5 * MI),
        energyKcal: 350,
        avgHr: 150,
        maxHr: 175,
        elevationGainM: close(42 * FT),
        steps: 162,
        source: null,
        samples: {
          heart_rate: [
            { t: "2024-02-06T15:00:00.000Z", bpm: 131, min: 120, max: 140 },
            { t: "2024-02-06T15:01:00.000Z", bpm: 147, min: 138, max: 155 },
          ],
          heart_rate_recovery: [
            { t: "2024-02-06T15:30:00.000Z", bpm: 150 },
            { t: "2024-02-06T15:31:00.000Z", bpm: 128 },
          ],
          route: [
            {
              t: "2024-02-06T15:00:00.000Z",
              lat: 37.7749,
              lon: -122.4194,
              alt_m: 50.5,
              speed_mps: 3.1,
              speed_acc_mps: 0.5,
              course_deg: 45,
              course_acc_deg: 5,
              h_acc_m: 10,
              v_acc_m: 15,
            },
          ],
          series: {
            activeEnergy: { unit: "kcal", points: [{ t: "2024-02-06T15:00:00.000Z", v: 11.4 }] },
            stepCount: { unit: "count", points: [{ t: "2024-02-06T15:00:00.000Z", v: 162 }] },
            walkingAndRunningDistance: { unit: "m", points: [{ t: "2024-02-06T15:00:00.000Z", v: close(0.12 * MI) }] },
          },
        },
        deletedAt: null,
        raw: summary,
      },
    ]);
    expect(rows.measurement).toEqual([]);
    expect(rows.daily_summary).toEqual([]);
  });

  it("hae-v1-workout-synthetic.json: v1 workout, stable id from name+start, 12-hour dates, kJ/km/ft", async () => {
    const { rows, first } = await ingestTwice(fixture("hae-v1-workout-synthetic.json"));
    expect(first).toMatchObject({ versions: [1], counts: inserted({ activity: 1 }) });
    // "4:51:59 pm +1000" = 16:51:59 +10:00 = 06:51:59Z; "5:40:29 pm" = 07:40:29Z.
    const id = createHash("sha256").update("Outdoor Walk|2024-09-28T06:51:59.000Z").digest("hex"); // no end: an edit moves it
    expect(rows.activity).toEqual([
      expect.objectContaining({
        externalId: `v1-${id.slice(0, 32)}`,
        type: "walking",
        name: "Outdoor Walk",
        startAt: new Date("2024-09-28T06:51:59Z"),
        endAt: new Date("2024-09-28T07:40:29Z"),
        localDate: "2024-09-28",
        utcOffsetMinutes: 600,
        durationS: 48 * 60 + 30,
        distanceM: 4200,
        energyKcal: close(1464 / KJ),
        avgHr: 104,
        maxHr: 131,
        elevationGainM: close(98.4 * FT),
        steps: 5380,
        samples: {
          heart_rate: [
            { t: "2024-09-28T06:52:00.000Z", bpm: 96 },
            { t: "2024-09-28T06:53:00.000Z", bpm: 108 },
          ],
          heart_rate_recovery: [{ t: "2024-09-28T07:41:00.000Z", bpm: 99 }],
          route: [
            { t: "2024-09-28T06:52:00.000Z", lat: -27.4698, lon: 153.0251, alt_m: 28.1 },
            { t: "2024-09-28T06:52:05.000Z", lat: -27.4702, lon: 153.0259, alt_m: 29.4 },
          ],
        },
      }),
    ]);
    expect(Object.keys(rows.activity[0].raw as object).sort()).toEqual(
      ["activeEnergy", "avgHeartRate", "distance", "elevation", "end", "humidity", "intensity", "maxHeartRate", "name", "start", "stepCount", "temperature"],
    );
  });

  it("hae-v2-route-point-issue39.json: the real v1 and v2 route point shapes", async () => {
    const { v1_route_point, v2_route_point } = JSON.parse(fixture("hae-v2-route-point-issue39.json"));
    const base = { name: "Outdoor Run", start: "2025-08-06 00:00:00 +0000", end: "2025-08-06 00:30:00 +0000" };
    const body = JSON.stringify({
      data: { workouts: [{ ...base, id: "ISSUE-39", duration: 1800, route: [v2_route_point] }, { ...base, route: [v1_route_point] }] },
    });
    const { rows, first } = await ingestTwice(body);
    expect(first).toMatchObject({ versions: [1, 2], counts: inserted({ activity: 2 }) });
    const routes = Object.fromEntries(rows.activity.map((a) => [a.externalId, (a.samples as { route: unknown }).route]));
    const t = "2025-08-06T00:00:00.000Z";
    expect(routes["ISSUE-39"]).toEqual([
      {
        t,
        lat: 0,
        lon: 0,
        alt_m: 0,
        speed_mps: 0.03661782294511795,
        speed_acc_mps: 0.5454300045967102,
        course_deg: 41.44723129272461,
        course_acc_deg: 853.4324340820312,
        h_acc_m: 6.693994045257568,
        v_acc_m: 4.9169816970825195,
      },
    ]);
    const v1 = rows.activity.find((a) => a.externalId !== "ISSUE-39")!;
    expect(v1.externalId).toMatch(/^v1-[0-9a-f]{32}$/);
    expect((v1.samples as { route: unknown }).route).toEqual([{ t, lat: 0, lon: 0, alt_m: 0 }]);
  });

  it("hae-v2-all-metrics-imperial-synthetic.json: every listed metric, imperial units → SI", async () => {
    const { rows, first } = await ingestTwice(fixture("hae-v2-all-metrics-imperial-synthetic.json"));
    expect(first.counts).toEqual(inserted({ measurement: 32, daily_summary: 1, raw_record: 1 }));
    expect(first.unmapped).toEqual({ count: 1, names: { walking_speed: 1 } });
    // All dates are 2024-03-05 at +01:00, so 08:00 local = 07:00Z; 00:00 local = 2024-03-04T23:00Z.
    const z = (hhmm: string) => `2024-03-05T${hhmm}:00Z`;
    const midnight = "2024-03-04T23:00:00Z";
    const F = (f: number) => ((f - 32) * 5) / 9;
    expect(rows.measurement).toEqual(
      [
        m("active_energy", z("07:00"), close(418.4 / KJ), "kcal", { raw: { qty: 418.4, units: "kJ" } }),
        m("active_energy", z("08:00"), close(209.2 / KJ), "kcal", { raw: { qty: 209.2, units: "kJ" } }),
        m("basal_energy", midnight, close(6276 / KJ), "kcal", { raw: { qty: 6276, units: "kJ" } }),
        m("bmi", z("06:00"), 23.4, "kg/m2"),
        m("body_temperature", z("06:30"), close(F(98.6)), "degC", { raw: { qty: 98.6, units: "degF" } }),
        m("bp_diastolic", z("06:30"), 76, "mmHg"),
        m("bp_systolic", z("06:30"), 118, "mmHg"),
        m("dietary_caffeine", z("09:00"), close(95 / 1000), "g", { raw: { qty: 95, units: "mg" } }),
        m("dietary_energy", z("11:00"), 650, "kcal"),
        m("dietary_protein", z("11:00"), 32, "g"),
        m("distance", z("07:00"), close(0.75 * MI), "m", { raw: { qty: 0.75, units: "mi" } }),
        m("distance", z("08:00"), close(0.5 * MI), "m", { raw: { qty: 0.5, units: "mi" } }),
        m("exercise_time", z("07:00"), 12 * 60, "s", { raw: { qty: 12, units: "min" } }),
        m("fat_ratio", z("06:00"), close(21.5), "%", { raw: { qty: 0.215, units: "%" } }),
        m("flights_climbed", z("07:00"), 3, "count"),
        m("glucose", z("06:30"), close(95 / 18.0156), "mmol/L", { raw: { mealTime: "Before Meal", qty: 95, units: "mg/dL" } }),
        m("heart_rate", z("07:00"), 70, "bpm", { source: "Apple Watch", raw: { min: 60, max: 80 } }),
        m("heart_rate", z("08:00"), 75, "bpm", { source: "Apple Watch" }),
        m("hrv_sdnn", z("02:00"), 45.2, "ms"),
        m("lean_body_mass", z("06:00"), close(129.5 * LB), "kg", { raw: { qty: 129.5, units: "lb" } }),
        m("respiratory_rate", z("02:00"), 14.5, "/min"),
        m("resting_heart_rate", midnight, 52, "bpm"),
        m("spo2", z("02:00"), close(97), "%", { raw: { qty: 0.97, units: "%" } }), // a fraction
        m("spo2", z("03:00"), 96, "%"),
        m("stand_hours", z("07:00"), 1, "count"),
        m("steps", z("07:00"), 1200.5, "count", { source: "Apple Watch", raw: { sources: ["Apple Watch", "iPhone"] } }),
        m("steps", z("08:00"), 800, "count", { source: "iPhone" }), // "9:00:00 am +0100"
        m("vo2_max", midnight, 42.3, "mL/kg/min"),
        m("walking_heart_rate", midnight, 98, "bpm"),
        m("weight", z("06:00"), close(165 * LB), "kg", { raw: { qty: 165, units: "lb" } }),
        m("weight", z("19:00"), close(164 * LB), "kg", { raw: { qty: 164, units: "lb" } }), // "8:00:00 PM" with U+202F
        m("wrist_temperature", z("04:00"), close(F(96.8)), "degC", { raw: { qty: 96.8, units: "degF" } }),
      ],
    );
    expect(rows.raw_record).toEqual([
      {
        provider: "apple_health",
        resource: "metric:walking_speed",
        externalId: "2024-03-05T07:00:00.000Z|iPhone",
        payload: { units: "km/hr", date: "2024-03-05 08:00:00 +0100", qty: 4.8, source: "iPhone" },
      },
    ]);
    expect(rows.daily_summary).toEqual([
      daily("apple_health", "2024-03-05", {
        steps: 2001, // 1200.5 + 800 = 2000.5, rounded
        distanceM: close(1.25 * MI),
        activeEnergyKcal: close((418.4 + 209.2) / KJ),
        totalEnergyKcal: close((6276 + 418.4 + 209.2) / KJ), // basal + active
        restingHr: 52,
        avgHr: 72.5, // mean of 70 and 75
        hrvSdnnMs: 45.2,
        spo2Pct: close(96.5), // mean of 97 and 96
        weightKg: close(164 * LB), // the day's last weighing
      }),
    ]);
  });
});

describe("Health Connect samples", () => {
  it("health-connect-hcwebhook.json: every record type, stage and exercise ints", async () => {
    const sample = fixture("health-connect-hcwebhook.json");
    const { rows, first } = await ingestTwice(sample);
    expect(first).toMatchObject({
      format: "health_connect_webhook",
      counts: inserted({ measurement: 12, sleep_session: 1, activity: 1, daily_summary: 2 }),
    });
    const hc = (type: string, at: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      m(type, at, value, unit, { provider: "health_connect", ...extra });
    expect(rows.measurement).toEqual([
      hc("active_energy", "2026-05-09T08:00:00Z", 312, "kcal", { raw: { end_time: "2026-05-09T09:00:00Z" } }),
      hc("bp_diastolic", "2026-05-09T07:35:00Z", 79, "mmHg"),
      hc("bp_systolic", "2026-05-09T07:35:00Z", 121, "mmHg"),
      hc("distance", "2026-05-09T08:00:00Z", 5420, "m", { raw: { end_time: "2026-05-09T09:00:00Z" } }),
      hc("heart_rate", "2026-05-09T08:15:00Z", 72, "bpm"),
      hc("heart_rate", "2026-05-09T08:20:00Z", 75, "bpm", { raw: { min: 68, max: 83 } }),
      hc("hrv_rmssd", "2026-05-09T06:30:00Z", 42.5, "ms"),
      hc("resting_heart_rate", "2026-05-09T06:00:00Z", 54, "bpm"),
      hc("spo2", "2026-05-09T03:10:00Z", 97, "%"),
      hc("steps", "2026-05-08T00:00:00Z", 8421, "count", {
        source: "com.google.android.apps.fitness",
        raw: {
          end_time: "2026-05-09T00:00:00Z",
          metadata: { data_origin: "com.google.android.apps.fitness", recording_method: "automatically_recorded" },
        },
      }),
      hc("total_energy", "2026-05-08T00:00:00Z", 2100, "kcal", { raw: { end_time: "2026-05-09T00:00:00Z" } }),
      hc("weight", "2026-05-09T07:30:00Z", 75.5, "kg"),
    ]);
    const record = JSON.parse(sample);
    expect(rows.sleep_session).toEqual([
      expect.objectContaining({
        provider: "health_connect",
        externalId: "sleep-start-2026-05-08T22:50:00.000Z", // no metadata.id: the start
        startAt: new Date("2026-05-08T22:50:00Z"), // end − 26 400 s
        endAt: new Date("2026-05-09T06:10:00Z"),
        localDate: "2026-05-09",
        utcOffsetMinutes: 0,
        inBedS: 26400,
        lightS: 6000 + 12000, // stage "4" twice
        deepS: 4200, // "5"
        remS: 3600, // "6"
        awakeS: 600, // "1"
        asleepS: 6000 + 12000 + 4200 + 3600,
        isNap: false,
        source: "com.sec.android.app.shealth",
        raw: record.sleep[0],
      }),
    ]);
    const id = createHash("sha256").update("running|2026-05-09T07:00:00.000Z").digest("hex"); // type + start, no end
    expect(rows.activity).toEqual([
      expect.objectContaining({
        provider: "health_connect",
        externalId: `hc-${id.slice(0, 32)}`,
        type: "running", // "56" = EXERCISE_TYPE_RUNNING
        name: null,
        startAt: new Date("2026-05-09T07:00:00Z"),
        endAt: new Date("2026-05-09T07:45:00Z"),
        localDate: "2026-05-09",
        durationS: 2700,
        distanceM: 8120.4,
        steps: 7311,
        energyKcal: null,
        raw: record.exercise[0],
      }),
    ]);
    expect(rows.daily_summary).toEqual([
      daily("health_connect", "2026-05-08", { steps: 8421, totalEnergyKcal: 2100 }),
      daily("health_connect", "2026-05-09", {
        distanceM: 5420,
        activeEnergyKcal: 312,
        restingHr: 54,
        avgHr: 73.5, // mean of 72 and 75
        hrvRmssdMs: 42.5, // RMSSD stays RMSSD
        spo2Pct: 97,
        weightKg: 75.5,
        sleepS: 25800,
      }),
    ]);
  });

  it("health-connect-lifedashboard.json: names instead of ints, its own HRV field", async () => {
    const { rows, first } = await ingestTwice(fixture("health-connect-lifedashboard.json"));
    expect(first).toMatchObject({
      format: "health_connect_life_dashboard",
      counts: inserted({ measurement: 10, sleep_session: 1, activity: 1, daily_summary: 1 }),
    });
    const at7 = "2025-02-05T07:00:00Z";
    const hc = (type: string, at: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      m(type, at, value, unit, { provider: "health_connect", ...extra });
    const end = { raw: { end_time: "2025-02-05T09:00:00Z" } };
    expect(rows.measurement).toEqual([
      hc("active_energy", "2025-02-05T08:00:00Z", 245.3, "kcal", end),
      hc("bp_diastolic", at7, 80, "mmHg"),
      hc("bp_systolic", at7, 120, "mmHg"),
      hc("distance", "2025-02-05T08:00:00Z", 1523.5, "m", end),
      hc("heart_rate", "2025-02-05T10:30:00Z", 72, "bpm"),
      hc("hrv_rmssd", at7, 42.5, "ms"),
      hc("resting_heart_rate", at7, 58, "bpm"),
      hc("spo2", at7, 98, "%"),
      hc("steps", "2025-02-05T08:00:00Z", 1234, "count", end),
      hc("weight", at7, 75.5, "kg"),
    ]);
    expect(rows.sleep_session).toEqual([
      expect.objectContaining({
        startAt: new Date("2025-02-04T23:30:00Z"), // session_end_time − duration_seconds
        endAt: new Date("2025-02-05T07:30:00Z"),
        localDate: "2025-02-05",
        inBedS: 28800,
        deepS: 7200, // stage "deep"
        asleepS: 7200,
        lightS: null,
        remS: null,
        awakeS: null,
      }),
    ]);
    expect(rows.activity).toEqual([
      expect.objectContaining({ type: "running", durationS: 3600, startAt: new Date("2025-02-05T07:00:00Z") }),
    ]);
    expect(rows.daily_summary).toEqual([
      daily("health_connect", "2025-02-05", {
        steps: 1234,
        distanceM: 1523.5,
        activeEnergyKcal: 245.3,
        restingHr: 58,
        avgHr: 72,
        hrvRmssdMs: 42.5,
        spo2Pct: 98,
        weightKg: 75.5,
        sleepS: 7200,
      }),
    ]);
  });

  it("health-connect-exports-angeloanan.json: yesterday's totals, key in the query string", async () => {
    const sample = fixture("health-connect-exports-angeloanan.json");
    const user = await userWithKey(t.db);
    // This app cannot send headers: the key rides in the URL.
    const res = await post(t.db, sample, { query: `?key=${user.key}` });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ format: "health_connect_exports", counts: inserted({ daily_summary: 1 }) });
    // time 1717102800000 = 2024-05-30T21:00Z = local midnight at +03:00 → the day is 2024-05-31.
    const expected = daily("health_connect", "2024-05-31", {
      steps: 9412,
      activeEnergyKcal: 412.57,
      totalEnergyKcal: 2234.812,
      sleepS: 26820,
      raw: { health_connect_exports: JSON.parse(sample).data && { time: 1717102800000, ...JSON.parse(sample).data } },
    });
    expect((await rowsOf(t.db, user.userId)).daily_summary).toEqual([expected]);
    const again = await post(t.db, sample, { query: `?key=${user.key}` });
    expect(again.json.counts.daily_summary).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    // An explicit zone wins over the guess: 21:00Z on May 30 is 17:00 in New York, so May 30.
    const other = await userWithKey(t.db);
    await post(t.db, sample, { query: `?key=${other.key}&tz=America/New_York` });
    expect((await rowsOf(t.db, other.userId)).daily_summary.map((d) => d.date)).toEqual(["2024-05-30"]);
  });

  it("health-connect-hcgateway-sync-steps.json: a raw Steps record", async () => {
    const { rows, first } = await ingestTwice(fixture("health-connect-hcgateway-sync-steps.json"));
    expect(first).toMatchObject({ format: "hcgateway", counts: inserted({ measurement: 1, daily_summary: 1 }) });
    expect(rows.measurement).toEqual([
      m("steps", "2025-03-01T08:00:00Z", 1234, "count", {
        provider: "health_connect",
        source: "com.google.android.apps.fitness",
        raw: {
          endTime: "2025-03-01T09:00:00.000Z",
          metadata: {
            id: "0b1c9b4e-6f0e-4d2e-9a55-2f5f0d7f1a11",
            dataOrigin: "com.google.android.apps.fitness",
            lastModifiedTime: "2025-03-01T09:05:12.345Z",
            clientRecordVersion: 0,
            recordingMethod: 0,
            device: 0,
          },
        },
      }),
    ]);
    expect(rows.daily_summary).toEqual([daily("health_connect", "2025-03-01", { steps: 1234 })]);
  });

  it("uses ?tz= for Health Connect local days", async () => {
    // 2026-05-08T00:00Z is still May 7 in Los Angeles (17:00 PDT).
    const { rows } = await ingestTwice(fixture("health-connect-hcwebhook.json"), "?tz=America/Los_Angeles");
    expect(rows.daily_summary.map((d) => [d.date, d.steps])).toEqual([
      ["2026-05-07", 8421],
      ["2026-05-08", null],
      ["2026-05-09", null],
    ]);
    expect(rows.sleep_session[0]).toMatchObject({ localDate: "2026-05-08", utcOffsetMinutes: -420 }); // woke 23:10 PDT
  });
});
