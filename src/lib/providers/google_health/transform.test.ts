import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { googleHealthTransforms as t } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("google_health transforms", () => {
  it("exercise: millimetres → metres, int64 strings, local day from the record's own offset", () => {
    const { batch, skipped } = t.exercise([fixture("exercise.json")]);
    expect(skipped).toEqual([]);
    // 04:30Z at −08:00 is 20:30 on the 7th: the local day is the 7th, not the UTC 8th.
    expect(batch.activities[0]).toMatchObject({
      externalId: "run-0042",
      type: "running",
      localDate: "2026-03-07",
      utcOffsetMinutes: -480,
      durationS: 2700,
      movingS: 2520,
      distanceM: 8046.72,
      energyKcal: 512.5,
      avgHr: 151,
      steps: 7421,
      elevationGainM: 42,
      source: "Pixel Watch 3",
    });
    expect(batch.activities[0].startAt).toEqual(new Date("2026-03-08T04:30:00Z"));
  });

  it("sleep: minutes (int64 strings) → seconds, stages kept apart, the wake-up day", () => {
    const { batch } = t.sleep([fixture("sleep.json")]);
    expect(batch.sleepSessions[0]).toMatchObject({
      externalId: "a1b2c3d4",
      localDate: "2026-03-07",
      utcOffsetMinutes: 60,
      asleepS: 420 * 60,
      inBedS: 450 * 60,
      deepS: 80 * 60,
      lightS: 230 * 60,
      remS: 110 * 60,
      awakeS: 30 * 60,
      isNap: false,
    });
    expect(batch.dailySummaries).toMatchObject([{ date: "2026-03-07", sleepS: 25_200 }]);
  });

  it("a nap is a session but not the day's sleep", () => {
    const nap = fixture("sleep.json");
    (nap.sleep as { metadata: { nap: boolean } }).metadata.nap = true;
    const { batch } = t.sleep([nap]);
    expect(batch.sleepSessions[0].isNap).toBe(true);
    expect(batch.dailySummaries).toEqual([]);
  });

  it("weight: grams → kg, at its instant and on its local day", () => {
    const { batch } = t.weight([fixture("weight.json")]);
    expect(batch.measurements).toMatchObject([{ type: "weight", value: 81.25, unit: "kg", measuredAt: new Date("2026-03-07T06:15:00Z") }]);
    expect(batch.dailySummaries).toMatchObject([{ date: "2026-03-07", weightKg: 81.25 }]);
  });

  it("heart rate: bpm arrives as a string; HRV keeps RMSSD and SDNN as two series", () => {
    expect(t.heart_rate([fixture("heart-rate.json")]).batch.measurements).toMatchObject([{ type: "heart_rate", value: 76, unit: "bpm" }]);
    const hrv = t.heart_rate_variability([fixture("heart-rate-variability.json")]).batch.measurements;
    expect(hrv.map((m) => [m.type, m.value])).toEqual([
      ["hrv_rmssd", 42.1],
      ["hrv_sdnn", 55],
    ]);
  });

  it("daily types: the civil date is the day; resting HR from an int64 string", () => {
    expect(t.daily_resting_heart_rate([fixture("daily-resting-heart-rate.json")]).batch.dailySummaries).toMatchObject([{ date: "2026-03-07", restingHr: 58 }]);
  });

  it("daily roll-up: steps countSum per civil day; distance millimetresSum → metres", () => {
    const { rollupDataPoints } = fixture<{ rollupDataPoints: unknown[] }>("steps-daily-rollup.json");
    expect(t.steps(rollupDataPoints).batch.dailySummaries).toMatchObject([{ date: "2026-03-07", steps: 10432 }]);
    const distance = t.distance([{ civilStartTime: { date: { year: 2026, month: 3, day: 7 } }, distance: { millimetersSum: "8046720" } }]);
    expect(distance.batch.dailySummaries[0].distanceM).toBe(8046.72);
  });

  it("skips what it cannot place, and keeps the rest of the page", () => {
    const list = fixture<{ dataPoints: unknown[] }>("steps-list.json");
    expect(list.dataPoints).toHaveLength(1); // steps are read through the roll-up, not minute points
    const bad = { heartRate: { beatsPerMinute: "80", sampleTime: { physicalTime: "2026-03-07T23:30:00", utcOffset: "0s" } } };
    const { batch, skipped } = t.heart_rate([bad, fixture("heart-rate.json")]);
    expect(batch.measurements).toHaveLength(1);
    expect(skipped[0].reason).toMatch(/RFC 3339/);
    expect(t.sleep([{ sleep: fixture<{ sleep: unknown }>("sleep.json").sleep }]).skipped[0].reason).toMatch(/no name/);
  });
});
