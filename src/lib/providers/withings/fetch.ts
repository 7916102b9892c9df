import type { BodyVerdict, FeedCursor, FetchContext, ProviderFetcher, TimeWindow, WalkPage, WindowResource } from "@/lib/sync/types";
import { bearer, DAY_MS, epochS, isObject, lastDay, listOf, MINUTE_MS, perWindow, stringAt, ymd } from "../shared/fetch";
import type { withingsTransforms } from "./transform";

/** What this fetcher may name: the resources withings has transforms for. */
type WithingsResource = keyof typeof withingsTransforms;

/**
 * Withings Public Health Data API (providers.md §8): POST form calls with `Authorization: Bearer`,
 * answers `{status, body}` with HTTP 200 even for errors (601 = too many requests; 100–102, 200,
 * 401 = authentication failed; 522 = timeout). Lists page with `more` + `offset`. Backfill asks by
 * date (`startdate`/`enddate` epoch seconds for getmeas, `startdateymd`/`enddateymd` for the
 * others). No call caps its range (providers.md and the vendor spec name none), so a backfill is
 * one offset walk over the whole history per resource: a sparse account costs one request each,
 * a dense one ⌈records ÷ page⌉. Deltas use `lastupdate` (everything created or changed since), the best mechanism
 * Withings has. Budget: 120 requests per minute per app.
 */

const MEASURE = "https://wbsapi.withings.net/measure";
const MEASURE_V2 = "https://wbsapi.withings.net/v2/measure";
const SLEEP_V2 = "https://wbsapi.withings.net/v2/sleep";

/** Every meastype the normalizer knows (weight, body composition, blood pressure, heart rate, SpO2, temperatures, visceral fat, BMR…). */
export const WITHINGS_MEASTYPES = "1,4,5,6,8,9,10,11,12,54,71,73,76,77,88,91,123,170,226";
/*
 * Fields come back only when listed in `data_fields`, so every documented one is asked for and the
 * raw record is complete. UNCONFIRMED: the lists are Withings' reference as remembered (providers.md
 * names only some of the sleep fields).
 */
const WORKOUT_FIELDS =
  "calories,intensity,manual_distance,manual_calories,hr_average,hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3,pause_duration,algo_pause_duration,spo2_average,steps,distance,elevation,pool_laps,strokes,pool_length";
const SLEEP_FIELDS =
  "total_sleep_time,total_timeinbed,sleep_efficiency,sleep_latency,wakeup_latency,wakeupduration,wakeupcount,waso,lightsleepduration,deepsleepduration,remsleepduration,durationtosleep,durationtowakeup,hr_average,hr_min,hr_max,rr_average,rr_min,rr_max,breathing_disturbances_intensity,snoring,snoringepisodecount,sleep_score,night_events,out_of_bed_count,apnea_hypopnea_index";
const ACTIVITY_FIELDS =
  "steps,distance,elevation,soft,moderate,intense,active,calories,totalcalories,hr_average,hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3";

/** UNCONFIRMED (providers.md gives none; the simulator's): items per page of a list. */
export const WITHINGS_PAGE_SIZE = 100;

const AUTH_STATUSES = new Set([100, 101, 102, 200, 401]);

function checkBody(json: unknown): BodyVerdict {
  if (!isObject(json) || typeof json.status !== "number") return { kind: "invalid", reason: "no status in the answer" };
  const status = json.status;
  if (status === 0) return { kind: "ok" };
  const reason = `status ${status}${stringAt(json, "error") ? `: ${stringAt(json, "error")}` : ""}`;
  if (status === 601) return { kind: "rate_limited", reason };
  if (AUTH_STATUSES.has(status)) return { kind: "unauthorized", reason };
  if (status === 522) return { kind: "transient", reason };
  return { kind: "invalid", reason };
}

/**
 * Pages through `more`/`offset`; `key` is the list inside `body`. A page's `next` is its own offset:
 * a resumed walk reads that page again, so records deleted meanwhile cannot shift one past it.
 */
async function* paged(ctx: FetchContext, url: string, form: Record<string, string | number>, key: string, what: string, resume?: FeedCursor): AsyncIterable<WalkPage> {
  let offset: number | undefined = typeof resume?.offset === "number" && resume.offset > 0 ? resume.offset : undefined;
  for (;;) {
    const json = await ctx.http.json(url, { form: { ...form, offset }, what });
    const body = isObject(json) && isObject(json.body) ? json.body : {};
    const records = listOf("withings", body, key, what);
    const timezone = stringAt(body, "timezone");
    const more = body.more === true || body.more === 1;
    const next = typeof body.offset === "number" ? body.offset : undefined;
    const last = !more || next === undefined || next === offset;
    if (records.length) yield { records, timezone, ...(last ? {} : { next: { offset: offset ?? 0 } }) };
    if (last) return;
    offset = next;
  }
}

function resource(
  name: WithingsResource,
  label: string,
  call: { url: string; action: string; key: string; fields?: Record<string, string>; byDay: boolean },
): WindowResource<WithingsResource> {
  const base = { action: call.action, ...call.fields };
  return {
    kind: "window",
    resource: name,
    label,
    pageSize: WITHINGS_PAGE_SIZE,
    dayAligned: call.byDay,
    overlapMs: DAY_MS,
    fetchWindow: (ctx, w: TimeWindow, resume) =>
      paged(
        ctx,
        call.url,
        call.byDay
          ? { ...base, startdateymd: ymd(w.from), enddateymd: lastDay(w.to) }
          : // Inclusive whole seconds: the last second that starts before `to`.
            { ...base, startdate: epochS(w.from), enddate: Math.ceil(w.to.getTime() / 1000) - 1 },
        call.key,
        label.toLowerCase(),
        resume,
      ),
    fetchChanges: (ctx, since) => paged(ctx, call.url, { ...base, lastupdate: epochS(since) }, call.key, label.toLowerCase()),
  };
}

export const withingsFetcher: ProviderFetcher<WithingsResource> = {
  authorize: (req, token) => bearer(req, token),
  checkBody,
  budget: [perWindow("min", MINUTE_MS, 120)],
  resources: [
    resource("measures", "Body measurements", {
      url: MEASURE,
      action: "getmeas",
      key: "measuregrps",
      fields: { meastypes: WITHINGS_MEASTYPES, category: "1" },
      byDay: false,
    }),
    resource("workouts", "Workouts", { url: MEASURE_V2, action: "getworkouts", key: "series", fields: { data_fields: WORKOUT_FIELDS }, byDay: true }),
    resource("sleep_summary", "Sleep", { url: SLEEP_V2, action: "getsummary", key: "series", fields: { data_fields: SLEEP_FIELDS }, byDay: true }),
    resource("activity", "Daily activity", { url: MEASURE_V2, action: "getactivity", key: "activities", fields: { data_fields: ACTIVITY_FIELDS }, byDay: true }),
  ],
};
