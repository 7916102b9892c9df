import { DEMO_HEVY_API_KEYS } from "../clients";
import { seededInt, seededUuid } from "../ids";
import { json, type RequestContext, type SimProvider, type SimResponse } from "../router";

/**
 * Hevy public API (providers.md §9): `api-key` header (a personal key, Hevy Pro), 401 with a
 * text/plain body on a bad key, `GET /v1/workouts?page&pageSize≤10` → `{page, page_count, workouts}`,
 * `GET /v1/workouts/count` → `{workout_count}`. Workouts are generated per account, newest first.
 *
 * Choices where providers.md is silent (UNCONFIRMED): the 401 text ("Unauthorized"), a 400 JSON
 * `{"error": …}` for bad paging parameters, default pageSize 5, an empty list past the last page.
 */

const HOST = "api.hevyapp.com";
const MAX_PAGE_SIZE = 10;
const DAY_MS = 86_400_000;

const EXERCISES = [
  { title: "Bench Press (Barbell)", exercise_template_id: "79D0BB3A" },
  { title: "Squat (Barbell)", exercise_template_id: "D04AC939" },
  { title: "Deadlift (Barbell)", exercise_template_id: "C6272009" },
  { title: "Pull Up", exercise_template_id: "1B2B1E7C" },
  { title: "Overhead Press (Barbell)", exercise_template_id: "7B8D84E8" },
];

function accountOf(ctx: RequestContext): string | null {
  const key = ctx.headers["api-key"];
  return typeof key === "string" ? (DEMO_HEVY_API_KEYS[key] ?? null) : null;
}

const unauthorized = (): SimResponse => ({ status: 401, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Unauthorized" });

export function hevyWorkoutCount(account: string): number {
  return seededInt(`hevy-count:${account}`, 12, 40);
}

/** Workout `index` (0 = newest) of an account, in the spec's shape. */
function workout(account: string, index: number, now: number): Record<string, unknown> {
  const seed = `hevy:${account}:${index}`;
  const day = Math.floor(now / DAY_MS) - 1 - index * 2;
  const start = new Date(day * DAY_MS + seededInt(`${seed}:h`, 6, 19) * 3600_000);
  const end = new Date(start.getTime() + seededInt(`${seed}:d`, 35, 95) * 60_000);
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  const exercises = [0, 1, 2].map((n) => {
    const ex = EXERCISES[(index + n) % EXERCISES.length];
    const base = seededInt(`${seed}:${n}:w`, 40, 120);
    return {
      index: n,
      title: ex.title,
      notes: "",
      exercise_template_id: ex.exercise_template_id,
      superset_id: null,
      sets: [0, 1, 2].map((s) => ({
        index: s,
        type: s === 0 ? "warmup" : "normal",
        weight_kg: s === 0 ? Math.round(base * 0.6) : base,
        reps: seededInt(`${seed}:${n}:${s}:r`, 5, 12),
        distance_meters: null,
        duration_seconds: null,
        rpe: s === 2 ? 8.5 : null,
      })),
    };
  });
  return {
    id: seededUuid(seed),
    title: ["Push Day", "Leg Day", "Pull Day", "Full Body"][index % 4],
    description: "",
    start_time: iso(start),
    end_time: iso(end),
    updated_at: iso(end),
    created_at: iso(end),
    exercises,
  };
}

function positiveInt(value: string | null, fallback: number): number | null {
  if (value === null) return fallback;
  return /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : null;
}

export const hevy: SimProvider = {
  id: "hevy",
  name: "Hevy",
  hosts: [HOST],
  routes: [
    {
      method: "GET",
      host: HOST,
      path: "/v1/workouts/count",
      name: "workouts/count",
      handler: (ctx) => {
        const account = accountOf(ctx);
        return account ? json(200, { workout_count: hevyWorkoutCount(account) }) : unauthorized();
      },
    },
    {
      method: "GET",
      host: HOST,
      path: "/v1/workouts",
      name: "workouts",
      handler: (ctx) => {
        const account = accountOf(ctx);
        if (!account) return unauthorized();
        const page = positiveInt(ctx.query.get("page"), 1);
        const pageSize = positiveInt(ctx.query.get("pageSize"), 5);
        if (page === null) return json(400, { error: "page must be a positive integer" });
        if (pageSize === null || pageSize > MAX_PAGE_SIZE) return json(400, { error: `pageSize must be between 1 and ${MAX_PAGE_SIZE}` });
        const total = hevyWorkoutCount(account);
        const pageCount = Math.ceil(total / pageSize);
        const first = (page - 1) * pageSize;
        const now = ctx.state.now();
        const workouts = Array.from({ length: Math.max(0, Math.min(pageSize, total - first)) }, (_, i) => workout(account, first + i, now));
        return json(200, { page, page_count: pageCount, workouts });
      },
    },
  ],
};
