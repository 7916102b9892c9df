import { requireToken } from "../../oauth2";
import { stravaStyle } from "./oauth";
import { bearerToken, json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, localDay } from "../../data/core";
import { simData } from "../../data/generator";
import { intParam, metered } from "../../data/http";

/**
 * Strava `GET /api/v3/athlete/activities?before&after&page&per_page` (providers.md §1): epoch-second
 * filters on `start_date` (both exclusive), page from 1, per_page default 30, at most 200.
 * Order: oldest first when only `after` is given, newest first otherwise (how clients observe
 * Strava; UNCONFIRMED in providers.md). per_page above 200 is clamped (UNCONFIRMED).
 * Needs `activity:read` or `activity:read_all`. Budget per app (client id).
 */

const HOST = "www.strava.com";
export const STRAVA_MAX_PER_PAGE = 200;

const badRequest = (field: string) => json(400, { message: "Bad Request", errors: [{ resource: "Application", field, code: "invalid" }] });

function activities(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, stravaStyle, { token: bearerToken(ctx) ?? ctx.query.get("access_token") });
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  if (!grant.scopes.includes("activity:read") && !grant.scopes.includes("activity:read_all")) {
    return json(401, { message: "Authorization Error", errors: [{ resource: "AccessToken", field: "activity:read_permission", code: "missing" }] });
  }
  return metered(ctx, "strava", grant.clientId, () => {
    const before = intParam(ctx.query, "before", null, 0, 2 ** 40);
    const after = intParam(ctx.query, "after", null, 0, 2 ** 40);
    const page = intParam(ctx.query, "page", 1, 1, 1_000_000);
    const perPage = intParam(ctx.query, "per_page", 30, 1, 1_000_000);
    for (const [name, p] of [["before", before], ["after", after], ["page", page], ["per_page", perPage]] as const) if (!p.ok) return badRequest(name);
    const b = before.ok ? before.value : null;
    const a = after.ok ? after.value : null;
    const size = Math.min(perPage.ok ? (perPage.value ?? 30) : 30, STRAVA_MAX_PER_PAGE);
    const pageNo = page.ok ? (page.value ?? 1) : 1;

    const store = simData(ctx.state);
    const tz = store.timezone("strava", grant.account);
    const ascending = a !== null && b === null;
    const fromDay = a !== null ? addDays(localDay(a * 1000, tz), -1) : undefined;
    const toDay = b !== null ? addDays(localDay(b * 1000, tz), 1) : undefined;
    const matching = [];
    for (const r of store.walk("strava", grant.account, "activities", { fromDay, toDay, order: ascending ? "asc" : "desc" })) {
      if (a !== null && r.at <= a * 1000) continue;
      if (b !== null && r.at >= b * 1000) continue;
      matching.push(r.body);
      if (matching.length >= pageNo * size) break;
    }
    return json(200, matching.slice((pageNo - 1) * size, pageNo * size));
  });
}

export const stravaDataRoutes: RouteSpec[] = [{ method: "GET", host: HOST, path: "/api/v3/athlete/activities", name: "athlete/activities", handler: activities }];
