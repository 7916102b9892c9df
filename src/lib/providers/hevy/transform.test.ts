import { describe, expect, it } from "vitest";
import { fixturesOf } from "../shared/fixtures";
import { hevyTransforms } from "./transform";

const fixture = fixturesOf(import.meta.url);

describe("hevy", () => {
  it("workout: strength training on the local day of ctx.timezone", () => {
    const sample = fixture("hevy-workout.json");
    const { batch } = hevyTransforms.workouts([sample], { timezone: "Pacific/Auckland" });
    // 12:00Z in Auckland (NZST, +12:00) is midnight, the 15th
    expect(batch.activities[0]).toMatchObject({
      externalId: "b459cba5-cd6d-463c-abd6-54f8eafcadcb",
      type: "strength_training",
      name: "Morning Workout 💪",
      localDate: "2021-09-15",
      utcOffsetMinutes: 720,
      durationS: 0,
    });
    expect(batch.raw[0]).toMatchObject({ resource: "workouts", externalId: "b459cba5-cd6d-463c-abd6-54f8eafcadcb", payload: sample });
  });

  it("events: updated → the workout, deleted → a deletion", () => {
    const workout = fixture("hevy-workout.json");
    const deleted = fixture("hevy-deleted-event.json");
    const { batch, deletions, skipped } = hevyTransforms.workout_events([{ type: "updated", workout }, deleted, { type: "renamed", id: "x" }]);
    expect(batch.activities.map((a) => a.externalId)).toEqual(["b459cba5-cd6d-463c-abd6-54f8eafcadcb"]);
    expect(deletions).toEqual([{ table: "activity", externalId: "efe6801c-4aee-4959-bcdd-fca3f272821b", deletedAt: new Date("2021-09-13T12:00:00Z") }]);
    expect(batch.raw.map((r) => [r.resource, r.externalId])).toEqual([
      ["workouts", "b459cba5-cd6d-463c-abd6-54f8eafcadcb"],
      ["workout_events", "deleted:efe6801c-4aee-4959-bcdd-fca3f272821b"],
    ]);
    expect(skipped).toHaveLength(1); // an unknown event type
  });

  it("body measurements: one per date at local midnight", () => {
    const m = { date: "2024-02-01", weight_kg: 81.2, lean_mass_kg: 65, fat_percent: 19.9 };
    const { batch } = hevyTransforms.body_measurements([m], { timezone: "America/Chicago" });
    // midnight CST (−06:00) = 06:00Z
    expect(batch.measurements.map((x) => [x.type, x.value, x.measuredAt.toISOString()])).toEqual([
      ["weight", 81.2, "2024-02-01T06:00:00.000Z"],
      ["fat_free_mass", 65, "2024-02-01T06:00:00.000Z"],
      ["fat_ratio", 19.9, "2024-02-01T06:00:00.000Z"],
    ]);
    expect(batch.dailySummaries[0]).toMatchObject({ date: "2024-02-01", weightKg: 81.2 });
  });
});
