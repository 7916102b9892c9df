import { describe, expect, it } from "vitest";
import { corosTransforms } from "./transform";
import { fixturesOf } from "../shared/fixtures";

const fixture = fixturesOf(import.meta.url);

describe("coros", () => {
  it("sample workout: timezone in 15-minute units", () => {
    const { batch } = corosTransforms.sport_list([fixture("coros-workout.json")]);
    const a = batch.activities[0];
    // 1516096869 s = 2018-01-16T10:01:09Z; startTimezone 32 × 15 min = +480 min → 18:01:09 local
    expect(a.startAt).toEqual(new Date("2018-01-16T10:01:09Z"));
    expect(a).toMatchObject({
      externalId: "1234",
      type: "running",
      name: "Outdoor Run", // mode 8, subMode 1
      localDate: "2018-01-16",
      utcOffsetMinutes: 480,
      durationS: 493, // no duration field: endTime − startTime = 1516097362 − 1516096869
    });
  });

  it("a late start crosses into the next local day at +14 units (+03:30)", () => {
    // 21:00Z + 210 min = 00:30 on the next day
    const start = Date.parse("2024-03-01T21:00:00Z") / 1000;
    const { batch } = corosTransforms.sport_list([{ labelId: "9", mode: 9, subMode: 1, startTime: start, startTimezone: 14, distance: 25000.5, duration: 3600 }]);
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-03-02", utcOffsetMinutes: 210, type: "cycling", distanceM: 25000.5, durationS: 3600 });
  });

  it("negative units place western zones (−20 → UTC−5)", () => {
    const start = Date.parse("2024-03-02T03:00:00Z") / 1000;
    const { batch } = corosTransforms.sport_list([{ labelId: "10", mode: 10, subMode: 2, startTime: start, startTimezone: -20 }]);
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-03-01", utcOffsetMinutes: -300, type: "swimming" });
  });
});
