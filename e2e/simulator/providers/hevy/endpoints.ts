import { DEMO_HEVY_API_KEYS } from "../../clients";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { isDay, isoZ } from "../../data/core";
import { simData } from "../../data/generator";
import { instantParam, intParam } from "../../data/http";

/**
 * Hevy public API (providers.md §9): `api-key` header; `GET /v1/workouts?page&pageSize≤10` (newest
 * first) → `{page, page_count, workouts}`; `/v1/workouts/count`; `/v1/workouts/{id}`;
 * `/v1/workouts/events?page&pageSize&since` → `{page, page_count, events}`, newest first (spec),
 * `updated` for every workout changed after `since`, `deleted` for admin deletions after it;
 * `/v1/body_measurements?page&pageSize` (newest first), `/v1/body_measurements/{date}`.
 * Default pageSize 5 (spec). No rate limits are published.
 */

const HOST = "api.hevyapp.com";
export const HEVY_MAX_PAGE_SIZE = 10;

const unauthorized = (): SimResponse => ({ status: 401, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Unauthorized" });

function account(ctx: RequestContext): string | null {
  const key = ctx.headers["api-key"];
  return typeof key === "string" ? (DEMO_HEVY_API_KEYS[key] ?? null) : null;
}

function paged<T>(ctx: RequestContext, key: string, items: T[]): SimResponse {
  const page = intParam(ctx.query, "page", 1, 1, 1_000_000);
  const size = intParam(ctx.query, "pageSize", 5, 1, HEVY_MAX_PAGE_SIZE);
  if (!page.ok) return json(400, { error: "Page must be 1 or greater" });
  if (!size.ok) return json(400, { error: `pageSize must be between 1 and ${HEVY_MAX_PAGE_SIZE}` });
  const p = page.value!;
  const s = size.value!;
  return json(200, { page: p, page_count: Math.ceil(items.length / s), [key]: items.slice((p - 1) * s, p * s) });
}

const newestFirst = (ctx: RequestContext, who: string, resource: string) => [...simData(ctx.state).walk("hevy", who, resource, { order: "desc" })];

function workouts(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  return who ? paged(ctx, "workouts", newestFirst(ctx, who, "workouts").map((r) => r.body)) : unauthorized();
}

function count(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  return who ? json(200, { workout_count: simData(ctx.state).list("hevy", who, "workouts").length }) : unauthorized();
}

function workout(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  if (!who) return unauthorized();
  const found = newestFirst(ctx, who, "workouts").find((r) => r.id === ctx.params.workoutId);
  return found ? json(200, found.body) : json(404, { error: "Workout not found" });
}

function events(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  if (!who) return unauthorized();
  const since = instantParam(ctx.query, "since");
  if (!since.ok) return json(400, { error: "since must be an ISO-8601 date" });
  const sinceMs = since.value ?? 0;
  const store = simData(ctx.state);
  const updated = store
    .list("hevy", who, "workouts")
    .filter((r) => r.updatedAt > sinceMs)
    .map((r) => ({ at: r.updatedAt, event: { type: "updated", workout: r.body } as Record<string, unknown> }));
  const deleted = store.deletedSince("hevy", who, "workouts", sinceMs).map((d) => ({ at: d.at, event: { type: "deleted", id: d.id, deleted_at: isoZ(d.at) } }));
  const all = [...updated, ...deleted].sort((a, b) => b.at - a.at).map((e) => e.event);
  return paged(ctx, "events", all);
}

function bodyMeasurements(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  return who ? paged(ctx, "body_measurements", newestFirst(ctx, who, "body_measurements").map((r) => r.body)) : unauthorized();
}

function bodyMeasurement(ctx: RequestContext): SimResponse {
  const who = account(ctx);
  if (!who) return unauthorized();
  const date = ctx.params.date;
  if (!isDay(date)) return json(400, { error: "date must be YYYY-MM-DD" });
  const found = simData(ctx.state).list("hevy", who, "body_measurements", { from: date, to: date })[0];
  return found ? json(200, found.body) : json(404, { error: "Body measurement not found" });
}

export const hevyDataRoutes: RouteSpec[] = [
  { method: "GET", host: HOST, path: "/v1/workouts", name: "workouts", handler: workouts },
  { method: "GET", host: HOST, path: "/v1/workouts/count", name: "workouts/count", handler: count },
  { method: "GET", host: HOST, path: "/v1/workouts/events", name: "workouts/events", handler: events },
  { method: "GET", host: HOST, path: "/v1/workouts/:workoutId", name: "workouts/id", handler: workout },
  { method: "GET", host: HOST, path: "/v1/body_measurements", name: "body_measurements", handler: bodyMeasurements },
  { method: "GET", host: HOST, path: "/v1/body_measurements/:date", name: "body_measurements/date", handler: bodyMeasurement },
];
