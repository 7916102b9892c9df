import { ProviderRequestError } from "@/lib/providers/shared/errors";
import type { FeedCursor, FetchContext, Page, ProviderFetcher, TimeWindow, WalkPage, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, HOUR_MS, isObject, lastDay, listOf, perWindow, stringAt, ymd } from "../shared/fetch";
import type { fitbitTransforms } from "./transform";

/** What this fetcher may name: the resources fitbit has transforms for. */
type FitbitResource = keyof typeof fitbitTransforms;

/**
 * Fitbit Web API (providers.md §5), base https://api.fitbit.com, metric units (no Accept-Language).
 * - activities: `list.json` takes `beforeDate` (sort=desc) or `afterDate` (sort=asc), never both,
 *   `limit` ≤ 100, and we follow `pagination.next`. The list takes any range, so a backfill is one
 *   walk back from the day after today to its first day (local dates, as Fitbit lists them),
 *   resumed at its last `next` link; deltas use `afterDate`.
 * - date-range endpoints (inclusive dates, local days): sleep ≤ 100 days, steps ≤ 1095, heart ≤ 1
 *   year, HRV ≤ 30 days, weight/fat logs ≤ 31 days per request.
 * - 150 requests per hour per user, resetting at the top of the hour.
 * Sleep and body logs are local wall clocks: the user's zone comes from the profile.
 */

const API = "https://api.fitbit.com";
export const FITBIT_LIST_LIMIT = 100;

function nextUrl(json: unknown): string | undefined {
  const pagination = isObject(json) && isObject(json.pagination) ? json.pagination : undefined;
  const next = pagination ? stringAt(pagination, "next") : undefined;
  return next ? apiLink(next) : undefined;
}

function apiLink(next: string): string {
  const url = new URL(next);
  // Only ever follow links back to the API itself.
  if (url.protocol !== "https:" || url.host !== "api.fitbit.com") throw new ProviderRequestError("fitbit", "fitbit: activities: unexpected pagination link");
  return url.toString();
}

/** Local date (YYYY-MM-DD) of an activity's `startTime`. */
const startDay = (record: unknown) => (isObject(record) && typeof record.startTime === "string" ? record.startTime.slice(0, 10) : "");

async function* activitiesBefore(ctx: FetchContext, w: TimeWindow, resume?: FeedCursor): AsyncIterable<WalkPage> {
  const first = ymd(w.from);
  const resumed = typeof resume?.url === "string" ? apiLink(resume.url) : undefined;
  let url: string | undefined = resumed ?? `${API}/1/user/-/activities/list.json`;
  let query: Record<string, string | number> | undefined = resumed
    ? undefined
    : { beforeDate: ymd(new Date(Math.ceil(w.to.getTime() / DAY_MS) * DAY_MS)), sort: "desc", offset: 0, limit: FITBIT_LIST_LIMIT };
  while (url) {
    const json = await ctx.http.json(url, { query, what: "activities" });
    const all = listOf("fitbit", json, "activities", "activities");
    const records = all.filter((r) => startDay(r) >= first);
    const done = records.length < all.length || all.length === 0; // reached the window's first day
    url = done ? undefined : nextUrl(json);
    if (records.length) yield { records, ...(url ? { next: { url } } : {}) };
    query = undefined;
  }
}

async function* activitiesAfter(ctx: FetchContext, since: Date): AsyncIterable<Page> {
  let url: string | undefined = `${API}/1/user/-/activities/list.json`;
  let query: Record<string, string | number> | undefined = { afterDate: ymd(since), sort: "asc", offset: 0, limit: FITBIT_LIST_LIMIT };
  while (url) {
    const json = await ctx.http.json(url, { query, what: "activities" });
    const records = listOf("fitbit", json, "activities", "activities");
    if (records.length) yield { records };
    if (records.length === 0) return;
    url = nextUrl(json);
    query = undefined;
  }
}

function range(resource: FitbitResource, label: string, windowDays: number, path: (start: string, end: string) => string, key: string): WindowResource<FitbitResource> {
  return {
    kind: "window",
    resource,
    label,
    windowDays,
    dayAligned: true,
    overlapMs: 3 * DAY_MS,
    async *fetchWindow(ctx, w) {
      const json = await ctx.http.json(`${API}${path(ymd(w.from), lastDay(w.to))}`, { what: resource });
      const records = listOf("fitbit", json, key, resource);
      if (records.length) yield { records };
    },
  };
}

export const fitbitFetcher: ProviderFetcher<FitbitResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: [perWindow("hour", HOUR_MS, 150, "connection")],
  rateLimitHeaders(headers, now) {
    if (headers.get("fitbit-rate-limit-remaining") !== "0") return undefined;
    const reset = Number(headers.get("fitbit-rate-limit-reset"));
    return Number.isFinite(reset) ? { exhaustedUntil: new Date(now.getTime() + reset * 1000) } : undefined;
  },
  async timezone(ctx) {
    const json = await ctx.http.json(`${API}/1/user/-/profile.json`, { what: "profile" });
    return isObject(json) && isObject(json.user) ? stringAt(json.user, "timezone") : undefined;
  },
  resources: [
    {
      kind: "window",
      resource: "activities",
      label: "Activities",
      pageSize: FITBIT_LIST_LIMIT,
      dayAligned: true,
      overlapMs: 3 * DAY_MS,
      fetchWindow: activitiesBefore,
      fetchChanges: activitiesAfter,
    },
    range("sleep", "Sleep", 100, (s, e) => `/1.2/user/-/sleep/date/${s}/${e}.json`, "sleep"),
    range("steps", "Steps", 1095, (s, e) => `/1/user/-/activities/steps/date/${s}/${e}.json`, "activities-steps"),
    range("heart", "Resting heart rate", 365, (s, e) => `/1/user/-/activities/heart/date/${s}/${e}.json`, "activities-heart"),
    range("hrv", "Heart rate variability", 30, (s, e) => `/1/user/-/hrv/date/${s}/${e}.json`, "hrv"),
    range("weight", "Weight", 31, (s, e) => `/1/user/-/body/log/weight/date/${s}/${e}.json`, "weight"),
    range("fat", "Body fat", 31, (s, e) => `/1/user/-/body/log/fat/date/${s}/${e}.json`, "fat"),
  ],
};
