import { dayNumber, isoZ, localInstant, Rng, round, type DayContext, type GenRecord, type ProviderSpec } from "../../data/core";
import { weightOn } from "../../data/generators/shared";

/** Hevy workouts (about three a week) and weekly body measurements (`date`-keyed). */

const EXERCISES = [
  { title: "Bench Press (Barbell)", id: "79D0BB3A", base: 70 },
  { title: "Squat (Barbell)", id: "D04AC939", base: 90 },
  { title: "Deadlift (Barbell)", id: "C6272009", base: 110 },
  { title: "Pull Up", id: "1B2B1E7C", base: 0 },
  { title: "Overhead Press (Barbell)", id: "7B8D84E8", base: 45 },
  { title: "Bent Over Row (Barbell)", id: "55E6546F", base: 60 },
];
const TITLES = ["Push Day", "Leg Day", "Pull Day", "Full Body", "Upper Body"];

function workoutRecord(ctx: DayContext, startMs: number, id: string, salt: string): GenRecord {
  const r = ctx.rng(`hevy-workout:${salt}`);
  const end = startMs + r.int(35, 95) * 60_000 + r.int(0, 59) * 1000;
  const first = r.int(0, EXERCISES.length - 1);
  const exercises = [0, 1, 2, 3].slice(0, r.int(3, 4)).map((n) => {
    const ex = EXERCISES[(first + n) % EXERCISES.length];
    const load = ex.base ? round(ex.base * r.float(0.8, 1.3, 2), 1) : null;
    return {
      index: n,
      title: ex.title,
      notes: "",
      exercise_template_id: ex.id,
      superset_id: null,
      sets: [0, 1, 2, 3].map((s) => ({
        index: s,
        type: s === 0 ? "warmup" : "normal",
        weight_kg: load === null ? null : s === 0 ? round(load * 0.6, 1) : load,
        reps: r.int(5, 12),
        distance_meters: null,
        duration_seconds: null,
        rpe: s === 3 ? r.pick([7.5, 8, 8.5, 9]) : null,
        custom_metric: null,
      })),
    };
  });
  return {
    id,
    day: ctx.day,
    at: startMs,
    updatedAt: end + 60_000,
    body: {
      id,
      title: r.pick(TITLES),
      routine_id: null,
      description: "",
      start_time: isoZ(startMs),
      end_time: isoZ(end),
      updated_at: isoZ(end + 60_000),
      created_at: isoZ(end + 60_000),
      exercises,
    },
  };
}

export const hevyGenerator: ProviderSpec = {
  workouts: {
    day: (ctx) => {
      const r = ctx.rng("hevy-day");
      if (!r.chance(3 / 7)) return [];
      const start = Math.floor(localInstant(ctx.day, r.int(6 * 60, 20 * 60), ctx.profile.timezone) / 1000) * 1000;
      return [workoutRecord(ctx, start, ctx.rng("hevy-id").uuid(), "0")];
    },
    make: (ctx, ms, salt) => workoutRecord(ctx, Math.floor(ms / 1000) * 1000, new Rng(`hevy-add:${salt}`).uuid(), `admin:${salt}`),
    touch: (body, ms) => void (body.updated_at = isoZ(ms)),
  },
  body_measurements: {
    day: (ctx) => {
      const dayNo = dayNumber(ctx.day);
      if (dayNo % 7 !== 3) return [];
      const r = ctx.rng("hevy-body");
      const weight = round(weightOn(ctx, dayNo), 1);
      const fat = r.float(14, 26, 1);
      const midnight = localInstant(ctx.day, 0, ctx.profile.timezone);
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: midnight,
          updatedAt: midnight + 8 * 3600_000,
          body: {
            date: ctx.day,
            weight_kg: weight,
            lean_mass_kg: round(weight * (1 - fat / 100), 1),
            fat_percent: fat,
            neck_cm: r.float(34, 42, 1),
            shoulder_cm: null,
            chest_cm: r.float(90, 110, 1),
            left_bicep_cm: null,
            right_bicep_cm: null,
            left_forearm_cm: null,
            right_forearm_cm: null,
            abdomen: null,
            waist: r.float(72, 95, 1),
            hips: null,
            left_thigh: null,
            right_thigh: null,
            left_calf: null,
            right_calf: null,
          },
        },
      ];
    },
  },
};
