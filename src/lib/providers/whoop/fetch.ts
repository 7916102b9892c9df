import type { FeedCursor, FetchContext, ProviderFetcher, WalkPage, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, listOf, MINUTE_MS, perWindow, snapshot, stringAt } from "../shared/fetch";
import type { whoopTransforms } from "./transform";

/** What this fetcher may name: the resources whoop has transforms for. */
type WhoopResource = keyof typeof whoopTransforms;

/**
 * WHOOP API v2 (providers.md §4): collections take `start` (inclusive), `end` (exclusive), `limit`
 * ≤ 25 and `nextToken` → `{records, next_token}`, newest first. No range cap is documented, so a
 * backfill is one walk over the whole history per collection, resumed by its `next_token`
 * (UNCONFIRMED: how long WHOOP honours one). Body measurements are a snapshot
 * (no time), fetched once per run. Recoveries carry no offset: the user's offset comes from the
 * latest cycle. Budget: 100 per minute and 10,000 per day (per app).
 */

const BASE = "https://api.prod.whoop.com/developer";
/** providers.md §4: `limit` at most 25. */
export const WHOOP_PAGE_SIZE = 25;

async function* collection(ctx: FetchContext, path: string, what: string, range: { start: string; end?: string }, resume?: FeedCursor): AsyncIterable<WalkPage> {
  let nextToken = typeof resume?.nextToken === "string" ? resume.nextToken : undefined;
  do {
    const json = await ctx.http.json(`${BASE}${path}`, {
      query: { ...range, limit: WHOOP_PAGE_SIZE, nextToken },
      what,
    });
    const records = listOf("whoop", json, "records", what);
    nextToken = isObject(json) ? stringAt(json, "next_token") : undefined;
    if (records.length) yield { records, ...(nextToken ? { next: { nextToken } } : {}) };
  } while (nextToken);
}

function timed(resource: WhoopResource, label: string, path: string): WindowResource<WhoopResource> {
  return {
    kind: "window",
    resource,
    label,
    pageSize: WHOOP_PAGE_SIZE,
    overlapMs: 3 * DAY_MS,
    fetchWindow: (ctx, w, resume) => collection(ctx, path, resource, { start: w.from.toISOString(), end: w.to.toISOString() }, resume),
  };
}

const body = snapshot("body_measurement", "Body measurements", async (ctx) => {
  const json = await ctx.http.json(`${BASE}/v2/user/measurement/body`, { what: "body measurement" });
  return isObject(json) ? [json] : [];
});

export const whoopFetcher: ProviderFetcher<WhoopResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: [perWindow("min", MINUTE_MS, 100), perWindow("day", DAY_MS, 10_000)],
  rateLimitHeaders(headers, now) {
    const remaining = Number(headers.get("x-ratelimit-remaining"));
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (headers.has("x-ratelimit-remaining") && remaining <= 0 && Number.isFinite(reset)) {
      return { exhaustedUntil: new Date(now.getTime() + reset * 1000) };
    }
    return undefined;
  },
  async timezone(ctx) {
    const json = await ctx.http.json(`${BASE}/v2/cycle`, { query: { limit: 1 }, what: "latest cycle" });
    const [latest] = listOf("whoop", json, "records", "cycle");
    return isObject(latest) ? stringAt(latest, "timezone_offset") : undefined;
  },
  resources: [
    timed("workout", "Workouts", "/v2/activity/workout"),
    timed("sleep", "Sleep", "/v2/activity/sleep"),
    timed("recovery", "Recovery", "/v2/recovery"),
    timed("cycle", "Strain", "/v2/cycle"),
    body,
  ],
};
