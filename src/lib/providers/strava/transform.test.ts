import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { stravaTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("strava activities", () => {
  it("maps the sample activity to SI columns with its own local day", () => {
    const sample = fixture("strava-activity.json");
    const { batch, skipped } = stravaTransforms.activities([sample]);
    expect(skipped).toEqual([]);
    expect(batch.activities).toHaveLength(1);
    const a = batch.activities[0];
    expect(a).toMatchObject({
      provider: "strava",
      externalId: "154504250376823",
      type: "running",
      name: "Morning Run",
      localDate: "2024-01-15", // date part of start_date_local "2024-01-15T08:30:00Z"
      utcOffsetMinutes: 60, // utc_offset 3600 s / 60
      durationS: 3400, // elapsed_time
      movingS: 3240,
      distanceM: 10012.3, // already metres
      avgHr: 152.1,
      elevationGainM: 45,
      energyKcal: null, // no `calories` in a summary activity
    });
    expect(a.startAt).toEqual(new Date("2024-01-15T07:30:00Z"));
    // end = start + elapsed 3400 s = 07:30:00 + 56 min 40 s
    expect(a.endAt).toEqual(new Date("2024-01-15T08:26:40Z"));
    expect(batch.raw).toEqual([{ provider: "strava", resource: "activities", externalId: "154504250376823", payload: sample }]);
  });

  it("takes the local day from start_date_local when the UTC day differs (negative offset)", () => {
    // 03:00 UTC on the 16th is 22:00 on the 15th at UTC−5 (utc_offset −18000 s).
    const { batch } = stravaTransforms.activities([
      { id: 1, type: "Ride", start_date: "2024-01-16T03:00:00Z", start_date_local: "2024-01-15T22:00:00Z", utc_offset: -18000 },
    ]);
    expect(batch.activities[0]).toMatchObject({ localDate: "2024-01-15", utcOffsetMinutes: -300, type: "cycling" });
  });

  it("skips a record without start_date and keeps the rest of the page", () => {
    const { batch, skipped } = stravaTransforms.activities([{ id: 2, name: "no start" }, fixture("strava-activity.json")]);
    expect(batch.activities).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].reason).toMatch(/start_date/);
    expect(skipped[0].record).toEqual({ id: 2, name: "no start" });
  });

  it("turns a delete webhook event into a deletion and ignores creates", () => {
    const { deletions, batch } = stravaTransforms.webhook_events([
      { object_type: "activity", object_id: 42, aspect_type: "delete", event_time: 1700000000, owner_id: 1 },
      { object_type: "activity", object_id: 43, aspect_type: "create", event_time: 1700000001, owner_id: 1 },
    ]);
    expect(deletions).toEqual([{ table: "activity", externalId: "42", deletedAt: new Date(1700000000 * 1000) }]);
    expect(batch.activities).toEqual([]);
  });
});
