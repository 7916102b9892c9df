import { describe, expect, it } from "vitest";
import { fitbitTransforms } from "./transform";
import { fixturesOf } from "../shared/fixtures";

const fixture = fixturesOf(import.meta.url);

describe("fitbit", () => {
  it("activity: ms → s, km → m, offset from startTime", () => {
    const { batch } = fitbitTransforms.activities([fixture("fitbit-activity.json")]);
    expect(batch.activities[0]).toMatchObject({
      externalId: "12345678",
      type: "running",
      localDate: "2024-01-15",
      utcOffsetMinutes: 0,
      durationS: 3600, // 3,600,000 ms
      distanceM: 10000, // 10.0 km
      energyKcal: 500,
      avgHr: 155,
      steps: 8000,
      source: "Fitbit Charge 6",
    });
  });

  it("activity in miles with a negative offset across midnight", () => {
    const { batch } = fitbitTransforms.activities([
      { logId: 7, activityName: "Walk", startTime: "2024-01-15T23:30:00.000-08:00", duration: 1800000, distance: 2, distanceUnit: "Mile" },
    ]);
    // 23:30 at −08:00 = 07:30Z on the 16th; the local day stays the 15th. 2 mi × 1609.344 = 3218.688 m
    expect(batch.activities[0].startAt).toEqual(new Date("2024-01-16T07:30:00Z"));
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-01-15", utcOffsetMinutes: -480, distanceM: 3218.688 });
  });

  it("sleep: local times placed in ctx.timezone, minutes → seconds, dateOfSleep as the day", () => {
    const sleep = fixture<{ sleep: unknown[] }>("fitbit-sleep.json").sleep;
    const { batch } = fitbitTransforms.sleep(sleep, { timezone: "America/Los_Angeles" });
    const s = batch.sleepSessions[0];
    // 2020-02-20T23:21:30 PST (−08:00) = 2020-02-21T07:21:30Z; 07:32 PST = 15:32Z
    expect(s.startAt).toEqual(new Date("2020-02-21T07:21:30Z"));
    expect(s.endAt).toEqual(new Date("2020-02-21T15:32:00Z"));
    expect(s).toMatchObject({
      localDate: "2020-02-21",
      utcOffsetMinutes: -480,
      inBedS: 29400, // 29,400,000 ms
      asleepS: 25860, // 431 min × 60
      deepS: 3660, // 61 min
      remS: 6480, // 108 min
      lightS: null,
      efficiencyPct: 86,
      isNap: false,
    });
    expect(batch.dailySummaries[0]).toMatchObject({ date: "2020-02-21", sleepS: 25860 });
  });

  it("time series: steps (string values), resting HR, HRV RMSSD", () => {
    expect(fitbitTransforms.steps([{ dateTime: "2024-01-15", value: "3512" }]).batch.dailySummaries[0]).toMatchObject({ date: "2024-01-15", steps: 3512 });
    const heart = { dateTime: "2024-01-15", value: { customHeartRateZones: [], heartRateZones: [], restingHeartRate: 58 } };
    expect(fitbitTransforms.heart([heart]).batch.dailySummaries[0]).toEqual({ provider: "fitbit", date: "2024-01-15", restingHr: 58, raw: { "fitbit:heart": heart } });
    expect(fitbitTransforms.hrv([{ dateTime: "2024-01-15", value: { dailyRmssd: 34.938, deepRmssd: 31.567 } }]).batch.dailySummaries[0]).toMatchObject({
      hrvRmssdMs: 34.938,
    });
  });

  it("body logs: local date + time in ctx.timezone", () => {
    const w = { bmi: 22.6, date: "2024-07-01", logId: 1553067494000, source: "Aria", time: "07:38:14", weight: 72.5 };
    const { batch } = fitbitTransforms.weight([w], { timezone: "Europe/Berlin" });
    // 07:38:14 CEST (+02:00) = 05:38:14Z
    expect(batch.measurements.map((m) => [m.type, m.value, m.measuredAt.toISOString()])).toEqual([
      ["weight", 72.5, "2024-07-01T05:38:14.000Z"],
      ["bmi", 22.6, "2024-07-01T05:38:14.000Z"],
    ]);
    expect(batch.dailySummaries[0]).toMatchObject({ date: "2024-07-01", weightKg: 72.5 });
    const fat = fitbitTransforms.fat([{ date: "2024-07-01", fat: 15, logId: 1, time: "07:38:14" }], { timezone: "Europe/Berlin" });
    expect(fat.batch.measurements[0]).toMatchObject({ type: "fat_ratio", value: 15, unit: "%" });
  });
});
