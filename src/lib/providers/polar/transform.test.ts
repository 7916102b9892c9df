import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { polarTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("polar", () => {
  it("exercise: local wall clock minus start_time_utc_offset (minutes), ISO duration", () => {
    const { batch } = polarTransforms.exercises([fixture("polar-exercise.json")]);
    const a = batch.activities[0];
    // 10:40:02 local at +180 min = 07:40:02Z; PT2H44M = 2×3600 + 44×60 = 9840 s
    expect(a.startAt).toEqual(new Date("2008-10-13T07:40:02Z"));
    expect(a.endAt).toEqual(new Date("2008-10-13T10:24:02Z"));
    expect(a).toMatchObject({
      externalId: "2AC312F",
      type: "other", // water-skiing: no better type than "other"
      localDate: "2008-10-13",
      utcOffsetMinutes: 180,
      durationS: 9840,
      distanceM: 1600,
      energyKcal: 530,
      avgHr: 129,
      maxHr: 147,
      source: "Polar M400",
    });
  });

  it("exercise at a negative offset keeps its local day", () => {
    const { batch } = polarTransforms.exercises([{ id: "x", start_time: "2024-01-15T21:00:00", start_time_utc_offset: -300, sport: "RUNNING", duration: "PT45M30S" }]);
    // 21:00 at −300 min = 02:00Z on the 16th
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-01-15", type: "running", durationS: 2730 });
    expect(batch.activities[0].startAt).toEqual(new Date("2024-01-16T02:00:00Z"));
  });

  it("sleep: stages summed, offsets from the times, night on its date", () => {
    const sample = fixture("polar-sleep.json");
    const { batch } = polarTransforms.sleep([sample]);
    const s = batch.sleepSessions[0];
    // 00:39:07+03:00 = 2019-12-31T21:39:07Z; 09:19:37+03:00 = 06:19:37Z → in bed 8 h 40 min 30 s = 31230 s
    expect(s.startAt).toEqual(new Date("2019-12-31T21:39:07Z"));
    expect(s).toMatchObject({ localDate: "2020-01-01", utcOffsetMinutes: 180, inBedS: 31230, asleepS: 3000, awakeS: 1000, score: 80, externalId: "2020-01-01" });
    expect(batch.dailySummaries[0]).toEqual({ provider: "polar", date: "2020-01-01", sleepS: 3000, sleepScore: 80, raw: { "polar:sleep": sample } });
  });

  it("nightly recharge, daily activity, continuous HR and physical info", () => {
    const recharge = { date: "2020-01-01", heart_rate_avg: 70, beat_to_beat_avg: 816, heart_rate_variability_avg: 28, nightly_recharge_status: 3, ans_charge: 0 };
    expect(polarTransforms.nightly_recharge([recharge]).batch.dailySummaries[0]).toEqual({
      provider: "polar",
      date: "2020-01-01",
      hrvRmssdMs: 28,
      raw: { "polar:nightly_recharge": recharge },
    });
    const day = { start_time: "2025-08-13T08:15:30", end_time: "2025-08-13T23:59:59", calories: 2500, active_calories: 1500, steps: 8823, distance_from_steps: 4590.53 };
    expect(polarTransforms.activities([day]).batch.dailySummaries[0]).toMatchObject({
      date: "2025-08-13",
      steps: 8823,
      totalEnergyKcal: 2500,
      activeEnergyKcal: 1500,
      distanceM: 4590.53,
    });
    const hr = { polar_user: "u", date: "2022-09-12", heart_rate_samples: [{ heart_rate: 63, sample_time: "00:02:08" }, { heart_rate: 62, sample_time: "00:07:08" }] };
    // 00:02:08 in Helsinki (EEST, +03:00) = 2022-09-11T21:02:08Z
    const m = polarTransforms.continuous_heart_rate([hr], { timezone: "Europe/Helsinki" }).batch.measurements;
    expect(m.map((x) => [x.measuredAt.toISOString(), x.value])).toEqual([
      ["2022-09-11T21:02:08.000Z", 63],
      ["2022-09-11T21:07:08.000Z", 62],
    ]);
    const info = { weight: 70.5, height: 175, modified: "2024-06-10T12:00:00Z", resting_heart_rate: 60, vo2_max: 50 };
    expect(polarTransforms.physical_info([info]).batch.measurements.map((x) => [x.type, x.value])).toEqual([
      ["weight", 70.5],
      ["height", 1.75], // 175 cm
      ["resting_heart_rate", 60],
      ["vo2max", 50],
    ]);
  });
});
