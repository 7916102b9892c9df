import type { FetchContext, Page, ProviderFetcher, TimeWindow } from "@/lib/sync/types";
import { bearer, DAY_MS, epochS, listOf, MINUTE_MS, perWindow } from "../shared/fetch";
import type { stravaTransforms } from "./transform";

/** What this fetcher may name: the resources strava has transforms for. */
type StravaResource = keyof typeof stravaTransforms;

/**
 * Strava API v3 (providers.md §1): `GET /api/v3/athlete/activities?before&after&page&per_page≤200`.
 * `after`/`before` are epoch seconds and exclusive, so a window [from, to) asks for
 * after = from − 1 s, before = to. Deltas use `after` = watermark − overlap. Budget: the read
 * ("non-upload") limits, 100 per 15 min and 1,000 per day, windows at :00/:15/:30/:45 and 00:00 UTC;
 * `X-ReadRateLimit-Usage` tells when another app process used it up.
 */

const ACTIVITIES = "https://www.strava.com/api/v3/athlete/activities";
export const STRAVA_PAGE_SIZE = 200;

async function* pages(ctx: FetchContext, params: { after: number; before?: number }): AsyncIterable<Page> {
  for (let page = 1; ; page++) {
    const json = await ctx.http.json(ACTIVITIES, {
      query: { ...params, page, per_page: STRAVA_PAGE_SIZE },
      what: "activities",
    });
    const records = listOf("strava", json, "", "activities");
    if (records.length) yield { records };
    if (records.length < STRAVA_PAGE_SIZE) return;
  }
}

const nextBoundary = (now: Date, ms: number) => new Date(Math.floor(now.getTime() / ms) * ms + ms);

export const stravaFetcher: ProviderFetcher<StravaResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: [perWindow("15m", 15 * MINUTE_MS, 100), perWindow("day", DAY_MS, 1000)],
  rateLimitHeaders(headers, now) {
    const usage = headers.get("x-readratelimit-usage")?.split(",").map(Number);
    const limit = headers.get("x-readratelimit-limit")?.split(",").map(Number);
    if (!usage || !limit || usage.length < 2 || limit.length < 2) return undefined;
    if (usage[1] >= limit[1]) return { exhaustedUntil: nextBoundary(now, DAY_MS) };
    if (usage[0] >= limit[0]) return { exhaustedUntil: nextBoundary(now, 15 * MINUTE_MS) };
    return undefined;
  },
  resources: [
    {
      kind: "window",
      resource: "activities",
      label: "Activities",
      windowDays: 365,
      pageSize: STRAVA_PAGE_SIZE,
      overlapMs: 3 * DAY_MS,
      fetchWindow: (ctx, w: TimeWindow) => pages(ctx, { after: epochS(w.from) - 1, before: epochS(w.to) }),
      fetchChanges: (ctx, since) => pages(ctx, { after: epochS(since) - 1 }),
    },
  ],
};
