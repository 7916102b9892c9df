import { z } from "zod";
import { BatchBuilder, ctxZone, isoDate, localDate, optNum, optStr, requireDateTime, wallClockToInstant } from "../shared/transform";
import type { Transform, TransformContext } from "../shared/transform-types";

/**
 * Hevy public API. Times are UTC ("…Z") with no zone of their own, so local days use
 * `ctx.timezone`. Every workout is strength training; its sets stay in raw.
 * - `workouts`: `workouts[]` of `GET /v1/workouts`.
 * - `workout_events`: `events[]` of `GET /v1/workouts/events`: `updated` events normalize their
 *   workout (raw under resource "workouts", so re-normalizing workouts sees the latest copy);
 *   `deleted` events become deletions (raw under "workout_events", id `deleted:<id>`).
 * - `body_measurements`: `body_measurements[]`, one per `date` (no time: local midnight).
 */

const workout = z.looseObject({
  id: z.string().min(1),
  title: optStr,
  start_time: z.string(),
  end_time: optStr,
  updated_at: optStr,
});

const event = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("updated"), workout }),
  z.looseObject({ type: z.literal("deleted"), id: z.string().min(1), deleted_at: z.string() }),
]);

const bodyMeasurement = z.looseObject({
  date: isoDate,
  weight_kg: optNum,
  lean_mass_kg: optNum,
  fat_percent: optNum,
});

function addWorkout(b: BatchBuilder, w: z.infer<typeof workout>, original: unknown, ctx: TransformContext | undefined): void {
  const zone = ctxZone(ctx);
  const start = requireDateTime(w.start_time, "start_time");
  const end = w.end_time ? requireDateTime(w.end_time, "end_time") : null;
  const offset = zone.offsetAt(start.at);
  b.activity({
    externalId: w.id,
    type: "strength_training",
    name: w.title ?? null,
    startAt: start.at,
    endAt: end?.at ?? null,
    localDate: localDate(start.at, offset),
    utcOffsetMinutes: ctx?.timezone ? offset : null,
    durationS: end ? (end.at.getTime() - start.at.getTime()) / 1000 : null,
    raw: original as Record<string, unknown>,
  });
  b.raw(w.id, original, "workouts");
}

export const hevyTransforms = {
  workouts: (records, ctx?) => {
    const b = new BatchBuilder("hevy", "workouts");
    return b.each(records, workout, (w, original) => addWorkout(b, w, original, ctx)).result();
  },

  workout_events: (records, ctx?) => {
    const b = new BatchBuilder("hevy", "workout_events");
    return b
      .each(records, event, (e, original) => {
        if (e.type === "updated") {
          addWorkout(b, e.workout, (original as { workout: unknown }).workout, ctx);
          return;
        }
        const at = requireDateTime(e.deleted_at, "deleted_at").at;
        b.deletion({ table: "activity", externalId: e.id, deletedAt: at });
        b.raw(`deleted:${e.id}`, original);
      })
      .result();
  },

  body_measurements: (records, ctx?) => {
    const b = new BatchBuilder("hevy", "body_measurements");
    const zone = ctxZone(ctx);
    return b
      .each(records, bodyMeasurement, (m, original) => {
        const { at } = wallClockToInstant(new Date(`${m.date}T00:00:00Z`), zone);
        b.measurement("weight", at, m.weight_kg);
        b.measurement("fat_free_mass", at, m.lean_mass_kg);
        b.measurement("fat_ratio", at, m.fat_percent);
        if (m.weight_kg != null) b.dailyPart(m.date, { weightKg: m.weight_kg }, original);
        b.raw(m.date, original);
      })
      .result();
  },
} satisfies Record<string, Transform>;
