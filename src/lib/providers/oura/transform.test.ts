import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { ouraTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("oura", () => {
  it("workout: offsets from the ISO strings, duration from start/end", () => {
    const { batch } = ouraTransforms.workout([fixture("oura-workout.json")]);
    const a = batch.activities[0];
    expect(a).toMatchObject({
      externalId: "oura-workout-abc123",
      type: "running",
      localDate: "2024-01-15",
      utcOffsetMinutes: 0,
      durationS: 3600, // 08:00 → 09:00
      distanceM: 5000,
      energyKcal: 350.5,
      source: "autodetected",
    });
    expect(a.startAt).toEqual(new Date("2024-01-15T08:00:00Z"));
  });

  it("sleep: a night across midnight belongs to its wake-up day, HRV is RMSSD", () => {
    const sample = fixture("oura-sleep.json");
    const { batch } = ouraTransforms.sleep([sample]);
    const s = batch.sleepSessions[0];
    // 2024-01-14T23:10+01:00 = 22:10Z; 2024-01-15T07:05+01:00 = 06:05Z
    expect(s.startAt).toEqual(new Date("2024-01-14T22:10:00Z"));
    expect(s.endAt).toEqual(new Date("2024-01-15T06:05:00Z"));
    expect(s).toMatchObject({
      localDate: "2024-01-15",
      utcOffsetMinutes: 60,
      inBedS: 28500,
      asleepS: 25800,
      deepS: 5400,
      remS: 6000,
      efficiencyPct: 91,
      avgHr: 54.2,
      minHr: 48,
      hrvRmssdMs: 42,
      isNap: false,
    });
    expect(s.hrvSdnnMs).toBeUndefined();
    expect(batch.dailySummaries).toEqual([
      { provider: "oura", date: "2024-01-15", sleepS: 25800, restingHr: 48, hrvRmssdMs: 42, raw: { "oura:sleep": sample } },
    ]);
  });

  it("sleep: a 'deleted' period is a deletion, not a row", () => {
    const { batch, deletions } = ouraTransforms.sleep([{ ...fixture<Record<string, unknown>>("oura-sleep.json"), type: "deleted" }]);
    expect(batch.sleepSessions).toEqual([]);
    expect(deletions).toEqual([{ table: "sleep_session", externalId: "s1", deletedAt: new Date("2024-01-15T06:05:00Z") }]);
  });

  it("daily documents become parts under their own raw keys", () => {
    const activity = { id: "a1", day: "2024-01-15", steps: 8123, active_calories: 410, total_calories: 2350, equivalent_walking_distance: 7400 };
    const readiness = { id: "r1", day: "2024-01-15", score: 81, contributors: { hrv_balance: 70 } };
    const sleep = { id: "d1", day: "2024-01-15", score: 77 };
    expect(ouraTransforms.daily_activity([activity]).batch.dailySummaries[0]).toEqual({
      provider: "oura",
      date: "2024-01-15",
      steps: 8123,
      activeEnergyKcal: 410,
      totalEnergyKcal: 2350,
      distanceM: 7400,
      raw: { "oura:daily_activity": activity },
    });
    expect(ouraTransforms.daily_readiness([readiness]).batch.dailySummaries[0]).toEqual({
      provider: "oura",
      date: "2024-01-15",
      readinessScore: 81,
      raw: { "oura:daily_readiness": readiness },
    });
    expect(ouraTransforms.daily_sleep([sleep]).batch.dailySummaries[0]).toMatchObject({ sleepScore: 77, raw: { "oura:daily_sleep": sleep } });
  });

  it("heart rate samples become measurements", () => {
    const { batch } = ouraTransforms.heartrate([
      { bpm: 61, source: "awake", timestamp: "2024-01-15T10:00:00+00:00" },
      { bpm: "x", timestamp: "2024-01-15T10:05:00+00:00" },
    ]);
    expect(batch.measurements).toEqual([
      // Its own offset places it on its local day.
      { provider: "oura", type: "heart_rate", measuredAt: new Date("2024-01-15T10:00:00Z"), value: 61, unit: "bpm", source: "awake", localDate: "2024-01-15", utcOffsetMinutes: 0 },
    ]);
  });
});
