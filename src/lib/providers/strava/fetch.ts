import type { FeedCursor, FetchContext, ProviderFetcher, TimeWindow, WalkPage } from "@/lib/sync/types";
import { bearer, DAY_MS, epochS, listOf, MINUTE_MS, perWindow } from "../shared/fetch";
import type { stravaTransforms } from "./transform";

/** What this fetcher may name: the resources strava has transforms for. */
type StravaResource = keyof typeof stravaTransforms;

/**
 * Strava API v3 (providers.md §1): `GET /api/v3/athlete/activities?before&after&page&per_page≤200`.
 * `after`/`before` are epoch seconds and exclusive, and start times whole seconds, so a window
 * [from, to) asks for after = ⌊from⌋ − 1 s, before = ⌈to⌉ (an activity that starts in the same
 * second as `to`, but before it, is not lost). The endpoint takes any range, so a backfill is one walk over the
 * whole history at 200 a page: ⌈activities ÷ 200⌉ requests (one more when the last page is exactly
 * full). Deltas use `after` = watermark − overlap. Budget: the read
 * ("non-upload") limits, 100 per 15 min and 1,000 per day, windows at :00/:15/:30/:45 and 00:00 UTC;
 * `X-ReadRateLimit-Usage` tells when another app process used it up.
 */

const ACTIVITIES = "https://www.strava.com/api/v3/athlete/activities";
/** providers.md §1: per_page at most 200. */
export const STRAVA_PAGE_SIZE = 200;

/**
 * Pages 1, 2, … of one fixed before/after range. A full page's `next` names that same page: a
 * resumed walk reads it again, because activities deleted meanwhile shift later ones to lower
 * pages and would otherwise slip past the resume point (new ones lie after `before`, shift nothing).
 */
async function* pages(ctx: FetchContext, params: { after: number; before?: number }, resume?: FeedCursor): AsyncIterable<WalkPage> {
  for (let page = Math.max(1, Number(resume?.page ?? 1)); ; page++) {
    const json = await ctx.http.json(ACTIVITIES, {
      query: { ...params, page, per_page: STRAVA_PAGE_SIZE },
      what: "activities",
    });
    const records = listOf("strava", json, "", "activities");
    const full = records.length >= STRAVA_PAGE_SIZE;
    if (records.length) yield { records, ...(full ? { next: { page } } : {}) };
    if (!full) return;
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
      pageSize: STRAVA_PAGE_SIZE,
      overlapMs: 3 * DAY_MS,
      fetchWindow: (ctx, w: TimeWindow, resume) => pages(ctx, { after: epochS(w.from) - 1, before: Math.ceil(w.to.getTime() / 1000) }, resume),
      fetchChanges: (ctx, since) => pages(ctx, { after: epochS(since) - 1 }),
    },
  ],
};
