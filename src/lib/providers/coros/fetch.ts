import type { BodyVerdict, ProviderFetcher } from "@/lib/sync/types";
import { DAY_MS, isObject, lastDay, listOf, MINUTE_MS, perWindow, providerUserIdOf, stringAt, ymd } from "../shared/fetch";
import type { corosTransforms } from "./transform";

/** What this fetcher may name: the resources coros has transforms for. */
type CorosResource = keyof typeof corosTransforms;

/**
 * COROS Open API (providers.md §7; docs are private, facts from public client code):
 * `GET https://open.coros.com/v2/coros/sport/list?token=<access>&openId=<id>&startDate=YYYYMMDD&endDate=YYYYMMDD`
 * → `{result:"0000", message, data:[…]}`. The token travels in the query (so URLs are never logged).
 * UNCONFIRMED, each behind one constant: the longest date range per call (C2C asks for 30 days),
 * how far back COROS serves, the rate limit, and the `result` codes other than "0000".
 */

const SPORT_LIST = "https://open.coros.com/v2/coros/sport/list";
/** UNCONFIRMED: C2C only ever asks for "the last 30 days" (the simulator allows 31). */
export const COROS_MAX_RANGE_DAYS = 30;
/** UNCONFIRMED: no published limit; a polite ceiling. */
const COROS_BUDGET = [perWindow("min", MINUTE_MS, 60)];
/** UNCONFIRMED: `result` codes for a dead or expired token (the simulator's: 5002 grant, 5003 token). */
const COROS_AUTH_CODES = new Set(["5002", "5003"]);

const compact = (day: string) => day.replaceAll("-", "");

function checkBody(json: unknown): BodyVerdict {
  const result = stringAt(json, "result");
  if (result === undefined || result === "0000") return { kind: "ok" };
  const reason = `result ${result}${stringAt(json, "message") ? `: ${stringAt(json, "message")}` : ""}`;
  if (COROS_AUTH_CODES.has(result)) return { kind: "unauthorized", reason };
  return { kind: "invalid", reason };
}

export const corosFetcher: ProviderFetcher<CorosResource> = {
  authorize(req, token, connection) {
    req.url.searchParams.set("token", token);
    req.url.searchParams.set("openId", providerUserIdOf(connection, "coros"));
  },
  checkBody,
  budget: COROS_BUDGET,
  resources: [
    {
      kind: "window",
      resource: "sport_list",
      label: "Workouts",
      windowDays: COROS_MAX_RANGE_DAYS,
      dayAligned: true,
      overlapMs: 3 * DAY_MS,
      async *fetchWindow(ctx, w) {
        const json = await ctx.http.json(SPORT_LIST, {
          query: { startDate: compact(ymd(w.from)), endDate: compact(lastDay(w.to)) },
          what: "workouts",
        });
        const records = isObject(json) ? listOf("coros", json, "data", "workouts") : [];
        if (records.length) yield { records };
      },
    },
  ],
};
