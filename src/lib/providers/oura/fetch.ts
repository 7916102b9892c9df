import type { FetchContext, Page, ProviderFetcher, TimeWindow, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, lastDay, listOf, MINUTE_MS, perWindow, stringAt, ymd } from "../shared/fetch";
import type { ouraTransforms } from "./transform";

/** What this fetcher may name: the resources oura has transforms for. */
type OuraResource = keyof typeof ouraTransforms;

/**
 * Oura API v2 (providers.md §3): `GET /v2/usercollection/<resource>?start_date&end_date&next_token`
 * → `{data, next_token}`; heart rate takes `start_datetime`/`end_datetime` instead. Dates are local
 * days, so windows are aligned to UTC midnights. Budget: 5,000 requests per 5 minutes; the
 * `X-RateLimit-Remaining`/`-Reset` headers tell when another process used it up.
 */

const BASE = "https://api.ouraring.com/v2/usercollection";

async function* collection(ctx: FetchContext, resource: string, params: Record<string, string>): AsyncIterable<Page> {
  let nextToken: string | undefined;
  do {
    const json = await ctx.http.json(`${BASE}/${resource}`, { query: { ...params, next_token: nextToken }, what: resource });
    const records = listOf("oura", json, "data", resource);
    if (records.length) yield { records };
    nextToken = isObject(json) ? stringAt(json, "next_token") : undefined;
  } while (nextToken);
}

/**
 * UNCONFIRMED (providers.md is silent): `end_date` is inclusive, as the simulator and most clients
 * assume. Were it exclusive, set this false and the day after each window's last day is asked for.
 */
export const OURA_END_DATE_INCLUSIVE = true;
/** UNCONFIRMED (the simulator's): documents per page, and heart-rate samples per page. */
export const OURA_PAGE_SIZE = 100;
export const OURA_HR_PAGE_SIZE = 500;
/** UNCONFIRMED: the longest heart-rate range per request (the simulator's; HS pages by 30 days). */
export const OURA_HR_MAX_DAYS = 30;

const endDate = (to: Date) => (OURA_END_DATE_INCLUSIVE ? lastDay(to) : ymd(new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS)));

function daily(resource: OuraResource, label: string, windowDays: number): WindowResource<OuraResource> {
  return {
    kind: "window",
    resource,
    label,
    windowDays,
    pageSize: OURA_PAGE_SIZE,
    dayAligned: true,
    overlapMs: 3 * DAY_MS,
    fetchWindow: (ctx, w: TimeWindow) => collection(ctx, resource, { start_date: ymd(w.from), end_date: endDate(w.to) }),
  };
}

export const ouraFetcher: ProviderFetcher<OuraResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: [perWindow("5m", 5 * MINUTE_MS, 5000)],
  rateLimitHeaders(headers, now) {
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (headers.get("x-ratelimit-remaining") !== "0" || !Number.isFinite(reset)) return undefined;
    return { exhaustedUntil: new Date(now.getTime() + reset * 1000) };
  },
  resources: [
    daily("workout", "Workouts", 365),
    daily("sleep", "Sleep", 365),
    daily("daily_activity", "Daily activity", 365),
    daily("daily_readiness", "Readiness", 365),
    daily("daily_sleep", "Sleep score", 365),
    {
      kind: "window",
      resource: "heartrate",
      label: "Heart rate",
      windowDays: OURA_HR_MAX_DAYS,
      pageSize: OURA_HR_PAGE_SIZE,
      overlapMs: DAY_MS,
      fetchWindow: (ctx, w) =>
        collection(ctx, "heartrate", { start_datetime: w.from.toISOString(), end_datetime: w.to.toISOString() }),
    },
  ],
};
