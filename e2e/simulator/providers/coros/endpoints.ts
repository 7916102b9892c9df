import { requireToken } from "../../oauth2";
import { COROS_RESULT, corosStyle } from "./oauth";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, dayNumber, isDay, localDay } from "../../data/core";
import { simData } from "../../data/generator";

/**
 * COROS `GET /v2/coros/sport/list?token&openId&startDate&endDate` (providers.md §7): dates
 * YYYYMMDD, inclusive, on the workout's local start day → `{result:"0000", message:"OK", data}`,
 * newest first. Errors use COROS's envelope (HTTP 200). COROS_MAX_RANGE_DAYS (31: C2C asks for
 * "the last 30 days") and the order are UNCONFIRMED. No published rate limit, so none here.
 */

const HOST = "open.coros.com";
export const COROS_MAX_RANGE_DAYS = 31;

const envelope = (result: string, message: string, extra: Record<string, unknown> = {}) => json(200, { result, message, ...extra });

function ymd(v: string | null): string | null {
  if (!v || !/^\d{8}$/.test(v)) return null;
  const day = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
  return isDay(day) ? day : null;
}

function sportList(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, corosStyle, { token: ctx.query.get("token") });
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  if (ctx.query.get("openId") !== grant.userId) return envelope(COROS_RESULT.invalidRequest, "openId does not match the token");
  const start = ymd(ctx.query.get("startDate"));
  const end = ymd(ctx.query.get("endDate"));
  if (!start || !end) return envelope(COROS_RESULT.invalidRequest, "startDate and endDate are required (YYYYMMDD)");
  if (end < start) return envelope(COROS_RESULT.invalidRequest, "endDate is before startDate");
  if (dayNumber(end) - dayNumber(start) + 1 > COROS_MAX_RANGE_DAYS) return envelope(COROS_RESULT.invalidRequest, `the range may span at most ${COROS_MAX_RANGE_DAYS} days`);
  const store = simData(ctx.state);
  const data = [];
  for (const r of store.walk("coros", grant.account, "sport_list", { fromDay: addDays(start, -1), toDay: addDays(end, 1), order: "desc" })) {
    // The day as COROS sees it: start time at the workout's own zone (15-minute units).
    const day = localDay(r.at + Number(r.body.startTimezone) * 15 * 60_000, "UTC");
    if (day >= start && day <= end) data.push(r.body);
  }
  return envelope(COROS_RESULT.ok, "OK", { data });
}

export const corosDataRoutes: RouteSpec[] = [{ method: "GET", host: HOST, path: "/v2/coros/sport/list", name: "sport/list", handler: sportList }];
