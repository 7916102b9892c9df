import type { FeedCursor, FetchContext, ProviderFetcher, TimeWindow, WalkPage, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, lastDay, listOf, MINUTE_MS, perWindow, stringAt, ymd } from "../shared/fetch";
import type { ouraTransforms } from "./transform";

/** What this fetcher may name: the resources oura has transforms for. */
type OuraResource = keyof typeof ouraTransforms;

/**
 * Oura API v2 (providers.md §3): `GET /v2/usercollection/<resource>?start_date&end_date&next_token`
 * → `{data, next_token}`; heart rate takes `start_datetime`/`end_datetime` instead. Dates are local
 * days, so windows are aligned to UTC midnights. The daily collections take any date range (none is
 * documented; HS asks for everything since 2010 in one range), so a backfill is one `next_token`
 * walk per collection; heart rate goes in windows of OURA_HR_MAX_DAYS. Budget: 5,000 requests per 5 minutes; the
 * `X-RateLimit-Remaining`/`-Reset` headers tell when another process used it up.
 */

const BASE = "https://api.ouraring.com/v2/usercollection";

async function* collection(ctx: FetchContext, resource: string, params: Record<string, string>, resume?: FeedCursor): AsyncIterable<WalkPage> {
  let nextToken = typeof resume?.next_token === "string" ? resume.next_token : undefined;
  do {
    const json = await ctx.http.json(`${BASE}/${resource}`, { query: { ...params, next_token: nextToken }, what: resource });
    const records = listOf("oura", json, "data", resource);
    nextToken = isObject(json) ? stringAt(json, "next_token") : undefined;
    if (records.length) yield { records, ...(nextToken ? { next: { next_token: nextToken } } : {}) };
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

function daily(resource: OuraResource, label: string): WindowResource<OuraResource> {
  return {
    kind: "window",
    resource,
    label,
    pageSize: OURA_PAGE_SIZE,
    dayAligned: true,
    overlapMs: 3 * DAY_MS,
    fetchWindow: (ctx, w: TimeWindow, resume) => collection(ctx, resource, { start_date: ymd(w.from), end_date: endDate(w.to) }, resume),
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
    daily("workout", "Workouts"),
    daily("sleep", "Sleep"),
    daily("daily_activity", "Daily activity"),
    daily("daily_readiness", "Readiness"),
    daily("daily_sleep", "Sleep score"),
    {
      kind: "window",
      resource: "heartrate",
      label: "Heart rate",
      windowDays: OURA_HR_MAX_DAYS,
      pageSize: OURA_HR_PAGE_SIZE,
      overlapMs: DAY_MS,
      fetchWindow: (ctx, w, resume) =>
        collection(ctx, "heartrate", { start_datetime: w.from.toISOString(), end_datetime: w.to.toISOString() }, resume),
    },
  ],
};
