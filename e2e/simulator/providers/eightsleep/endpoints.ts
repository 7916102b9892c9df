import { json, bearerToken, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { dayNumber, isDay, isTimeZone } from "../../data/core";
import { simData } from "../../data/generator";

/**
 * Eight Sleep `GET client-api.8slp.net/v1/users/{userId}/trends?tz&from&to&…` → `{days}`
 * (providers.md §10, unofficial). Days are generated in the account's zone; `tz` is required and
 * checked but does not shift them (UNCONFIRMED how the app API re-buckets). EIGHTSLEEP_MAX_RANGE_DAYS
 * is a guess. No rate limits are known.
 */

const HOST = "client-api.8slp.net";
export const EIGHTSLEEP_MAX_RANGE_DAYS = 366;

const unauthorized = (failure: string) => json(401, { error: "unauthorized", error_description: `access token ${failure}` });

function trends(ctx: RequestContext): SimResponse {
  const check = ctx.state.checkAccessToken("eightsleep", bearerToken(ctx));
  if (!check.ok) return unauthorized(bearerToken(ctx) ? check.reason : "missing");
  const { grant } = check;
  if (ctx.params.userId !== grant.userId && ctx.params.userId !== "me") return json(403, { error: "forbidden", error_description: "not your user" });
  const tz = ctx.query.get("tz");
  const from = ctx.query.get("from");
  const to = ctx.query.get("to");
  if (!tz || !isTimeZone(tz)) return json(400, { error: "bad_request", error_description: "tz must be an IANA time zone" });
  if (!from || !to || !isDay(from) || !isDay(to) || to < from) return json(400, { error: "bad_request", error_description: "from and to must be YYYY-MM-DD, from ≤ to" });
  if (dayNumber(to) - dayNumber(from) + 1 > EIGHTSLEEP_MAX_RANGE_DAYS) return json(400, { error: "bad_request", error_description: `at most ${EIGHTSLEEP_MAX_RANGE_DAYS} days` });
  return json(200, { days: simData(ctx.state).expectedRecords("eightsleep", grant.account, "trends", { from, to }) });
}

export const eightsleepDataRoutes: RouteSpec[] = [{ method: "GET", host: HOST, path: "/v1/users/:userId/trends", name: "users/trends", handler: trends }];
