import { requireToken } from "../../oauth2";
import { polarStyle } from "./oauth";
import { empty, json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, dayNumber, isDay, localDay } from "../../data/core";
import { simData } from "../../data/generator";
import { dayParam, metered } from "../../data/http";

/**
 * Polar AccessLink v3 reads (providers.md §6; windows from the spec, PS): exercises of the last
 * 30 days, sleep and Nightly Recharge of the last 28, daily activity `?from&to` (from at most 365
 * days back, at most 28 days apart; default the last 28), continuous HR `?from&to` (required; the
 * same limits, UNCONFIRMED) → `{heart_rates:[…]}` (list shape UNCONFIRMED; by-date calls return
 * one day), physical info (the current values). Budget per app, growing with registered users.
 */

const HOST = "www.polaraccesslink.com";
export const POLAR_MAX_RANGE_DAYS = 28;
export const POLAR_MAX_AGE_DAYS = 365;

const error = (status: number, message: string) => json(status, { status, message, timestamp: new Date().toISOString() });

type Handler = (ctx: RequestContext, account: string) => SimResponse;

function guarded(handle: Handler) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, polarStyle);
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "polar", grant.clientId, () => handle(ctx, grant.account));
  };
}

const all = (resource: string): Handler => (ctx, account) => json(200, simData(ctx.state).expectedRecords("polar", account, resource));

const wrapped = (resource: string, key: string): Handler => (ctx, account) => json(200, { [key]: simData(ctx.state).expectedRecords("polar", account, resource) });

function byDate(resource: string): Handler {
  return (ctx, account) => {
    const date = ctx.params.date;
    if (!isDay(date)) return error(400, "Invalid date.");
    const found = simData(ctx.state).list("polar", account, resource, { from: date, to: date }).find((r) => r.day === date);
    return found ? json(200, found.body) : resource === "activities" ? empty(204) : error(404, "No data found for date.");
  };
}

/** `from`/`to` with Polar's daily-activity limits. */
function dateRange(ctx: RequestContext, account: string, required: boolean): { from: string; to: string } | SimResponse {
  const today = localDay(ctx.state.now(), simData(ctx.state).timezone("polar", account));
  const from = dayParam(ctx.query, "from");
  const to = dayParam(ctx.query, "to");
  if (!from.ok) return error(400, from.message);
  if (!to.ok) return error(400, to.message);
  if (required && (from.value === null || to.value === null)) return error(400, "from and to are required.");
  const end = to.value ?? today;
  const start = from.value ?? addDays(end, -(POLAR_MAX_RANGE_DAYS - 1));
  if (start > end) return error(400, "from is after to.");
  if (dayNumber(today) - dayNumber(start) > POLAR_MAX_AGE_DAYS) return error(400, `Invalid or too old date. Cannot be older than ${POLAR_MAX_AGE_DAYS} days.`);
  if (dayNumber(end) - dayNumber(start) + 1 > POLAR_MAX_RANGE_DAYS) return error(400, `The maximum range between from and to is ${POLAR_MAX_RANGE_DAYS} days.`);
  return { from: start, to: end };
}

const ranged =
  (resource: string, required: boolean, wrap?: string): Handler =>
  (ctx, account) => {
    const r = dateRange(ctx, account, required);
    if (!("from" in r)) return r;
    const out = simData(ctx.state).expectedRecords("polar", account, resource, r);
    return json(200, wrap ? { [wrap]: out } : out);
  };

export const polarDataRoutes: RouteSpec[] = [
  { method: "GET", host: HOST, path: "/v3/exercises", name: "exercises", handler: guarded(all("exercises")) },
  {
    method: "GET",
    host: HOST,
    path: "/v3/exercises/:id",
    name: "exercises/id",
    handler: guarded((ctx, account) => {
      const found = simData(ctx.state).list("polar", account, "exercises").find((r) => r.id === ctx.params.id);
      return found ? json(200, found.body) : error(404, "Exercise not found.");
    }),
  },
  { method: "GET", host: HOST, path: "/v3/users/sleep", name: "users/sleep", handler: guarded(wrapped("sleep", "nights")) },
  {
    method: "GET",
    host: HOST,
    path: "/v3/users/sleep/available",
    name: "users/sleep/available",
    handler: guarded((ctx, account) =>
      json(200, {
        available: simData(ctx.state)
          .expectedRecords("polar", account, "sleep")
          .map((n) => ({ date: n.date, start_time: n.sleep_start_time, end_time: n.sleep_end_time })),
      }),
    ),
  },
  { method: "GET", host: HOST, path: "/v3/users/sleep/:date", name: "users/sleep/date", handler: guarded(byDate("sleep")) },
  { method: "GET", host: HOST, path: "/v3/users/nightly-recharge", name: "users/nightly-recharge", handler: guarded(wrapped("nightly_recharge", "recharges")) },
  { method: "GET", host: HOST, path: "/v3/users/nightly-recharge/:date", name: "users/nightly-recharge/date", handler: guarded(byDate("nightly_recharge")) },
  { method: "GET", host: HOST, path: "/v3/users/activities", name: "users/activities", handler: guarded(ranged("activities", false)) },
  { method: "GET", host: HOST, path: "/v3/users/activities/:date", name: "users/activities/date", handler: guarded(byDate("activities")) },
  { method: "GET", host: HOST, path: "/v3/users/continuous-heart-rate", name: "users/continuous-heart-rate", handler: guarded(ranged("continuous_heart_rate", true, "heart_rates")) },
  { method: "GET", host: HOST, path: "/v3/users/continuous-heart-rate/:date", name: "users/continuous-heart-rate/date", handler: guarded(byDate("continuous_heart_rate")) },
  { method: "GET", host: HOST, path: "/v3/users/physical-info", name: "users/physical-info", handler: guarded((ctx, account) => json(200, simData(ctx.state).expectedRecords("polar", account, "physical_info")[0])) },
];
