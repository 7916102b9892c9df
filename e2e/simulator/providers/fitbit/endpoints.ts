import { requireToken } from "../../oauth2";
import { fitbitStyle } from "./oauth";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, dayNumber, isDay, localDay, tzOffset, wall, type GenRecord } from "../../data/core";
import { simData } from "../../data/generator";
import { intParam, metered } from "../../data/http";

/**
 * Fitbit Web API data (providers.md §5), metric units, budget 150 requests/hour per user.
 * - Lists `GET /1/user/-/activities/list.json` and `/1.2/user/-/sleep/list.json`: exactly one of
 *   `afterDate` (with sort=asc) or `beforeDate` (with sort=desc), `limit` ≤ 100, `offset`; the
 *   reply's `pagination.next` is the real-host URL of the next page ("" at the end). Dates compare
 *   with the local start time (afterDate exclusive, beforeDate exclusive).
 * - Date ranges `…/date/{start}/{end}.json` with Fitbit's per-resource maximum span (UNCONFIRMED,
 *   from Fitbit's reference as remembered; providers.md only gives sleep's 100 days): sleep 100,
 *   steps 1095, heart 366, HRV 30, weight/fat logs 31 days. Days without data are left out (Fitbit
 *   would send zeros for steps).
 * The `-` in paths means the token's user; the user's encoded id works too.
 */

const HOST = "api.fitbit.com";
const BASE = `https://${HOST}`;
export const FITBIT_MAX_LIMIT = 100;
export const FITBIT_MAX_RANGE_DAYS = { sleep: 100, steps: 1095, heart: 366, hrv: 30, weight: 31, fat: 31 } as const;

const SCOPES: Record<string, string> = { activities: "activity", steps: "activity", sleep: "sleep", heart: "heartrate", hrv: "heartrate", weight: "weight", fat: "weight" };

const error = (status: number, errorType: string, message: string, fieldName?: string) =>
  json(status, { errors: [{ errorType, ...(fieldName ? { fieldName } : {}), message }], success: false });

type Handler = (ctx: RequestContext, account: string) => SimResponse;

/** Bearer + scope, the user segment, then the per-user budget. */
function guarded(resource: string, handle: Handler) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, fitbitStyle, { scope: SCOPES[resource] });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    if (ctx.params.userId !== "-" && ctx.params.userId !== grant.userId) return error(403, "insufficient_permissions", "The caller may only read its own data.");
    return metered(ctx, "fitbit", grant.userId, () => handle(ctx, grant.account));
  };
}

function list(resource: "activities" | "sleep", key: string, path: string): Handler {
  return (ctx, account) => {
    const q = ctx.query;
    const afterDate = q.get("afterDate");
    const beforeDate = q.get("beforeDate");
    const sort = q.get("sort");
    const limit = intParam(q, "limit", null, 1, FITBIT_MAX_LIMIT);
    const offset = intParam(q, "offset", 0, 0, 1_000_000);
    if (!limit.ok || limit.value === null) return error(400, "validation", `limit is required and must be between 1 and ${FITBIT_MAX_LIMIT}`, "limit");
    if (!offset.ok) return error(400, "validation", offset.message, "offset");
    if ((afterDate === null) === (beforeDate === null)) return error(400, "validation", "Exactly one of afterDate or beforeDate is required.", "afterDate");
    const bound = afterDate ?? beforeDate!;
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(bound) || !isDay(bound.slice(0, 10))) return error(400, "validation", "Invalid date; use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss.", afterDate ? "afterDate" : "beforeDate");
    if ((afterDate !== null && sort !== "asc") || (beforeDate !== null && sort !== "desc")) return error(400, "validation", "sort must be asc with afterDate and desc with beforeDate.", "sort");
    const boundWall = bound.length === 10 ? `${bound}T00:00:00` : bound.length === 16 ? `${bound}:00` : bound;

    const store = simData(ctx.state);
    const tz = store.timezone("fitbit", account);
    const localWall = (r: GenRecord) => wall(r.at, tzOffset(tz, r.at));
    const order = afterDate !== null ? "asc" : "desc";
    const all: unknown[] = [];
    const range = afterDate !== null ? { fromDay: addDays(bound.slice(0, 10), -1) } : { toDay: addDays(bound.slice(0, 10), 1) };
    for (const r of store.walk("fitbit", account, resource, { ...range, order })) {
      const w = localWall(r);
      if (afterDate !== null ? w > boundWall : w < boundWall) all.push(r.body);
    }
    const start = offset.value ?? 0;
    const page = all.slice(start, start + limit.value);
    const nextUrl = start + limit.value < all.length ? `${BASE}${path}?${new URLSearchParams({ ...(afterDate ? { afterDate } : { beforeDate: beforeDate! }), sort: sort!, offset: String(start + limit.value), limit: String(limit.value) })}` : "";
    const prevUrl = start > 0 ? `${BASE}${path}?${new URLSearchParams({ ...(afterDate ? { afterDate } : { beforeDate: beforeDate! }), sort: sort!, offset: String(Math.max(0, start - limit.value)), limit: String(limit.value) })}` : "";
    return json(200, {
      [key]: page,
      pagination: { ...(afterDate ? { afterDate } : { beforeDate }), limit: limit.value, next: nextUrl, offset: start, previous: prevUrl, sort },
    });
  };
}

/** `{start}/{end}` (or one date) of a date-range path; `today` allowed. */
function range(ctx: RequestContext, account: string, maxDays: number): { from: string; to: string } | SimResponse {
  const today = localDay(ctx.state.now(), simData(ctx.state).timezone("fitbit", account));
  const clean = (s: string) => {
    const v = s.replace(/\.json$/, "");
    return v === "today" ? today : v;
  };
  const from = clean(ctx.params.start);
  const to = ctx.params.end !== undefined ? clean(ctx.params.end) : from;
  if (!isDay(from) || !isDay(to)) return error(400, "validation", "Invalid date; use yyyy-MM-dd.", "date");
  if (to < from) return error(400, "validation", "The end date is before the start date.", "date");
  if (dayNumber(to) - dayNumber(from) + 1 > maxDays) return error(400, "validation", `The date range may span at most ${maxDays} days.`, "date");
  return { from, to };
}

function byDate(resource: keyof typeof FITBIT_MAX_RANGE_DAYS, key: string, byLocalDay = true): Handler {
  return (ctx, account) => {
    const r = range(ctx, account, FITBIT_MAX_RANGE_DAYS[resource]);
    if (!("from" in r)) return r;
    const out = simData(ctx.state)
      .list("fitbit", account, resource, { from: r.from, to: r.to })
      .filter((x) => !byLocalDay || (x.day >= r.from && x.day <= r.to))
      .map((x) => x.body);
    // Fitbit lists sleep newest first; series and logs oldest first.
    return json(200, { [key]: resource === "sleep" ? out.reverse() : out });
  };
}

export const fitbitDataRoutes: RouteSpec[] = [
  { method: "GET", host: HOST, path: "/1/user/:userId/activities/list.json", name: "activities/list", handler: guarded("activities", list("activities", "activities", "/1/user/-/activities/list.json")) },
  { method: "GET", host: HOST, path: "/1.2/user/:userId/sleep/list.json", name: "sleep/list", handler: guarded("sleep", list("sleep", "sleep", "/1.2/user/-/sleep/list.json")) },
  { method: "GET", host: HOST, path: "/1.2/user/:userId/sleep/date/:start/:end", name: "sleep/date-range", handler: guarded("sleep", byDate("sleep", "sleep")) },
  { method: "GET", host: HOST, path: "/1.2/user/:userId/sleep/date/:start", name: "sleep/date", handler: guarded("sleep", byDate("sleep", "sleep")) },
  { method: "GET", host: HOST, path: "/1/user/:userId/activities/steps/date/:start/:end", name: "activities/steps", handler: guarded("steps", byDate("steps", "activities-steps")) },
  { method: "GET", host: HOST, path: "/1/user/:userId/activities/heart/date/:start/:end", name: "activities/heart", handler: guarded("heart", byDate("heart", "activities-heart")) },
  { method: "GET", host: HOST, path: "/1/user/:userId/hrv/date/:start/:end", name: "hrv", handler: guarded("hrv", byDate("hrv", "hrv")) },
  { method: "GET", host: HOST, path: "/1/user/:userId/body/log/weight/date/:start/:end", name: "body/log/weight", handler: guarded("weight", byDate("weight", "weight")) },
  { method: "GET", host: HOST, path: "/1/user/:userId/body/log/fat/date/:start/:end", name: "body/log/fat", handler: guarded("fat", byDate("fat", "fat")) },
];
