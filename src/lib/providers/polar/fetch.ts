import type { FetchContext, ProviderFetcher, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, lastDay, listOf, MINUTE_MS, perWindow, snapshot, ymd } from "../shared/fetch";
import type { polarTransforms } from "./transform";

/** What this fetcher may name: the resources polar has transforms for. */
type PolarResource = keyof typeof polarTransforms;

/**
 * Polar AccessLink v3 (providers.md §6), Bearer. Polar keeps little history: exercises of the last
 * 30 days (`GET /v3/exercises`, data uploaded after registration only), sleep and Nightly Recharge
 * of the last 28 days (whole lists), daily activity and continuous heart rate by `from`/`to` date
 * (28 days per call, at most 365 days back; the simulator's limits, UNCONFIRMED for CHR). Budget: 500 per 15 min and 5,000 per day plus a per-user allowance; only the
 * base part is counted here (the per-user part is UNCONFIRMED, see POLAR_BUDGET).
 */

const API = "https://www.polaraccesslink.com/v3";

/** UNCONFIRMED (OW's doc, no official page): 500 + users×20 per 15 min, 5,000 + users×100 per day. */
const POLAR_BUDGET = [perWindow("15m", 15 * MINUTE_MS, 500), perWindow("day", DAY_MS, 5000)];

/** Daily activity and continuous HR: `from`/`to` at most POLAR_MAX_RANGE_DAYS apart, `from` at most POLAR_MAX_AGE_DAYS back. */
export const POLAR_MAX_RANGE_DAYS = 28;
/** "Cannot be older than 365 days", counted in the user's local days. */
export const POLAR_MAX_AGE_DAYS = 365;

/** Today in the user's zone (a fixed offset or an IANA name); UTC when unknown. */
function localToday(now: Date, timezone: string | undefined): string {
  const offset = timezone ? /^([+-])(\d{2}):(\d{2})$/.exec(timezone) : null;
  if (offset) {
    const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === "-" ? -1 : 1);
    return ymd(new Date(now.getTime() + minutes * MINUTE_MS));
  }
  if (timezone?.includes("/")) return new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(now);
  return ymd(now);
}

function ranged(resource: PolarResource, label: string, path: string, key: string, what: string): WindowResource<PolarResource> {
  return {
    kind: "window",
    resource,
    label,
    // A day more than Polar keeps: the oldest window is cut to the user's local limit below.
    maxHistoryDays: POLAR_MAX_AGE_DAYS + 2,
    windowDays: POLAR_MAX_RANGE_DAYS,
    dayAligned: true,
    overlapMs: 2 * DAY_MS,
    async *fetchWindow(ctx, w) {
      const oldest = ymd(new Date(Date.parse(`${localToday(ctx.now, ctx.timezone)}T00:00:00Z`) - POLAR_MAX_AGE_DAYS * DAY_MS));
      const from = ymd(w.from) < oldest ? oldest : ymd(w.from);
      const to = lastDay(w.to);
      if (from > to) return;
      const json = await ctx.http.json(`${API}${path}`, { query: { from, to }, what });
      const records = listOf("polar", json, key, what);
      if (records.length) yield { records };
    },
  };
}

const list = (path: string, key: string, what: string) => async (ctx: FetchContext) =>
  listOf("polar", await ctx.http.json(`${API}${path}`, { what }), key, what);

/**
 * The sleep list, read once per run: the time-zone read before the resources and the sleep
 * snapshot both want it (the run's FetchContext is the key, so the next run reads it afresh).
 */
const nightsOfRun = new WeakMap<FetchContext, Promise<unknown[]>>();
function nights(ctx: FetchContext): Promise<unknown[]> {
  let read = nightsOfRun.get(ctx);
  if (!read) {
    read = list("/users/sleep", "nights", "sleep")(ctx);
    nightsOfRun.set(ctx, read);
    // A failed read is not kept: the snapshot tries again (and fails on its own).
    read.catch(() => nightsOfRun.delete(ctx));
  }
  return read;
}

export const polarFetcher: ProviderFetcher<PolarResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: POLAR_BUDGET,
  rateLimitHeaders(headers, now) {
    const usage = Number(headers.get("ratelimit-usage"));
    const limit = Number(headers.get("ratelimit-limit"));
    const reset = Number(headers.get("ratelimit-reset"));
    if (!headers.has("ratelimit-usage") || !Number.isFinite(limit) || usage < limit || !Number.isFinite(reset)) return undefined;
    return { exhaustedUntil: new Date(now.getTime() + reset * 1000) };
  },
  // Continuous heart rate comes as local wall clocks: the offset of the latest night places them.
  async timezone(ctx) {
    const latest = (await nights(ctx)).filter(isObject).sort((a, b) => String(b.date).localeCompare(String(a.date)))[0];
    const end = latest && typeof latest.sleep_end_time === "string" ? latest.sleep_end_time : "";
    return /([+-]\d{2}:\d{2}|Z)$/.exec(end)?.[1]?.replace("Z", "+00:00");
  },
  resources: [
    snapshot("exercises", "Exercises", list("/exercises", "", "exercises"), { maxHistoryDays: 30 }),
    snapshot("sleep", "Sleep", nights, { maxHistoryDays: 28 }),
    snapshot("nightly_recharge", "Nightly Recharge", list("/users/nightly-recharge", "recharges", "nightly recharge"), { maxHistoryDays: 28 }),
    ranged("activities", "Daily activity", "/users/activities", "", "daily activity"),
    ranged("continuous_heart_rate", "Heart rate", "/users/continuous-heart-rate", "heart_rates", "continuous heart rate"),
    snapshot("physical_info", "Body", async (ctx) => {
      const json = await ctx.http.json(`${API}/users/physical-info`, { what: "physical info" });
      return Array.isArray(json) ? json : isObject(json) ? [json] : [];
    }),
  ],
};
