import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { WITHINGS_MEASTYPES as REQUESTED } from "./fetch";
import { WITHINGS_MEASTYPES, withingsTransforms, withingsValue } from "./transform";

const fixture = fixturesOf(import.meta.url);

type Body<K extends string> = { status: number; body: Record<K, unknown[]> & { timezone?: string } };

describe("withings", () => {
  it("value × 10^unit, exactly", () => {
    expect(withingsValue(7500, -2)).toBe(75); // 7500 × 10⁻² (7500 * 0.01 would be 75.00000000000001)
    expect(withingsValue(180, -1)).toBe(18);
    expect(withingsValue(12, 3)).toBe(12000);
    expect(withingsValue(655, -3)).toBe(0.655);
  });

  it("getmeas sample: weight 75 kg and fat ratio 18 % on the Paris day", () => {
    const res = fixture<Body<"measuregrps">>("withings-getmeas.json");
    const { batch, skipped } = withingsTransforms.measures(res.body.measuregrps, { timezone: res.body.timezone });
    expect(skipped).toEqual([]);
    const at = new Date(1590000000 * 1000); // 2020-05-20T18:40:00Z
    expect(batch.measurements).toEqual([
      { provider: "withings", type: "weight", measuredAt: at, value: 75, unit: "kg", source: null, localDate: "2020-05-20", utcOffsetMinutes: 120 },
      { provider: "withings", type: "fat_ratio", measuredAt: at, value: 18, unit: "%", source: null, localDate: "2020-05-20", utcOffsetMinutes: 120 },
    ]);
    // 18:40Z is 20:40 in Paris (CEST, +02:00): still 2020-05-20
    expect(batch.dailySummaries).toEqual([
      { provider: "withings", date: "2020-05-20", weightKg: 75, raw: { "withings:measures": res.body.measuregrps[0] } },
    ]);
    expect(batch.raw[0]).toMatchObject({ resource: "measures", externalId: "123456789" });
  });

  it("meastypes: blood pressure, heart rate, SpO2, fat mass; a late weighing in Tokyo is the next day", () => {
    const date = Date.parse("2024-01-15T16:30:00Z") / 1000; // 01:30 on the 16th in Tokyo (+09:00)
    const grp = {
      grpid: 1,
      date,
      category: 1,
      measures: [
        { value: 120, type: 10, unit: 0 },
        { value: 80, type: 9, unit: 0 },
        { value: 64, type: 11, unit: 0 },
        { value: 97, type: 54, unit: 0 },
        { value: 14230, type: 8, unit: -3 }, // 14.23 kg
        { value: 68450, type: 1, unit: -3 }, // 68.45 kg
      ],
    };
    const { batch } = withingsTransforms.measures([grp, { grpid: 2, date, category: 2, measures: [{ value: 65000, type: 1, unit: -3 }] }], {
      timezone: "Asia/Tokyo",
    });
    expect(batch.measurements.map((m) => [m.type, m.value, m.unit])).toEqual([
      ["bp_systolic", 120, "mmHg"],
      ["bp_diastolic", 80, "mmHg"],
      ["heart_rate", 64, "bpm"],
      ["spo2", 97, "%"],
      ["fat_mass", 14.23, "kg"],
      ["weight", 68.45, "kg"],
    ]);
    expect(batch.dailySummaries[0]).toMatchObject({ date: "2024-01-16", weightKg: 68.45 });
    expect(batch.raw).toHaveLength(1); // the category-2 objective is not a measurement
  });

  it("asks for every meastype it maps, visceral fat (170) and BMR (226) included", () => {
    expect(REQUESTED.split(",").map(Number).sort((a, b) => a - b)).toEqual(Object.keys(WITHINGS_MEASTYPES).map(Number).sort((a, b) => a - b));
    const date = Date.parse("2024-02-01T07:00:00Z") / 1000;
    const grp = { grpid: 9, attrib: 0, date, category: 1, measures: [{ value: 9, type: 170, unit: 0 }, { value: 16425, type: 226, unit: -1 }] };
    expect(withingsTransforms.measures([grp]).batch.measurements.map((x) => [x.type, x.value, x.unit])).toEqual([
      ["visceral_fat", 9, "index"], // a rating without unit
      ["basal_metabolic_rate", 1642.5, "kcal/d"], // 16425 × 10⁻¹
    ]);
  });

  it("attrib 1 (may be another user's) and 4 (entered at account creation) are kept raw only, never the user's weight", () => {
    const at = (iso: string) => Date.parse(iso) / 1000;
    const w = (grpid: number, attrib: number, iso: string, grams: number) => ({ grpid, attrib, date: at(iso), category: 1, measures: [{ value: grams, type: 1, unit: -3 }] });
    const groups = [
      w(1, 0, "2024-02-01T07:00:00Z", 80100), // the user, known to the scale
      w(2, 1, "2024-02-01T19:00:00Z", 54300), // a guest later that day: must not overwrite 80.1 kg
      w(3, 4, "2024-02-02T08:00:00Z", 90000), // typed in at sign-up
      w(4, 2, "2024-02-03T08:00:00Z", 79800), // typed in by the user: theirs
      w(5, 8, "2024-02-04T08:00:00Z", 79900), // "same as attrib 0"
    ];
    const { batch, skipped } = withingsTransforms.measures(groups, { timezone: "UTC" });
    expect(skipped).toEqual([]);
    expect(batch.measurements.map((x) => [x.measuredAt.toISOString(), x.value])).toEqual([
      ["2024-02-01T07:00:00.000Z", 80.1],
      ["2024-02-03T08:00:00.000Z", 79.8],
      ["2024-02-04T08:00:00.000Z", 79.9],
    ]);
    expect(batch.dailySummaries.map((d) => [d.date, d.weightKg])).toEqual([
      ["2024-02-01", 80.1],
      ["2024-02-03", 79.8],
      ["2024-02-04", 79.9],
    ]);
    expect(batch.raw.map((r) => r.externalId)).toEqual(["1", "2", "3", "4", "5"]); // every group kept as received
  });

  it("a group's own timezone decides its day: 23:30 in New York is that New York day", () => {
    // 2024-03-05 23:30 in New York (EST, −05:00) = 2024-03-06T04:30Z = 05:30 on the 6th in Paris.
    const date = Date.parse("2024-03-06T04:30:00Z") / 1000;
    const trip = { grpid: 7, attrib: 0, date, category: 1, timezone: "America/New_York", measures: [{ value: 7710, type: 1, unit: -2 }] };
    const home = { grpid: 8, attrib: 0, date: date + 86_400, category: 1, measures: [{ value: 7690, type: 1, unit: -2 }] };
    const { batch } = withingsTransforms.measures([trip, home], { timezone: "Europe/Paris" });
    expect(batch.dailySummaries.map((d) => [d.date, d.weightKg])).toEqual([
      ["2024-03-05", 77.1], // the trip's own zone
      ["2024-03-07", 76.9], // no zone of its own: the answer's (Paris), 05:30 on the 7th
    ]);
    // An unknown zone skips only that group.
    const bad = withingsTransforms.measures([{ ...trip, timezone: "Mars/Olympus" }, home], { timezone: "Europe/Paris" });
    expect(bad.skipped.map((x) => x.reason)).toEqual([expect.stringMatching(/Mars\/Olympus/)]);
    expect(bad.batch.dailySummaries.map((d) => d.date)).toEqual(["2024-03-07"]);
  });

  it("sleep summary: a sleep_session AND the day's part with hr_average as resting HR", () => {
    const res = fixture<Body<"series">>("withings-sleep-getsummary.json");
    const series = res.body.series;
    const { batch } = withingsTransforms.sleep_summary(series);
    const s = batch.sleepSessions[0];
    // 1589932800 = 2020-05-20T00:00Z (02:00 Paris), 1589961600 = 08:00Z (10:00 Paris)
    expect(s.startAt).toEqual(new Date("2020-05-20T00:00:00Z"));
    expect(s).toMatchObject({
      externalId: "987654321",
      localDate: "2020-05-20",
      utcOffsetMinutes: 120,
      inBedS: 28800, // no total_timeinbed: enddate − startdate
      asleepS: 25200,
      deepS: 5400,
      remS: 7200,
      efficiencyPct: 85, // > 1: already a percentage
      avgHr: 58,
    });
    expect(batch.dailySummaries).toEqual([
      { provider: "withings", date: "2020-05-20", sleepS: 25200, restingHr: 58, raw: { "withings:sleep_summary": series[0] } },
    ]);
  });

  it("sleep summary: a 0–1 efficiency becomes a percentage, sleep_score goes to both rows", () => {
    const item = { id: 5, timezone: "America/New_York", startdate: 1700000000, enddate: 1700028000, date: "2023-11-15", data: { sleep_efficiency: 0.91, sleep_score: 77 } };
    const { batch } = withingsTransforms.sleep_summary([item]);
    expect(batch.sleepSessions[0]).toMatchObject({ efficiencyPct: 91, score: 77, utcOffsetMinutes: -300 });
    expect(batch.dailySummaries[0]).toMatchObject({ sleepScore: 77 });
  });

  it("sleep summary: zero stages from a device that records none and zero time in bed are unknown, not zero", () => {
    const night = { id: 6, timezone: "UTC", startdate: 1700000000, enddate: 1700027000, date: "2023-11-15" };
    const stageless = { ...night, data: { total_sleep_time: 24000, total_timeinbed: 0, deepsleepduration: 0, lightsleepduration: 0, remsleepduration: 0, wakeupduration: 0 } };
    expect(withingsTransforms.sleep_summary([stageless]).batch.sleepSessions[0]).toMatchObject({
      asleepS: 24000,
      inBedS: 27000, // 0 s in bed is not a measurement: enddate − startdate
      deepS: null,
      lightS: null,
      remS: null,
      awakeS: null,
    });
    // A staged night keeps its real zeros (no REM, no time awake).
    const staged = { ...night, data: { total_sleep_time: 24000, deepsleepduration: 6000, lightsleepduration: 18000, remsleepduration: 0, wakeupduration: 0 } };
    expect(withingsTransforms.sleep_summary([staged]).batch.sleepSessions[0]).toMatchObject({ deepS: 6000, lightS: 18000, remS: 0, awakeS: 0 });
  });

  it("workouts and daily activity", () => {
    const w = { id: 77, category: 2, timezone: "Europe/Paris", startdate: 1700000000, enddate: 1700002700, data: { calories: 410, distance: 7500, hr_average: 150, steps: 7000 } };
    const { batch } = withingsTransforms.workouts([w]);
    // 1700000000 = 2023-11-14T22:13:20Z = 23:13 in Paris (CET, +01:00)
    expect(batch.activities[0]).toMatchObject({ type: "running", localDate: "2023-11-14", utcOffsetMinutes: 60, durationS: 2700, distanceM: 7500, energyKcal: 410 });
    const day = { date: "2023-11-14", timezone: "Europe/Paris", steps: 10234, distance: 7600.5, calories: 420, totalcalories: 2300 };
    expect(withingsTransforms.activity([day]).batch.dailySummaries[0]).toEqual({
      provider: "withings",
      date: "2023-11-14",
      steps: 10234,
      distanceM: 7600.5,
      activeEnergyKcal: 420,
      totalEnergyKcal: 2300,
      raw: { "withings:activity": day },
    });
  });

  it("an unknown time zone skips only that record", () => {
    const { batch, skipped } = withingsTransforms.workouts([
      { id: 1, timezone: "Mars/Olympus", startdate: 1700000000 },
      { id: 2, timezone: "UTC", startdate: 1700000000 },
    ]);
    expect(batch.activities.map((a) => a.externalId)).toEqual(["2"]);
    expect(skipped[0].reason).toMatch(/Mars\/Olympus/);
  });
});
