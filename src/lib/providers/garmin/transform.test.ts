import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { garminTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("garmin", () => {
  it("activity: epoch start with its own negative offset", () => {
    const { batch, skipped } = garminTransforms.activities([fixture("garmin-activity.json")]);
    expect(skipped).toEqual([]);
    const a = batch.activities[0];
    // 1512234126 s = 2017-12-02T17:02:06Z; offset −25200 s = −420 min → 10:02:06 local, same day.
    expect(a.startAt).toEqual(new Date("2017-12-02T17:02:06Z"));
    expect(a).toMatchObject({
      externalId: "x153a9f3-5a9478d4-6",
      type: "running",
      localDate: "2017-12-02",
      utcOffsetMinutes: -420,
      durationS: 1789,
      distanceM: 1976.83,
      energyKcal: 367,
      avgHr: 144,
      steps: 5022,
      source: "forerunner935",
    });
    // end = 17:02:06 + 1789 s (29 min 49 s) = 17:31:55
    expect(a.endAt).toEqual(new Date("2017-12-02T17:31:55Z"));
  });

  it("activity: a late start at a negative offset lands on the previous local day", () => {
    // 2024-03-01T04:30:00Z at −25200 s is 2024-02-29T21:30 local.
    const { batch } = garminTransforms.activities([
      { summaryId: "s1", startTimeInSeconds: Date.parse("2024-03-01T04:30:00Z") / 1000, startTimeOffsetInSeconds: -25200, activityType: "LAP_SWIMMING" },
    ]);
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-02-29", type: "swimming" });
  });

  it("sleep: stages, score and Garmin's calendarDate as the day", () => {
    const { batch } = garminTransforms.sleeps([fixture("garmin-sleep.json")]);
    const s = batch.sleepSessions[0];
    // asleep = deep 11231 + light 3541 + rem 0 = 14772; in bed = durationInSeconds 15264 (= 14772 + awake 492)
    expect(s).toMatchObject({ inBedS: 15264, asleepS: 14772, deepS: 11231, lightS: 3541, remS: 0, awakeS: 492, score: 87, utcOffsetMinutes: 120 });
    // The portal sample's calendarDate (2022) does not match its epoch (2016); the provider's day wins.
    expect(s.localDate).toBe("2022-01-10");
    expect(s.startAt).toEqual(new Date(1452419581 * 1000));
    expect(s.endAt).toEqual(new Date((1452419581 + 15264) * 1000));
    expect(batch.dailySummaries).toEqual([
      { provider: "garmin", date: "2022-01-10", sleepS: 14772, sleepScore: 87, raw: { "garmin:sleeps": fixture("garmin-sleep.json") } },
    ]);
  });

  it("sleep without calendarDate: the wake-up day at the record's offset (night across midnight)", () => {
    // 22:30 local (+02:00) = 20:30Z; 8 h later = 04:30Z = 06:30 local the next day.
    const start = Date.parse("2024-05-10T20:30:00Z") / 1000;
    const { batch } = garminTransforms.sleeps([{ summaryId: "n1", startTimeInSeconds: start, startTimeOffsetInSeconds: 7200, durationInSeconds: 28800 }]);
    expect(batch.sleepSessions[0].localDate).toBe("2024-05-11");
  });

  it("dailies, body composition and HRV", () => {
    const dailies = garminTransforms.dailies([
      { summaryId: "d1", calendarDate: "2024-05-11", steps: 9000, activeKilocalories: 500, bmrKilocalories: 1700, restingHeartRateInBeatsPerMinute: 52 },
    ]);
    // total energy = active 500 + BMR 1700 = 2200 kcal
    expect(dailies.batch.dailySummaries[0]).toMatchObject({ date: "2024-05-11", steps: 9000, activeEnergyKcal: 500, totalEnergyKcal: 2200, restingHr: 52 });

    const at = Date.parse("2024-05-11T05:00:00Z") / 1000;
    const body = garminTransforms.bodyComps([
      { summaryId: "b1", measurementTimeInSeconds: at, measurementTimeOffsetInSeconds: -36000, weightInGrams: 72500, bodyFatInPercent: 18.5, muscleMassInGrams: 33000 },
    ]);
    // 72500 g = 72.5 kg; 05:00Z at −10 h is 19:00 on the 10th.
    expect(body.batch.measurements.map((m) => [m.type, m.value, m.unit])).toEqual([
      ["weight", 72.5, "kg"],
      ["fat_ratio", 18.5, "%"],
      ["muscle_mass", 33, "kg"],
    ]);
    expect(body.batch.dailySummaries[0]).toMatchObject({ date: "2024-05-10", weightKg: 72.5 });

    const hrv = garminTransforms.hrv([{ summaryId: "h1", calendarDate: "2024-05-11", lastNightAvg: 44, startTimeInSeconds: at, hrvValues: { "300": 40, "600": 47 } }]);
    // RMSSD keeps its kind: it never lands in the SDNN column.
    expect(hrv.batch.dailySummaries[0]).toMatchObject({ hrvRmssdMs: 44 });
    expect(hrv.batch.dailySummaries[0].hrvSdnnMs).toBeUndefined();
    expect(hrv.batch.measurements.map((m) => [m.type, m.measuredAt.getTime() / 1000 - at, m.value])).toEqual([
      ["hrv_rmssd", 300, 40],
      ["hrv_rmssd", 600, 47],
    ]);
  });
});
