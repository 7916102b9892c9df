import type { FeedCursor, FetchContext, ProviderFetcher, TimeWindow, WalkPage, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, listOf, MINUTE_MS, perWindow, stringAt, ymd } from "../shared/fetch";
import { hasScope, type GoogleHealthScope } from "./auth";
import { GH_API } from "./errors";
import type { googleHealthTransforms } from "./transform";

/** What this fetcher may name: the resources google_health has transforms for. */
type GhResource = keyof typeof googleHealthTransforms;

/**
 * Google Health API v4 (google-health.md A.4–A.7, A.11).
 * - `dataPoints` lists (GET, `filter` per AIP-160, `pageSize`, `pageToken`; newest first): each
 *   record kind has its own filter field, exactly as documented — samples on
 *   `sample_time.physical_time`, daily types on `date`, exercise (a session) on
 *   `interval.civil_start_time` (a physical-time filter is refused for sessions), sleep on
 *   `interval.end_time`. Sleep and exercise page at 25 (their maximum); the rest at 10,000.
 *   `list` documents no cap on a filter's range, so a backfill is one paged walk over the whole
 *   history (no `windowDays`), resumable at the page token of the page after the last committed one.
 * - Daily totals (steps, distance, active energy, floors) through `dataPoints:dailyRollUp`: one
 *   point per local day, at most 90 days per call for these types (14 for heart-rate,
 *   active-minutes and calorie types, which we do not roll up).
 * - Data-source family: the default `all-sources` everywhere (and said explicitly on roll-ups):
 *   manual weigh-ins and phone-recorded data are the user's data too, and Google reconciles
 *   roll-ups across sources so a day's total is not counted twice. `google-wearables` would drop
 *   manual logs; `list` on sleep refuses the parameter altogether.
 * - Budget: 300 requests per minute per user, 120,000 per minute per project (429 RESOURCE_EXHAUSTED).
 * - A resource whose scope the user did not grant is not asked for (the card lists what is missing).
 */

export const GH_SESSION_PAGE_SIZE = 25;
export const GH_PAGE_SIZE = 10_000;
/** dailyRollUp's range limit for the types we roll up. */
export const GH_ROLLUP_MAX_DAYS = 90;
const ALL_SOURCES = "users/me/dataSourceFamilies/all-sources";

/** RFC 3339 without milliseconds, as Google's own examples write it. */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const civilDate = (day: string) => {
  const [year, month, day_] = day.split("-").map(Number);
  return { date: { year, month, day: day_ } }; // JSON numbers: no leading zeros
};

type Filter = (w: TimeWindow) => string;
const between = (field: string, lo: string, hi: string) => `${field} >= "${lo}" AND ${field} < "${hi}"`;
const sampleFilter = (t: string): Filter => (w) => between(`${t}.sample_time.physical_time`, rfc3339(w.from), rfc3339(w.to));
const dailyFilter = (t: string): Filter => (w) => between(`${t}.date`, ymd(w.from), ymd(w.to));

/** A page's `next` is the token of the page after it (tokens are bound to the same filter and page size). */
async function* pages(ctx: FetchContext, url: string, what: string, query: Record<string, string | number>, resume?: FeedCursor): AsyncIterable<WalkPage<GhResource>> {
  let pageToken = typeof resume?.pageToken === "string" ? resume.pageToken : undefined;
  do {
    const json = await ctx.http.json(url, { query: { ...query, pageToken }, what });
    const records = listOf("google_health", json, "dataPoints", what);
    pageToken = stringAt(json, "nextPageToken");
    if (records.length) yield { records, ...(pageToken ? { next: { pageToken } } : {}) };
  } while (pageToken);
}

function list(
  resource: GhResource,
  label: string,
  dataType: string,
  scope: GoogleHealthScope,
  filter: Filter,
  opts: { dayAligned: boolean; pageSize?: number; overlapMs?: number },
): WindowResource<GhResource> {
  const pageSize = opts.pageSize ?? GH_PAGE_SIZE;
  return {
    kind: "window",
    resource,
    label,
    pageSize,
    dayAligned: opts.dayAligned,
    overlapMs: opts.overlapMs ?? 3 * DAY_MS,
    async *fetchWindow(ctx, w, resume) {
      if (!hasScope(ctx.connection.scopes, scope)) return;
      yield* pages(ctx, `${GH_API}/users/me/dataTypes/${dataType}/dataPoints`, resource, { filter: filter(w), pageSize }, resume);
    },
  };
}

function dailyRollUp(resource: GhResource, label: string, dataType: string): WindowResource<GhResource> {
  return {
    kind: "window",
    resource,
    label,
    windowDays: GH_ROLLUP_MAX_DAYS,
    dayAligned: true,
    overlapMs: 3 * DAY_MS,
    async *fetchWindow(ctx, w) {
      if (!hasScope(ctx.connection.scopes, "activity")) return;
      // Day-aligned windows: [from, to) as the civil dates they cover; the range is closed-open.
      const range = { start: civilDate(ymd(w.from)), end: civilDate(ymd(w.to)) };
      let pageToken: string | undefined;
      do {
        const json = await ctx.http.json(`${GH_API}/users/me/dataTypes/${dataType}/dataPoints:dailyRollUp`, {
          method: "POST",
          body: { range, windowSizeDays: 1, dataSourceFamily: ALL_SOURCES, ...(pageToken ? { pageToken } : {}) },
          what: resource,
        });
        const records = listOf("google_health", json, "rollupDataPoints", resource);
        if (records.length) yield { records };
        pageToken = stringAt(json, "nextPageToken");
      } while (pageToken);
    },
  };
}

const SAMPLES = { dayAligned: false };
const DAILY = { dayAligned: true };

export const googleHealthFetcher: ProviderFetcher<GhResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: [perWindow("user-minute", MINUTE_MS, 300, "connection"), perWindow("project-minute", MINUTE_MS, 120_000, "app")],
  async timezone(ctx) {
    if (!hasScope(ctx.connection.scopes, "settings")) return undefined;
    const json = await ctx.http.json(`${GH_API}/users/me/settings`, { what: "settings" });
    return isObject(json) ? stringAt(json, "timeZone") : undefined;
  },
  resources: [
    list("exercise", "Exercise", "exercise", "activity", (w) => between("exercise.interval.civil_start_time", ymd(w.from), ymd(w.to)), {
      dayAligned: true,
      pageSize: GH_SESSION_PAGE_SIZE,
    }),
    list("sleep", "Sleep", "sleep", "sleep", (w) => between("sleep.interval.end_time", rfc3339(w.from), rfc3339(w.to)), {
      dayAligned: false,
      pageSize: GH_SESSION_PAGE_SIZE,
    }),
    dailyRollUp("steps", "Steps", "steps"),
    dailyRollUp("distance", "Distance", "distance"),
    dailyRollUp("active_energy_burned", "Active energy", "active-energy-burned"),
    dailyRollUp("floors", "Floors", "floors"),
    list("heart_rate", "Heart rate", "heart-rate", "metrics", sampleFilter("heart_rate"), SAMPLES),
    list("daily_resting_heart_rate", "Resting heart rate", "daily-resting-heart-rate", "metrics", dailyFilter("daily_resting_heart_rate"), DAILY),
    list("heart_rate_variability", "Heart rate variability", "heart-rate-variability", "metrics", sampleFilter("heart_rate_variability"), SAMPLES),
    list("daily_heart_rate_variability", "Daily HRV", "daily-heart-rate-variability", "metrics", dailyFilter("daily_heart_rate_variability"), DAILY),
    list("daily_oxygen_saturation", "SpO2", "daily-oxygen-saturation", "metrics", dailyFilter("daily_oxygen_saturation"), DAILY),
    list("respiratory_rate_sleep_summary", "Respiratory rate", "respiratory-rate-sleep-summary", "metrics", sampleFilter("respiratory_rate_sleep_summary"), SAMPLES),
    list("vo2_max", "VO2 max", "vo2-max", "activity", sampleFilter("vo2_max"), SAMPLES),
    list("weight", "Weight", "weight", "metrics", sampleFilter("weight"), SAMPLES),
    list("body_fat", "Body fat", "body-fat", "metrics", sampleFilter("body_fat"), SAMPLES),
  ],
};
