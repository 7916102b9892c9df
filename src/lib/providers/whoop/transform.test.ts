import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { whoopTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("whoop", () => {
  it("workout: kJ → kcal and the start's own offset", () => {
    const { batch } = whoopTransforms.workout([fixture("whoop-workout.json")]);
    const a = batch.activities[0];
    // 02:25:44.774Z at −05:00 is 21:25 on the 23rd.
    expect(a).toMatchObject({ type: "running", localDate: "2022-04-23", utcOffsetMinutes: -300, avgHr: 123, maxHr: 168, durationS: 28800 });
    // 1569.044 kJ / 4.184 kJ per kcal = 375.0105… kcal
    expect(a.energyKcal).toBeCloseTo(375.0105, 4);
  });

  it("sleep: wake-up day at a negative offset, milliseconds → seconds", () => {
    const sample = fixture("whoop-sleep.json");
    const { batch } = whoopTransforms.sleep([sample]);
    const s = batch.sleepSessions[0];
    // end 10:25:44.774Z at −05:00 = 05:25 on 2022-04-24
    expect(s).toMatchObject({
      localDate: "2022-04-24",
      inBedS: 25200, // 25,200,000 ms
      awakeS: 1500,
      deepS: 3600, // slow-wave sleep
      remS: 5400,
      lightS: null, // not in the sample
      asleepS: 23700, // in bed 25200 − awake 1500 − no data 0
      efficiencyPct: 91.7,
      score: 98, // sleep performance %
      isNap: false,
    });
    expect(batch.dailySummaries[0]).toEqual({ provider: "whoop", date: "2022-04-24", sleepS: 23700, sleepScore: 98, raw: { "whoop:sleep": sample } });
  });

  it("cycle: strain and energy on the day after a sleep-onset start", () => {
    const cycle = {
      id: 93845,
      start: "2022-04-24T02:25:44.774Z",
      timezone_offset: "-05:00",
      score_state: "SCORED",
      score: { strain: 5.2951527, kilojoule: 8288.297, average_heart_rate: 68, max_heart_rate: 141 },
    };
    const row = whoopTransforms.cycle([cycle]).batch.dailySummaries[0];
    // start 21:25 local on the 23rd + 12 h → the 24th
    expect(row).toMatchObject({ date: "2022-04-24", strain: 5.2951527, avgHr: 68 });
    // 8288.297 / 4.184 = 1980.9505… kcal
    expect(row.totalEnergyKcal).toBeCloseTo(1980.9505, 4);
  });

  it("recovery: day from created_at in ctx.timezone, HRV as RMSSD", () => {
    const rec = {
      cycle_id: 93845,
      sleep_id: "123e4567-e89b-12d3-a456-426614174000",
      user_id: 10129,
      created_at: "2022-04-24T01:30:00.000Z",
      updated_at: "2022-04-24T14:25:44.774Z",
      score_state: "SCORED",
      score: { user_calibrating: false, recovery_score: 44, resting_heart_rate: 64, hrv_rmssd_milli: 31.813562, spo2_percentage: 95.6875, skin_temp_celsius: 33.7 },
    };
    // 01:30Z is the 23rd at −05:00 but the 24th in UTC.
    expect(whoopTransforms.recovery([rec], { timezone: "-05:00" }).batch.dailySummaries[0].date).toBe("2022-04-23");
    const utc = whoopTransforms.recovery([rec]).batch;
    expect(utc.dailySummaries[0]).toMatchObject({ date: "2022-04-24", recoveryScore: 44, restingHr: 64, hrvRmssdMs: 31.813562, spo2Pct: 95.6875 });
    expect(utc.measurements.map((m) => m.type)).toEqual(["resting_heart_rate", "hrv_rmssd", "spo2", "skin_temperature"]);
  });

  it("body measurement needs fetchedAt and lands on that local day", () => {
    const body = { height_meter: 1.8288, weight_kilogram: 90.7185, max_heart_rate: 200 };
    expect(whoopTransforms.body_measurement([body]).skipped[0].reason).toMatch(/fetchedAt/);
    const { batch } = whoopTransforms.body_measurement([body], { fetchedAt: new Date("2024-03-10T15:00:00Z"), timezone: "America/New_York" });
    // local midnight of 2024-03-10 in New York (EST, −05:00) = 05:00Z
    expect(batch.measurements.map((m) => [m.type, m.value, m.measuredAt.toISOString()])).toEqual([
      ["weight", 90.7185, "2024-03-10T05:00:00.000Z"],
      ["height", 1.8288, "2024-03-10T05:00:00.000Z"],
    ]);
  });
});
